/* SPDX-License-Identifier: MIT */
/* Applies "--set PATH=VALUE" overrides to a scenario's cJSON tree. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_set.h"
#include "scenario_util.h"

/* One step of a path: a key, or an index written "[i]". A key made only of
 * digits may also index an array ("fleet.0.count"), so it keeps both. */
typedef struct step {
  char *key;      /* NULL for "[i]" */
  bool has_index; /* "[i]", or a key of digits */
  size_t index;
} step_t;

static bool parse_index(const char *s, size_t n, size_t *out) {
  if (n == 0 || n > 9) return false; /* no array has a billion elements */
  size_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (size_t)(s[i] - '0');
  }
  *out = v;
  return true;
}

/* Splits `path` (length n) into steps; false if malformed. Caller frees
 * each key and the array, even on failure. */
static bool split_path(const char *path, size_t n, step_t **out,
                       size_t *n_out) {
  /* Each step takes at least one character, so n + 1 steps always fit. */
  step_t *steps = calloc(n + 1, sizeof *steps);
  *out = steps;
  *n_out = 0;
  if (steps == NULL || n == 0) return false;
  size_t i = 0;
  bool need_key = true; /* at the start and after '.' */
  while (i < n) {
    step_t *st = &steps[*n_out];
    if (path[i] == '[') {
      if (*n_out == 0) return false; /* the root is an object */
      const char *close = memchr(path + i, ']', n - i);
      if (close == NULL) return false;
      size_t len = (size_t)(close - (path + i)) - 1;
      if (!parse_index(path + i + 1, len, &st->index)) return false;
      st->has_index = true;
      (*n_out)++;
      i += len + 2;
      need_key = false;
    } else if (path[i] == '.') {
      if (need_key) return false; /* "..", or a leading '.' */
      need_key = true;
      i++;
    } else {
      if (!need_key) return false; /* "a[0]b" */
      size_t len = strcspn(path + i, ".[");
      if (i + len > n) len = n - i;
      st->key = malloc(len + 1);
      if (st->key == NULL) return false;
      memcpy(st->key, path + i, len);
      st->key[len] = '\0';
      st->has_index = parse_index(st->key, len, &st->index);
      (*n_out)++;
      i += len;
      need_key = false;
    }
  }
  return !need_key;
}

/* Pushes `st` on the message path: indices print as "[i]" whichever way
 * they were written, so messages match the scenario loader's paths. */
static size_t push_step(gs__sctx_t *c, const cJSON *parent, const step_t *st) {
  if (st->has_index && (st->key == NULL || cJSON_IsArray(parent)))
    return gs__path_index(c, st->index);
  return gs__path_key(c, st->key);
}

/* The element `st` names in `cur`, creating a missing object key (as an
 * empty object, or as `leaf` for the last step). Leaves `c` at the
 * element's path. NULL with `*err` set when it cannot be followed. */
static cJSON *follow(gs__sctx_t *c, cJSON *cur, const step_t *st, cJSON **leaf,
                     gs_err_t *err) {
  /* A step into a number or a string: the message names that value. */
  if (!cJSON_IsArray(cur) && (!cJSON_IsObject(cur) || st->key == NULL)) {
    *err = gs__fail(c, cur, "%s", st->key == NULL ? "an array" : "an object");
    return NULL;
  }
  push_step(c, cur, st);
  if (cJSON_IsArray(cur)) {
    int size = cJSON_GetArraySize(cur);
    if (!st->has_index || st->index >= (size_t)size) {
      char found[64];
      if (st->has_index)
        snprintf(found, sizeof found, "index %zu", st->index);
      else
        snprintf(found, sizeof found, "key \"%.40s\"", st->key);
      if (size == 0)
        *err = gs__fail_text(c, found,
                             "an existing element (the array is "
                             "empty)");
      else
        *err = gs__fail_text(c, found, "an index in 0..%d", size - 1);
      return NULL;
    }
    if (leaf != NULL && *leaf != NULL) {
      if (!cJSON_ReplaceItemInArray(cur, (int)st->index, *leaf)) {
        *err = gs__nomem(c);
        return NULL;
      }
      cJSON *set = *leaf;
      *leaf = NULL; /* now owned by the tree */
      return set;
    }
    return cJSON_GetArrayItem(cur, (int)st->index);
  }
  cJSON *child = cJSON_GetObjectItemCaseSensitive(cur, st->key);
  cJSON *add = NULL;
  if (leaf != NULL && *leaf != NULL) {
    add = *leaf;
  } else if (child == NULL) {
    add = cJSON_CreateObject();
    if (add == NULL) {
      *err = gs__nomem(c);
      return NULL;
    }
  } else {
    return child;
  }
  bool ok = child != NULL
                ? cJSON_ReplaceItemInObjectCaseSensitive(cur, st->key, add)
                : cJSON_AddItemToObject(cur, st->key, add);
  if (!ok) {
    if (leaf == NULL || add != *leaf) cJSON_Delete(add);
    *err = gs__nomem(c);
    return NULL;
  }
  if (leaf != NULL) *leaf = NULL;
  return add;
}

gs_err_t gs__json_set(cJSON *root, const char *arg, gs_errbuf_t *eb) {
  if (root == NULL || arg == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs__json_set: NULL argument");
  char label[GS__PATH_MAX];
  snprintf(label, sizeof label, "--set %s", arg);
  gs__sctx_t c;
  gs__sctx_init(&c, label, "", eb);
  gs_err_t err = GS_OK;
  step_t *steps = NULL;
  size_t n_steps = 0;
  cJSON *value = NULL;
  const char *eq = strchr(arg, '=');
  if (eq == NULL || !split_path(arg, (size_t)(eq - arg), &steps, &n_steps)) {
    cJSON *seen = cJSON_CreateString(arg);
    err = gs__fail(&c, seen, "PATH=VALUE with a PATH like fleet[0].count");
    cJSON_Delete(seen);
    goto out;
  }
  /* Text that is not JSON is a string, so --set name=summer works without
   * shell-quoted JSON quotes. */
  value = cJSON_ParseWithOpts(eq + 1, NULL, true);
  if (value == NULL) value = cJSON_CreateString(eq + 1);
  if (value == NULL) {
    err = gs__nomem(&c);
    goto out;
  }
  cJSON *cur = root;
  for (size_t i = 0; i < n_steps && cur != NULL; i++)
    cur = follow(&c, cur, &steps[i], i + 1 == n_steps ? &value : NULL, &err);
out:
  cJSON_Delete(value); /* NULL once the tree has taken it */
  for (size_t i = 0; steps != NULL && i < n_steps; i++)
    free(steps[i].key);
  free(steps);
  return err;
}
