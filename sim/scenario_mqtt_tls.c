/* SPDX-License-Identifier: MIT */
/* Validates the MQTT bridge's TLS files and credentials ("mqtt.tls", ...). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_cfg.h"
#include "scenario_util.h"

static const char *const tls_keys[] = {"ca_file",      "cert_file",
                                       "key_file",     "cert_pattern",
                                       "key_pattern",  "insecure", NULL};

/* Reads the file name `key` of `obj` into `buf` (left alone if absent).
 * A pattern must hold "{venId}", a plain file name must not, so that one
 * is never taken for the other. Sets `*present`. */
static gs_err_t get_file(gs__sctx_t *c, const cJSON *obj, const char *key,
                         bool pattern, char *buf, size_t size,
                         bool *present) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  *present = v != NULL;
  if (v == NULL) return GS_OK;
  size_t mark = gs__path_key(c, key);
  if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
    return gs__fail(c, v, pattern ? "a file name pattern containing {venId}"
                                  : "a file name");
  /* Room for the scenario's directory and a VEN id. */
  if (strlen(v->valuestring) > size / 2)
    return gs__fail(c, v, "a file name of at most %zu characters", size / 2);
  bool has_ven = strstr(v->valuestring, "{venId}") != NULL;
  if (pattern && !has_ven)
    return gs__fail(c, v, "a file name pattern containing {venId} (for one "
                          "file for every VEN use %s_file)",
                    strncmp(key, "cert", 4) == 0 ? "cert" : "key");
  if (!pattern && strchr(v->valuestring, '{') != NULL)
    return gs__fail(c, v, "a file name without {venId} (per-VEN files are "
                          "%s_pattern)",
                    strncmp(key, "cert", 4) == 0 ? "cert" : "key");
  snprintf(buf, size, "%s", v->valuestring);
  gs__path_pop(c, mark);
  return GS_OK;
}

static gs_err_t parse_tls(gs__sctx_t *c, const cJSON *jt, gs_mqtt_cfg_t *cfg) {
  if (jt == NULL) return GS_OK;
  size_t mark = gs__path_key(c, "tls");
  if (!cJSON_IsObject(jt))
    return gs__fail(c, jt, "an object such as {\"ca_file\": \"ca.crt\"}");
  gs_err_t err = gs__check_keys(c, jt, tls_keys);
  if (err != GS_OK) return err;
  gs_mqtt_tls_cfg_t *t = &cfg->tls;
  t->given = true;
  bool ca, cf, kf, cp, kp;
  char pcert[GS_MQTT_PATH_MAX] = "", pkey[GS_MQTT_PATH_MAX] = "";
  if ((err = get_file(c, jt, "ca_file", false, t->ca_file, sizeof t->ca_file,
                      &ca)) ||
      (err = get_file(c, jt, "cert_file", false, t->cert, sizeof t->cert,
                      &cf)) ||
      (err = get_file(c, jt, "key_file", false, t->key, sizeof t->key, &kf)) ||
      (err = get_file(c, jt, "cert_pattern", true, pcert, sizeof pcert,
                      &cp)) ||
      (err = get_file(c, jt, "key_pattern", true, pkey, sizeof pkey, &kp)))
    return err;
  if (cf && cp) {
    gs__path_key(c, "cert_pattern");
    return gs__fail_text(c, "both cert_file and cert_pattern",
                         "one of cert_file (all VENs) and cert_pattern "
                         "(one per VEN)");
  }
  if (kf && kp) {
    gs__path_key(c, "key_pattern");
    return gs__fail_text(c, "both key_file and key_pattern",
                         "one of key_file (all VENs) and key_pattern "
                         "(one per VEN)");
  }
  if (cp) snprintf(t->cert, sizeof t->cert, "%s", pcert);
  if (kp) snprintf(t->key, sizeof t->key, "%s", pkey);
  /* A certificate without its key (or the reverse) cannot authenticate;
   * per-VEN certificates need per-VEN keys. */
  if ((cf || cp) != (kf || kp) || (cp && kf) || (cf && kp)) {
    const char *have = cf ? "cert_file" : cp ? "cert_pattern"
                     : kf ? "key_file" : "key_pattern";
    const char *want = cf ? "key_file" : cp ? "key_pattern"
                     : kf ? "cert_file" : "cert_pattern";
    gs__path_key(c, want);
    return gs__fail(c, cJSON_GetObjectItemCaseSensitive(jt, want),
                    "%s together with %s", want, have);
  }
  const cJSON *ins = cJSON_GetObjectItemCaseSensitive(jt, "insecure");
  if (ins != NULL) {
    size_t m2 = gs__path_key(c, "insecure");
    if (!cJSON_IsBool(ins)) return gs__fail(c, ins, "true or false");
    t->insecure = cJSON_IsTrue(ins);
    gs__path_pop(c, m2);
  }
  gs__path_pop(c, mark);
  return GS_OK;
}

