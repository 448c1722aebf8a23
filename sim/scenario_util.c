/* SPDX-License-Identifier: MIT */
/* JSON paths, error messages and typed getters for the scenario parsers. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_util.h"

void gs__sctx_init(gs__sctx_t *c, const char *file, const char *path,
                   gs_errbuf_t *eb) {
  c->file = file != NULL ? file : "<scenario>";
  c->utc_offset_h = 0;
  c->eb = eb;
  c->len = 0;
  c->path[0] = '\0';
  if (path != NULL) {
    /* A path given by a caller is kept whole if it fits, else cut; the
     * message is still useful with the front of a long path. */
    snprintf(c->path, sizeof c->path, "%s", path);
    c->len = strlen(c->path);
  }
}

/* Appends text to the path, cutting at the buffer's end; pop() restores
 * the mark, so a cut path never outlives the value it names. */
static size_t path_append(gs__sctx_t *c, const char *fmt, const char *s,
                          size_t i) {
  size_t mark = c->len;
  if (c->len + 1 >= sizeof c->path) return mark;
  int n = s != NULL
              ? snprintf(c->path + c->len, sizeof c->path - c->len, fmt, s)
              : snprintf(c->path + c->len, sizeof c->path - c->len, fmt, i);
  if (n > 0) c->len = strlen(c->path);
  return mark;
}

size_t gs__path_key(gs__sctx_t *c, const char *key) {
  return path_append(c, c->len == 0 ? "%s" : ".%s", key, 0);
}

size_t gs__path_index(gs__sctx_t *c, size_t i) {
  return path_append(c, "[%zu]", NULL, i);
}

void gs__path_pop(gs__sctx_t *c, size_t mark) {
  GS_ASSERT(mark <= c->len);
  c->len = mark;
  c->path[mark] = '\0';
}

const char *gs__path_str(const gs__sctx_t *c) {
  return c->len == 0 ? "(root)" : c->path;
}

/* Rendering goes through cJSON's printer so that what the user sees is
 * JSON they could paste back (strings quoted and escaped). */
void gs__render(const cJSON *v, char *buf, size_t size) {
  GS_ASSERT(size > GS__FOUND_MAX);
  if (v == NULL) {
    snprintf(buf, size, "nothing");
    return;
  }
  char *text = cJSON_PrintUnformatted(v);
  if (text == NULL) {
    /* Only out of memory gets here; a vague word beats no message. */
    snprintf(buf, size, "a value");
    return;
  }
  size_t n = strlen(text);
  if (n > GS__FOUND_MAX) {
    n = GS__FOUND_MAX - 3;
    /* Back off to a character boundary so the cut keeps valid UTF-8. */
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
      n--;
    snprintf(buf, size, "%.*s...", (int)n, text);
  } else {
    snprintf(buf, size, "%s", text);
  }
  free(text);
}

static gs_err_t vfail(gs__sctx_t *c, const char *found, const char *what,
                      va_list ap) {
  char want[256];
  vsnprintf(want, sizeof want, what, ap);
  return gs_errbuf_set(c->eb, GS_ESCENARIO, "%s: %s: expected %s, found %s",
                       c->file, gs__path_str(c), want, found);
}

gs_err_t gs__fail(gs__sctx_t *c, const cJSON *found, const char *what, ...) {
  char seen[GS__FOUND_MAX + 8];
  gs__render(found, seen, sizeof seen);
  va_list ap;
  va_start(ap, what);
  gs_err_t err = vfail(c, seen, what, ap);
  va_end(ap);
  return err;
}

gs_err_t gs__fail_text(gs__sctx_t *c, const char *found, const char *what,
                       ...) {
  va_list ap;
  va_start(ap, what);
  gs_err_t err = vfail(c, found, what, ap);
  va_end(ap);
  return err;
}

gs_err_t gs__nomem(gs__sctx_t *c) {
  return gs_errbuf_set(c->eb, GS_ENOMEM, "%s: %s: out of memory", c->file,
                       gs__path_str(c));
}

bool gs__is_comment_key(const char *key) {
  return key != NULL && key[0] == '_';
}

/* Linear: key lists are a dozen names at most. */
static bool in_list(const char *key, const char *const *allowed) {
  for (size_t i = 0; allowed[i] != NULL; i++)
    if (strcmp(allowed[i], key) == 0) return true;
  return false;
}

