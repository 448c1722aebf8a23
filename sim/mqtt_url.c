/* SPDX-License-Identifier: MIT */
/* Broker URLs, "mqtt[s]://HOST[:PORT][/]", for every MQTT session gridsim opens. */
#include "mqtt_url.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

gs_err_t gs_mqtt_parse_url(const char *what, const char *url, char *host,
                           size_t host_size, int *port, bool *tls,
                           gs_errbuf_t *eb) {
  bool secure = strncmp(url, "mqtts://", 8) == 0;
  if (!secure && strncmp(url, "mqtt://", 7) != 0)
    return gs_errbuf_set(eb, GS_EINVAL,
                         "%s: expected mqtt://HOST[:PORT]%s, found '%s'", what,
                         tls ? " or mqtts://HOST[:PORT]" : "", url);
  if (secure && tls == NULL)
    return gs_errbuf_set(eb, GS_EUNSUPPORTED, "%s %s: TLS (mqtts://) is not "
                         "supported here; use mqtt://HOST[:PORT]", what, url);
  const char *h = url + (secure ? 8 : 7);
  size_t hl = strcspn(h, ":/");
  if (hl >= host_size)
    return gs_errbuf_set(eb, GS_EINVAL, "%s %s: host name too long", what,
                         url);
  const char *p = h + hl;
  if (*p == ':') {
    char *end;
    errno = 0;
    long v = strtol(p + 1, &end, 10);
    if (end == p + 1 || errno || v < 1 || v > 65535 ||
        (*end != '\0' && strcmp(end, "/") != 0))
      return gs_errbuf_set(eb, GS_EINVAL, "%s %s: expected a port from 1 to "
                           "65535 after the host", what, url);
    *port = (int)v;
  } else if (*p != '\0' && strcmp(p, "/") != 0) {
    return gs_errbuf_set(eb, GS_EINVAL,
                         "%s: expected mqtt%s://HOST[:PORT], found '%s'", what,
                         tls ? "[s]" : "", url);
  }
  if (hl > 0) {
    memcpy(host, h, hl);
    host[hl] = '\0';
  }
  if (tls) *tls = secure;
  return GS_OK;
}
