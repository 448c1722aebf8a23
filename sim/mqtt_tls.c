/* SPDX-License-Identifier: MIT */
/* MQTT bridge TLS and credentials: contexts, per-VEN files, failure reports. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "mqtt_priv.h"

/* Printed connection failures per run: enough to see each distinct
 * reason, not 10,000 lines when a broker is down. */
#define GS__MQTT_ERRORS_PRINTED 20

/* snprintf for messages, where a cut is acceptable. */
static void fmt(char *buf, size_t size, const char *f, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void fmt(char *buf, size_t size, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, size, f, ap);
  va_end(ap);
}

/* The first OpenSSL error queued, or `fallback`, into `buf`. */
static void ssl_reason(char *buf, size_t size, const char *fallback) {
  unsigned long e = ERR_get_error();
  if (e != 0)
    ERR_error_string_n(e, buf, size);
  else
    snprintf(buf, size, "%s", fallback);
  ERR_clear_error();
}

/* Checks that `path` opens for reading; else `why` says why. */
static bool readable(const char *path, char *why, size_t size) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    fmt(why, size, "cannot read %s: %s", path, strerror(errno));
    return false;
  }
  fclose(f);
  return true;
}

/* A client context: TLS 1.2 or later, the broker's certificate verified
 * against `ca` (or the system's CAs), the client certificate `cert` with
 * its key `key` if not empty. NULL with the reason (file, OpenSSL's text)
 * in `why`. Buffers are released while idle: with thousands of sessions
 * they would cost tens of KiB each. */
static SSL_CTX *make_ctx(const gs_mqtt_cfg_t *cfg, const char *cert,
                         const char *key, char *why, size_t size) {
  ERR_clear_error();
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == NULL) {
    ssl_reason(why, size, "SSL_CTX_new failed");
    return NULL;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  const char *ca = cfg->tls.ca_file;
  char r[200];
  if (ca[0] != '\0') {
    if (!readable(ca, why, size)) goto fail;
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
      ssl_reason(r, sizeof r, "no certificate in it");
      fmt(why, size, "CA file %s: %s", ca, r);
      goto fail;
    }
  } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    ssl_reason(r, sizeof r, "no system CA certificates");
    fmt(why, size, "system CA certificates: %s", r);
    goto fail;
  }
  if (cert[0] != '\0') {
    if (!readable(cert, why, size) || !readable(key, why, size)) goto fail;
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
      ssl_reason(r, sizeof r, "not a PEM certificate");
      fmt(why, size, "certificate %s: %s", cert, r);
      goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
      ssl_reason(r, sizeof r, "not a PEM private key");
      fmt(why, size, "key %s: %s", key, r);
      goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      ssl_reason(r, sizeof r, "mismatch");
      fmt(why, size, "key %s does not match certificate %s: %s", key,
               cert, r);
      goto fail;
    }
  }
  return ctx;
fail:
  SSL_CTX_free(ctx);
  return NULL;
}

static bool per_ven(const gs_mqtt_t *m) {
  return strstr(m->cfg.tls.cert, "{venId}") != NULL;
}

gs_err_t gs__mqtt_tls_init(gs_mqtt_t *m, gs_errbuf_t *eb) {
  char why[512];
  /* With per-VEN certificates only the CA is common: check it now so a
   * bad CA file is an error before the run, not 10,000 failures in it. */
  SSL_CTX *ctx = make_ctx(&m->cfg, per_ven(m) ? "" : m->cfg.tls.cert,
                          per_ven(m) ? "" : m->cfg.tls.key, why, sizeof why);
  if (ctx == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "mqtt.tls: %s", why);
  if (per_ven(m))
    SSL_CTX_free(ctx);
  else
    m->ssl_ctx = ctx;
  return GS_OK;
}

void gs__mqtt_tls_free(gs_mqtt_t *m) {
  if (m->ssl_ctx) SSL_CTX_free(m->ssl_ctx);
  m->ssl_ctx = NULL;
}

