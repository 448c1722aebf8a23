/* SPDX-License-Identifier: MIT */
/* Broker URLs of the MQTT sessions (VEN role, backend role, VTN notifier). */
#ifndef GRIDSIM_MQTT_URL_H
#define GRIDSIM_MQTT_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "gridsim/error.h"

/* Parses "mqtt://HOST[:PORT][/]" (and "mqtts://..." when `tls` is not
 * NULL: *tls tells which) into `host` (kept when the URL has none) and
 * `*port` (kept when the URL has none: the caller sets its default, e.g.
 * 8883 for mqtts). `what` names the option or key in messages ("--mqtt").
 * GS_EINVAL for a malformed URL, GS_EUNSUPPORTED for mqtts:// where TLS is
 * not offered (tls NULL); `host` and `*port` may be partly written then. */
gs_err_t gs_mqtt_parse_url(const char *what, const char *url, char *host,
                           size_t host_size, int *port, bool *tls,
                           gs_errbuf_t *eb);

#endif /* GRIDSIM_MQTT_URL_H */