/* A string of 1..size-1 characters at `key`; false in *present if absent. */
static gs_err_t get_text(gs__sctx_t *c, const cJSON *obj, const char *key,
                         char *buf, size_t size, const char *what,
                         bool *present) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  *present = v != NULL;
  if (v == NULL) return GS_OK;
  size_t mark = gs__path_key(c, key);
  if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
      strlen(v->valuestring) >= size)
    return gs__fail(c, v, "%s of 1 to %zu characters", what, size - 1);
  snprintf(buf, size, "%s", v->valuestring);
  gs__path_pop(c, mark);
  return GS_OK;
}

static bool env_name_ok(const char *s) {
  if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
    return false;
  for (; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
          (*s >= '0' && *s <= '9') || *s == '_'))
      return false;
  return true;
}

gs_err_t gs__scn_parse_mqtt_auth(gs__sctx_t *c, const cJSON *jm,
                                 gs_mqtt_cfg_t *cfg) {
  gs_err_t err = parse_tls(c, cJSON_GetObjectItemCaseSensitive(jm, "tls"),
                           cfg);
  if (err != GS_OK) return err;
  bool user, pw, env;
  if ((err = get_text(c, jm, "username", cfg->username, sizeof cfg->username,
                      "a user name", &user)) ||
      (err = get_text(c, jm, "password", cfg->password, sizeof cfg->password,
                      "a password", &pw)) ||
      (err = get_text(c, jm, "password_env", cfg->password_env,
                      sizeof cfg->password_env,
                      "the name of an environment variable", &env)))
    return err;
  if (env && !env_name_ok(cfg->password_env)) {
    gs__path_key(c, "password_env");
    return gs__fail(c, cJSON_GetObjectItemCaseSensitive(jm, "password_env"),
                    "the name of an environment variable ([A-Za-z_]"
                    "[A-Za-z0-9_]*)");
  }
  if (pw && env) {
    gs__path_key(c, "password_env");
    return gs__fail_text(c, "both password and password_env",
                         "one of password and password_env (better: the "
                         "variable, which keeps it out of files and traces)");
  }
  /* MQTT 3.1.1 sends a password only with a user name. */
  if ((pw || env) && !user) {
    gs__path_key(c, "username");
    return gs__fail(c, NULL, "a username with %s",
                    pw ? "password" : "password_env");
  }
  return GS_OK;
}