gs_err_t gs_mqtt_check(gs_mqtt_t *m, const gs_world_t *w, gs_errbuf_t *eb) {
  if (m == NULL || w == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_mqtt_check: NULL argument");
  if (!m->tls || !per_ven(m) || m->files_checked) return GS_OK;
  char id[GS__MQTT_ID_MAX], path[GS_MQTT_PATH_MAX + GS__MQTT_ID_MAX];
  char why[sizeof path + 128];
  for (uint64_t i = 0; i < w->n_vens; i++) {
    gs_world_ven_id(w, i, id, sizeof id);
    const char *tmpl[2] = {m->cfg.tls.cert, m->cfg.tls.key};
    for (int k = 0; k < 2; k++) {
      if (!gs_mqtt_topic_expand(tmpl[k], id, path, sizeof path))
        return gs_errbuf_set(eb, GS_ESCENARIO, "mqtt.tls.%s_pattern: VEN %s: "
                             "file name too long", k ? "key" : "cert", id);
      if (!readable(path, why, sizeof why))
        return gs_errbuf_set(eb, GS_ESCENARIO,
                             "mqtt.tls.%s_pattern: VEN %s: %s",
                             k ? "key" : "cert", id, why);
    }
  }
  m->files_checked = true;
  return GS_OK;
}

gs_err_t gs__mqtt_auth_apply(gs_mqtt_t *m, gs__mqtt_sess_t *s) {
  if (m->cfg.username[0] &&
      mosquitto_username_pw_set(s->mosq, m->cfg.username,
                                m->cfg.password[0] ? m->cfg.password
                                                   : NULL) !=
          MOSQ_ERR_SUCCESS) {
    fmt(m->why, sizeof m->why, "cannot set the user name");
    return GS_EIO;
  }
  if (!m->tls) return GS_OK;
  SSL_CTX *ctx = m->ssl_ctx;
  if (ctx == NULL) { /* per VEN: read its files for this connection */
    char cert[GS_MQTT_PATH_MAX + GS__MQTT_ID_MAX];
    char key[GS_MQTT_PATH_MAX + GS__MQTT_ID_MAX];
    if (!gs_mqtt_topic_expand(m->cfg.tls.cert, s->id, cert, sizeof cert) ||
        !gs_mqtt_topic_expand(m->cfg.tls.key, s->id, key, sizeof key)) {
      fmt(m->why, sizeof m->why, "certificate file name too long");
      return GS_EIO;
    }
    ctx = make_ctx(&m->cfg, cert, key, m->why, sizeof m->why);
    if (ctx == NULL) return GS_EIO;
  }
  /* libmosquitto takes its own reference and applies none of its defaults
   * on top; it still sets SNI and checks the host name unless insecure. */
  int rc = mosquitto_int_option(s->mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
  if (rc == MOSQ_ERR_SUCCESS)
    rc = mosquitto_void_option(s->mosq, MOSQ_OPT_SSL_CTX, ctx);
  if (rc == MOSQ_ERR_SUCCESS && m->cfg.tls.insecure)
    rc = mosquitto_tls_insecure_set(s->mosq, true);
  if (ctx != m->ssl_ctx) SSL_CTX_free(ctx);
  if (rc != MOSQ_ERR_SUCCESS) {
    fmt(m->why, sizeof m->why, "TLS set-up: %s", mosquitto_strerror(rc));
    return GS_EIO;
  }
  return GS_OK;
}

int gs__mqtt_tls_read_pending(gs__mqtt_sess_t *s) {
  SSL *ssl = s->mosq ? mosquitto_ssl_get(s->mosq) : NULL;
  return ssl ? SSL_pending(ssl) : 0;
}

void gs__mqtt_report_failure(gs_mqtt_t *m, const gs__mqtt_sess_t *s) {
  const char *why = m->why[0] ? m->why : "connection failed";
  fmt(m->last_error, sizeof m->last_error, "VEN %s: %s", s->id, why);
  if (m->closing || m->errors_printed >= GS__MQTT_ERRORS_PRINTED ||
      strcmp(why, m->printed_why) == 0)
    return;
  m->errors_printed++;
  fmt(m->printed_why, sizeof m->printed_why, "%s", why);
  fprintf(stderr, "gridsim: mqtt: VEN %s cannot connect to %s: %s; retrying "
          "with back-off (counted as connect_failures)\n", s->id, m->url,
          why);
}
