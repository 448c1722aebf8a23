/* SPDX-License-Identifier: MIT */
/* OAuth2 client credentials for the VTN: issuing and checking bearer tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vtn_priv.h"

/* Fills `out` with 32 random hex digits. Tokens guard a test bench, but a
 * guessable one would let any local process speak for a VEN, hence the
 * kernel's generator rather than a seeded stream (this is a bridge: it
 * never touches simulated state). */
static bool random_token(char out[33]) {
  unsigned char raw[16];
  FILE *f = fopen("/dev/urandom", "rb");
  bool ok = f && fread(raw, 1, sizeof raw, f) == sizeof raw;
  if (f) fclose(f);
  for (size_t i = 0; ok && i < sizeof raw; i++)
    snprintf(out + 2 * i, 3, "%02x", raw[i]);
  return ok;
}

/* The value of form field `key` in the x-www-form-urlencoded `body`,
 * decoded into `out`; 0 absent, 1 found, -1 malformed or repeated. */
static int form_field(const char *body, size_t len, const char *key,
                      char *out, size_t size) {
  size_t klen = strlen(key);
  int found = 0;
  for (size_t i = 0; i < len;) {
    size_t end = i;
    while (end < len && body[end] != '&') end++;
    const char *eq = memchr(body + i, '=', end - i);
    if (eq && (size_t)(eq - (body + i)) == klen &&
        memcmp(body + i, key, klen) == 0) {
      if (found++) return -1; /* RFC 6749: parameters must not repeat */
      size_t o = 0;
      for (const char *p = eq + 1; p < body + end; p++) {
        char ch = *p;
        if (ch == '+') {
          ch = ' ';
        } else if (ch == '%') {
          unsigned hi, lo;
          if (body + end - p < 3 || sscanf(p + 1, "%1x%1x", &hi, &lo) != 2)
            return -1;
          ch = (char)(hi * 16 + lo);
          p += 2;
        }
        if (o + 1 >= size || ch == '\0') return -1;
        out[o++] = ch;
      }
      out[o] = '\0';
    }
    i = end + 1;
  }
  return found;
}

/* Decodes the base64 "id:secret" of an HTTP Basic header (each part then
 * form-decoded, as RFC 6749 2.3.1 says). False if malformed or too long. */
static bool basic_credentials(const char *b64, char *id, size_t id_size,
                              char *secret, size_t secret_size) {
  static const char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char raw[600];
  size_t n = 0;
  unsigned acc = 0;
  int bits = 0;
  while (*b64 == ' ') b64++;
  for (const char *p = b64; *p && *p != '='; p++) {
    const char *at = strchr(alphabet, *p);
    if (at == NULL || *p == '\0') return false;
    acc = (acc << 6) | (unsigned)(at - alphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n + 1 >= sizeof raw) return false;
      raw[n++] = (char)((acc >> bits) & 0xff);
    }
  }
  raw[n] = '\0';
  char *colon = memchr(raw, ':', n);
  if (colon == NULL || memchr(raw, '\0', n)) return false;
  *colon = '\0';
  /* Reuse the form decoder on "k=<part>". */
  char buf[620];
  snprintf(buf, sizeof buf, "k=%s", raw);
  if (form_field(buf, strlen(buf), "k", id, id_size) != 1) return false;
  snprintf(buf, sizeof buf, "k=%s", colon + 1);
  return form_field(buf, strlen(buf), "k", secret, secret_size) == 1;
}

/* An RFC 6749 error that is also a Problem: clients of either kind read
 * it. */
static void auth_error(gs_vtn_resp_t *r, int status, const char *error,
                       const char *desc) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "error", error);
  cJSON_AddStringToObject(o, "error_description", desc);
  cJSON_AddNumberToObject(o, "status", status);
  cJSON_AddStringToObject(o, "title",
                          status == 401 ? "Unauthorized" : "Bad Request");
  cJSON_AddStringToObject(o, "detail", desc);
  gs__vtn_json(r, status, o);
  cJSON_Delete(o);
}

/* Drops expired tokens, and the oldest if the table is full. */
static void purge(gs_vtn_t *v, int64_t now_unix_us) {
  size_t k = 0;
  for (size_t i = 0; i < v->n_tokens; i++)
    if (v->tokens[i].expires_unix_us > now_unix_us) v->tokens[k++] = v->tokens[i];
  v->n_tokens = k;
  if (v->n_tokens >= v->cfg->max_tokens) {
    memmove(v->tokens, v->tokens + 1, (v->n_tokens - 1) * sizeof *v->tokens);
    v->n_tokens--;
  }
}

/* Parses a requested `scope` ("a b c") into bits; false on an unknown
 * name. */
static bool parse_scope(const char *s, unsigned *bits) {
  *bits = 0;
  while (*s) {
    while (*s == ' ') s++;
    size_t n = strcspn(s, " ");
    if (n == 0) break;
    unsigned bit = 0;
    for (int k = 0; k < GS__VTN_NSCOPES; k++)
      if (strlen(gs__vtn_scope_names[k]) == n &&
          memcmp(gs__vtn_scope_names[k], s, n) == 0)
        bit = 1u << k;
    if (bit == 0) return false;
    *bits |= bit;
    s += n;
  }
  return true;
}

