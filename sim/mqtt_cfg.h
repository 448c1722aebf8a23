/* SPDX-License-Identifier: MIT */
/* The scenario's "mqtt" section: broker, QoS, bounds and topic templates. */
#ifndef GRIDSIM_MQTT_CFG_H
#define GRIDSIM_MQTT_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "gridsim/error.h"

/* Topic templates, "{venId}" standing for the VEN's id. An empty template
 * turns that publication off (not allowed for cmd and ack). */
typedef enum gs_mqtt_topic {
  GS_MQTT_T_CMD = 0,      /* ven/cmd/{venId} (subscribed)               */
  GS_MQTT_T_ACK,          /* ven/ack/{venId}                           */
  GS_MQTT_T_METERING,     /* volttron/metering                         */
  GS_MQTT_T_TELEMETRY,    /* ven/telemetry/{venId}                     */
  GS_MQTT_T_METER_ALIAS,  /* oadr/meter/{venId}: off ("") by default   */
  GS_MQTT_T_LOADS,        /* ven/loads/{venId}                         */
  GS_MQTT_T_SHADOW,       /* $aws/things/{venId}/shadow/update         */
  GS_MQTT_T_SHADOW_DELTA, /* .../shadow/update/delta (subscribed)      */
  GS_MQTT_T_SHADOW_GET,   /* .../shadow/get: empty publish on connect  */
  GS_MQTT_T_WILL,         /* volttron/dev: the last will               */
  GS_MQTT_T_COUNT
} gs_mqtt_topic_t;

/* JSON keys of "mqtt.topics", in gs_mqtt_topic_t order. */
extern const char *const gs_mqtt_topic_keys[GS_MQTT_T_COUNT];

#define GS_MQTT_PATH_MAX 1024

/* "mqtt.tls" and the credentials (sim/scenario_mqtt_tls.c). Relative file
 * names are resolved against the scenario file's directory when loaded
 * (gs_mqtt_cfg_from_json), so they hold the names to open. */
typedef struct gs_mqtt_tls_cfg {
  bool given;           /* "tls" present (ignored with an mqtt:// URL) */
  char ca_file[GS_MQTT_PATH_MAX]; /* "": the system's CAs (/etc/ssl/certs) */
  /* Client certificate and key, one for all VENs or, when the name holds
   * "{venId}", one per VEN ("cert_pattern"/"key_pattern"). "": none. */
  char cert[GS_MQTT_PATH_MAX], key[GS_MQTT_PATH_MAX];
  bool insecure;        /* skip the check of the broker's host name */
} gs_mqtt_tls_cfg_t;

typedef struct gs_mqtt_cfg {
  char host[256];  /* default broker host ("127.0.0.1") */
  int port;        /* default broker port (1883; 8883 with mqtts://) */
  bool port_given; /* "port" present in the scenario */
  gs_mqtt_tls_cfg_t tls;
  char username[256];     /* "": none */
  char password[256];     /* from "password" or, at bridge creation, ... */
  char password_env[128]; /* ... the environment variable of this name */
  int qos;         /* QoS of the VENs' publications (1); the will is 0 */
  int keepalive_s; /* 60, as the reference VEN */
  uint32_t max_pending; /* per session: publications not yet acknowledged
                           beyond which new ones are dropped (1000) */
  uint32_t max_pending_total; /* the same over all sessions (100000): a
                                 slow broker holds at most this many */
  int64_t late_us;      /* a publication made when the simulation lags
                           the wall clock by more than this is "late" */
  char topics[GS_MQTT_T_COUNT][256];
} gs_mqtt_cfg_t;

struct gs__sctx;

/* Command-line settings of the bridge (--mqtt-ca, ...), overriding the
 * scenario's; NULL / false: not given. Names are used as given (relative
 * to the working directory). Borrowed strings. */
typedef struct gs_mqtt_opts {
  const char *ca_file, *cert, *key; /* cert/key may hold "{venId}" */
  const char *username, *password_env;
  bool insecure;
} gs_mqtt_opts_t;

/* What gs_mqtt_redact_json puts in place of a password. */
#define GS_MQTT_REDACTED "(redacted)"

/* Takes the scenario text `json` (gs_scenario_to_json's; owned, may be
 * NULL) and returns it with "mqtt.password" replaced by GS_MQTT_REDACTED,
 * for the trace, which stores the scenario; unchanged (the same pointer)
 * without a password. The caller frees the result. */
char *gs_mqtt_redact_json(char *json);

/* Applies `o` (may be NULL) to `cfg`. GS_EINVAL, naming the option, for a
 * value too long or a certificate without its key (or the reverse). */
gs_err_t gs_mqtt_cfg_apply_opts(gs_mqtt_cfg_t *cfg, const gs_mqtt_opts_t *o,
                                gs_errbuf_t *eb);

/* Parses "mqtt.tls", "username", "password", "password_env" of the mqtt
 * object `jm` into `cfg` (scenario_mqtt_tls.c); `c` stands at "mqtt". */
gs_err_t gs__scn_parse_mqtt_auth(struct gs__sctx *c, const cJSON *jm,
                                 gs_mqtt_cfg_t *cfg);

/* Makes the relative file names of cfg->tls relative to the directory of
 * the scenario file `file` (NULL or without '/': left as they are).
 * GS_EINVAL if a result is too long. */
gs_err_t gs__mqtt_cfg_resolve(gs_mqtt_cfg_t *cfg, const char *file,
                              gs_errbuf_t *eb);

/* Validates the optional "mqtt" object of the scenario `root`; with `out`
 * (may be NULL: validation only) fills it, defaults included. Errors name
 * the JSON path ("mqtt.topics.ack"), what was expected and found, and are
 * GS_ESCENARIO. `c` stands at the root on entry and on return. */
gs_err_t gs__scn_parse_mqtt(struct gs__sctx *c, const cJSON *root,
                            gs_mqtt_cfg_t *out);

/* Same from a loaded scenario's effective JSON (gs_scenario_to_json's),
 * for the bridge; `file` labels messages. */
gs_err_t gs_mqtt_cfg_from_json(const cJSON *root, const char *file,
                               gs_mqtt_cfg_t *out, gs_errbuf_t *eb);

/* Writes template `tmpl` with "{venId}" replaced by `ven_id` into `buf`.
 * Returns false if it does not fit. */
bool gs_mqtt_topic_expand(const char *tmpl, const char *ven_id, char *buf,
                          size_t size);

#endif /* GRIDSIM_MQTT_CFG_H */