gs_err_t gs_mqtt_cfg_apply_opts(gs_mqtt_cfg_t *cfg, const gs_mqtt_opts_t *o,
                                gs_errbuf_t *eb) {
  if (o == NULL) return GS_OK;
  struct {
    const char *opt, *val;
    char *dst;
    size_t size;
  } set[] = {
      {"--mqtt-ca", o->ca_file, cfg->tls.ca_file, sizeof cfg->tls.ca_file},
      {"--mqtt-cert", o->cert, cfg->tls.cert, sizeof cfg->tls.cert},
      {"--mqtt-key", o->key, cfg->tls.key, sizeof cfg->tls.key},
      {"--mqtt-username", o->username, cfg->username, sizeof cfg->username},
      {"--mqtt-password-env", o->password_env, cfg->password_env,
       sizeof cfg->password_env},
  };
  for (size_t i = 0; i < sizeof set / sizeof set[0]; i++) {
    if (set[i].val == NULL) continue;
    if (set[i].val[0] == '\0' || strlen(set[i].val) >= set[i].size / 2)
      return gs_errbuf_set(eb, GS_EINVAL, "%s: expected a value of 1 to %zu "
                           "characters, found '%s'", set[i].opt,
                           set[i].size / 2 - 1, set[i].val);
    snprintf(set[i].dst, set[i].size, "%s", set[i].val);
  }
  if (o->password_env != NULL) {
    if (!env_name_ok(o->password_env))
      return gs_errbuf_set(eb, GS_EINVAL, "--mqtt-password-env: expected the "
                           "name of an environment variable, found '%s'",
                           o->password_env);
    cfg->password[0] = '\0'; /* the option wins over the file's password */
  }
  if (o->insecure) cfg->tls.insecure = true;
  if (o->ca_file || o->cert || o->key || o->insecure) cfg->tls.given = true;
  bool cert_ven = strstr(cfg->tls.cert, "{venId}") != NULL;
  bool key_ven = strstr(cfg->tls.key, "{venId}") != NULL;
  if ((cfg->tls.cert[0] != '\0') != (cfg->tls.key[0] != '\0') ||
      cert_ven != key_ven)
    return gs_errbuf_set(eb, GS_EINVAL, "--mqtt-cert/--mqtt-key: expected a "
                         "certificate and its key, both with {venId} or "
                         "both without, found cert '%s' and key '%s'",
                         cfg->tls.cert, cfg->tls.key);
  if ((cfg->password[0] || cfg->password_env[0]) && !cfg->username[0])
    return gs_errbuf_set(eb, GS_EINVAL, "--mqtt-password-env: expected a "
                         "user name with it (--mqtt-username or "
                         "mqtt.username)");
  return GS_OK;
}

/* Prefixes `name` (relative) with the directory of `file`, in place. */
static gs_err_t resolve_one(char *name, size_t size, const char *file,
                            size_t dir_len, gs_errbuf_t *eb) {
  if (name[0] == '\0' || name[0] == '/') return GS_OK;
  size_t n = strlen(name);
  if (dir_len + 1 + n >= size)
    return gs_errbuf_set(eb, GS_EINVAL, "%s: mqtt.tls: file name too long "
                         "with the scenario's directory: %s", file, name);
  memmove(name + dir_len + 1, name, n + 1);
  memcpy(name, file, dir_len);
  name[dir_len] = '/';
  return GS_OK;
}

gs_err_t gs__mqtt_cfg_resolve(gs_mqtt_cfg_t *cfg, const char *file,
                              gs_errbuf_t *eb) {
  const char *slash = file ? strrchr(file, '/') : NULL;
  if (slash == NULL) return GS_OK; /* the working directory already */
  size_t dir_len = (size_t)(slash - file);
  if (dir_len == 0) dir_len = 1; /* "/scn.json": the root */
  gs_mqtt_tls_cfg_t *t = &cfg->tls;
  gs_err_t err = resolve_one(t->ca_file, sizeof t->ca_file, file, dir_len, eb);
  if (err == GS_OK)
    err = resolve_one(t->cert, sizeof t->cert, file, dir_len, eb);
  if (err == GS_OK) err = resolve_one(t->key, sizeof t->key, file, dir_len, eb);
  return err;
}

char *gs_mqtt_redact_json(char *json) {
  if (json == NULL || strstr(json, "\"password\"") == NULL) return json;
  cJSON *root = cJSON_Parse(json);
  cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "mqtt");
  cJSON *pw = cJSON_GetObjectItemCaseSensitive(m, "password");
  char *out = NULL;
  if (cJSON_IsString(pw) &&
      cJSON_ReplaceItemInObjectCaseSensitive(
          m, "password", cJSON_CreateString(GS_MQTT_REDACTED)))
    out = cJSON_Print(root); /* as gs_scenario_to_json prints */
  cJSON_Delete(root);
  if (out == NULL) return json; /* no such key, or out of memory */
  free(json);
  return out;
}