void gs__vtn_token(gs_vtn_t *v, const gs_vtn_req_t *req, gs_vtn_resp_t *r) {
  const char *ct = req->content_type ? req->content_type : "";
  if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
    auth_error(r, 400, "invalid_request",
               "expected a body of type application/x-www-form-urlencoded "
               "(grant_type, client_id, client_secret)");
    return;
  }
  char grant[64], id[256], secret[256], scope[512];
  const char *body = req->body ? req->body : "";
  int g = form_field(body, req->body_len, "grant_type", grant, sizeof grant);
  int i = form_field(body, req->body_len, "client_id", id, sizeof id);
  int s = form_field(body, req->body_len, "client_secret", secret,
                     sizeof secret);
  int sc = form_field(body, req->body_len, "scope", scope, sizeof scope);
  /* RFC 6749 2.3.1: the credentials may come in an HTTP Basic header
   * instead of the body (not both). */
  const char *h = req->authorization;
  if (h && strncasecmp(h, "Basic ", 6) == 0) {
    bool ok = i == 0 && s == 0 && basic_credentials(h + 6, id, sizeof id,
                                                    secret, sizeof secret);
    i = s = ok ? 1 : -1;
  }
  if (g != 1 || i != 1 || s != 1 || sc < 0) {
    auth_error(r, 400, "invalid_request",
               "expected grant_type, client_id and client_secret once each "
               "(and scope at most once), form-encoded");
    return;
  }
  if (strcmp(grant, "client_credentials") != 0) {
    auth_error(r, 400, "unsupported_grant_type",
               "only grant_type=client_credentials is supported");
    return;
  }
  long c = -1;
  for (size_t k = 0; k < v->cfg->n_clients && c < 0; k++)
    if (strcmp(v->cfg->clients[k].id, id) == 0 &&
        strcmp(v->cfg->clients[k].secret, secret) == 0)
      c = (long)k;
  if (c < 0) {
    auth_error(r, 401, "invalid_client", "unknown client_id or wrong secret");
    return;
  }
  unsigned granted = v->cfg->clients[c].scopes, asked;
  if (sc == 1) {
    if (!parse_scope(scope, &asked) || (asked & ~granted) != 0) {
      auth_error(r, 400, "invalid_scope",
                 "scope names a scope unknown or not granted to this client");
      return;
    }
    if (asked) granted = asked;
  }
  purge(v, req->now_unix_us);
  if (v->n_tokens == v->cap_tokens) {
    size_t cap = v->cap_tokens ? 2 * v->cap_tokens : 64;
    gs__vtn_token_t *t = realloc(v->tokens, cap * sizeof *t);
    if (t == NULL) {
      gs__vtn_problem(r, 500, "out of memory");
      return;
    }
    v->tokens = t;
    v->cap_tokens = cap;
  }
  gs__vtn_token_t *t = &v->tokens[v->n_tokens];
  if (!random_token(t->value)) {
    gs__vtn_problem(r, 500, "cannot read /dev/urandom for a token");
    return;
  }
  t->client = (uint32_t)c;
  t->scopes = granted; /* a narrower scope asked for holds for the token */
  t->expires_unix_us =
      req->now_unix_us + (int64_t)(v->cfg->token_ttl_s * 1e6);
  v->n_tokens++;
  v->tokens_issued++;
  char names[256] = "";
  for (int k = 0; k < GS__VTN_NSCOPES; k++)
    if (granted & (1u << k)) {
      if (names[0]) strncat(names, " ", sizeof names - strlen(names) - 1);
      strncat(names, gs__vtn_scope_names[k], sizeof names - strlen(names) - 1);
    }
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "access_token", t->value);
  cJSON_AddStringToObject(o, "token_type", "Bearer");
  cJSON_AddNumberToObject(o, "expires_in", (double)(int64_t)v->cfg->token_ttl_s);
  cJSON_AddStringToObject(o, "scope", names);
  gs__vtn_json(r, 200, o);
  cJSON_Delete(o);
}

long gs__vtn_authenticate(gs_vtn_t *v, const gs_vtn_req_t *req,
                          gs_vtn_resp_t *r, unsigned *scopes) {
  const char *h = req->authorization;
  if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
    gs__vtn_problem(r, 401, "expected an Authorization: Bearer header with a "
                    "token from the token URL (GET /auth/server)");
    return -1;
  }
  const char *tok = h + 7;
  while (*tok == ' ') tok++;
  for (size_t i = 0; i < v->n_tokens; i++) {
    if (strcmp(v->tokens[i].value, tok) != 0) continue;
    if (v->tokens[i].expires_unix_us <= req->now_unix_us) {
      gs__vtn_problem(r, 401, "the bearer token has expired; fetch a new one");
      return -1;
    }
    *scopes = v->tokens[i].scopes;
    return (long)v->tokens[i].client;
  }
  gs__vtn_problem(r, 401, "unknown bearer token");
  return -1;
}