gs_err_t gs__check_keys(gs__sctx_t *c, const cJSON *obj,
                        const char *const *allowed) {
  for (const cJSON *it = obj->child; it != NULL; it = it->next) {
    const char *key = it->string != NULL ? it->string : "";
    size_t mark = gs__path_key(c, key);
    /* cJSON keeps both copies of a repeated key and reads the first, so a
     * second one would be silently ignored: refuse it. */
    for (const cJSON *prev = obj->child; prev != it; prev = prev->next) {
      if (prev->string != NULL && strcmp(prev->string, key) == 0)
        return gs__fail_text(c, "it twice", "each key at most once");
    }
    if (!gs__is_comment_key(key) && !in_list(key, allowed)) {
      char list[300] = "";
      size_t n = 0;
      for (size_t i = 0; allowed[i] != NULL && n < sizeof list; i++) {
        int w = snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "",
                         allowed[i]);
        if (w < 0) break;
        n += (size_t)w;
      }
      if (allowed[0] == NULL)
        return gs__fail_text(c, "an unknown key",
                             "no keys here (but \"_\" comments)");
      return gs__fail_text(c, "an unknown key", "one of %s", list);
    }
    gs__path_pop(c, mark);
  }
  return GS_OK;
}

void gs__describe_rule(const gs__num_rule_t *r, char *buf, size_t size) {
  /* Interval notation when both bounds exist, as the schema's text does;
   * %.15g prints 50000000 and 0.01 the way a user wrote them. */
  const char *kind = r->integer ? "an integer" : "a number";
  bool has_lo = isfinite(r->lo), has_hi = isfinite(r->hi);
  char unit[48] = "";
  if (r->unit != NULL && r->unit[0] != '\0' && strcmp(r->unit, "1") != 0)
    snprintf(unit, sizeof unit, " (%s)", r->unit);
  if (has_lo && has_hi)
    snprintf(buf, size, "%s in %c%.15g, %.15g%c%s", kind,
             r->lo_open ? '(' : '[', r->lo, r->hi, r->hi_open ? ')' : ']',
             unit);
  else if (has_lo)
    snprintf(buf, size, "%s %s %.15g%s", kind, r->lo_open ? ">" : ">=", r->lo,
             unit);
  else if (has_hi)
    snprintf(buf, size, "%s %s %.15g%s", kind, r->hi_open ? "<" : "<=", r->hi,
             unit);
  else
    snprintf(buf, size, "%s%s", kind, unit);
}

gs_err_t gs__num(gs__sctx_t *c, const cJSON *v, const gs__num_rule_t *r,
                 double *out) {
  /* cJSON reads 1e999 as infinity; no scenario number may be infinite. */
  bool ok = v != NULL && cJSON_IsNumber(v) && isfinite(v->valuedouble);
  if (ok) {
    double x = v->valuedouble;
    ok = !(x < r->lo || (r->lo_open && x == r->lo) || x > r->hi ||
           (r->hi_open && x == r->hi) || (r->integer && x != floor(x)));
  }
  if (!ok) {
    char want[128];
    gs__describe_rule(r, want, sizeof want);
    return gs__fail(c, v, "%s", want);
  }
  *out = v->valuedouble;
  return GS_OK;
}

gs_err_t gs__get_num(gs__sctx_t *c, const cJSON *obj, const char *key,
                     const gs__num_rule_t *r, bool required, double def,
                     double *out, bool *present) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (present != NULL) *present = v != NULL;
  if (v == NULL && !required) {
    *out = def;
    return GS_OK;
  }
  size_t mark = gs__path_key(c, key);
  gs_err_t err = gs__num(c, v, r, out);
  if (err == GS_OK) gs__path_pop(c, mark);
  return err;
}

/* Names go into VEN ids, file names and HDF5 paths: a conservative set
 * of characters avoids quoting problems in all of them. */
bool gs__valid_name(const char *s) {
  if (s == NULL || *s == '\0') return false;
  for (const char *p = s; *p; p++) {
    char ch = *p;
    bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

gs_err_t gs__get_str(gs__sctx_t *c, const cJSON *obj, const char *key,
                     bool required, bool is_name, const char **out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  *out = NULL;
  if (v == NULL && !required) return GS_OK;
  size_t mark = gs__path_key(c, key);
  const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
  if (is_name && !gs__valid_name(s))
    return gs__fail(c, v, "a name of letters, digits, '_', '.' or '-'");
  /* An empty string is almost always a template left unfilled. */
  if (!is_name && (s == NULL || s[0] == '\0'))
    return gs__fail(c, v, "a non-empty string");
  gs__path_pop(c, mark);
  *out = s;
  return GS_OK;
}

char *gs__strdup(const char *s) {
  if (s == NULL) return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d != NULL) memcpy(d, s, n);
  return d;
}

int gs__ven_id_width(uint32_t count) {
  int digits = 1;
  for (uint32_t v = count > 0 ? count - 1 : 0; v >= 10; v /= 10)
    digits++;
  return digits > 4 ? digits : 4;
}
