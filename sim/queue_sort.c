/* SPDX-License-Identifier: MIT */
/* Sorts one bucket of events into exact pop order, by radix where it pays. */
#include <string.h>

#include "queue_sort.h"

/* The key is (time, phase, target, seq). Buckets come in two shapes:
 *   spread   times differ (a hold-like mix): radix passes over the bytes of
 *            the time that vary, then each run of equal times, a few
 *            events, is put in order by insertion;
 *   dense    one instant holds most of the bucket (a weather step wakes a
 *            thermostat in every home): the run of that instant is radix
 *            sorted again on the target's varying bytes and the phase.
 * Every radix pass is stable and skips bytes that are the same throughout,
 * and a final insertion pass over each run of equal (time, phase, target)
 * orders the sequence numbers. That pass moves nothing in practice: a
 * target's events enter a bucket in the order they were scheduled, which
 * is sequence order, and stable passes keep it. A bucket that is already
 * sorted (events scheduled in the order they will run, as a step's timers
 * are when the previous step ran in target order) costs one read. */

/* Maps a signed time to an unsigned key of the same order. */
static uint64_t time_key(const gs_event_rec_t *ev) {
  return (uint64_t)ev->time_us ^ (UINT64_C(1) << 63);
}

static void insertion_sort(gs_event_rec_t *a, size_t n) {
  for (size_t i = 1; i < n; i++) {
    if (!gs_event_rec_before(&a[i], &a[i - 1])) continue;
    gs_event_rec_t ev = a[i];
    size_t j = i;
    while (j > 0 && gs_event_rec_before(&ev, &a[j - 1])) {
      a[j] = a[j - 1];
      j--;
    }
    a[j] = ev;
  }
}

/* Digits: 0-7 the time key's bytes, 8-11 those of the word holding the
 * phase above the target (gs_event_rec_t.pt). */
static unsigned digit(const gs_event_rec_t *ev, unsigned d) {
  if (d < 8) return (unsigned)(time_key(ev) >> (8 * d)) & 0xffu;
  return (ev->pt >> (8 * (d - 8))) & 0xffu;
}

/* One stable counting pass of `n` events from `src` to `dst` on digit d. */
static void radix_pass(const gs_event_rec_t *src, gs_event_rec_t *dst, size_t n,
                       unsigned d) {
  size_t count[256] = {0};
  for (size_t i = 0; i < n; i++)
    count[digit(&src[i], d)]++;
  size_t sum = 0;
  for (unsigned v = 0; v < 256; v++) {
    size_t c = count[v];
    count[v] = sum;
    sum += c;
  }
  for (size_t i = 0; i < n; i++)
    dst[count[digit(&src[i], d)]++] = src[i];
}

/* Runs the passes in `use` (least significant first) over a[0..n) with
 * b[0..n) as the other buffer. Returns the buffer holding the result. */
static gs_event_rec_t *radix(gs_event_rec_t *a, gs_event_rec_t *b, size_t n,
                             const unsigned *use, unsigned k) {
  for (unsigned p = 0; p < k; p++) {
    radix_pass(a, b, n, use[p]);
    gs_event_rec_t *t = a;
    a = b;
    b = t;
  }
  return a;
}

/* Sorts a run of events with equal times (a[0..n), b the same span of the
 * other buffer) by phase and target, then sequence; the result stays in a. */
static void sort_instant(gs_event_rec_t *a, gs_event_rec_t *b, size_t n) {
  if (n <= GS_QSORT_SMALL) {
    insertion_sort(a, n);
    return;
  }
  bool sorted = true;
  uint32_t pt_var = 0;
  for (size_t i = 1; i < n; i++) {
    sorted = sorted && !gs_event_rec_before(&a[i], &a[i - 1]);
    pt_var |= a[i].pt ^ a[0].pt;
  }
  if (sorted) return;
  unsigned use[4], k = 0;
  for (unsigned d = 0; d < 4; d++)
    if ((pt_var >> (8 * d)) & 0xffu) use[k++] = 8 + d;
  if (radix(a, b, n, use, k) != a) memcpy(a, b, n * sizeof *a);
  insertion_sort(a, n);
}

void gs__qsort_events(gs_event_rec_t **a_io, size_t *a_cap,
                      gs_event_rec_t **tmp_io, size_t *tmp_cap, size_t n) {
  gs_event_rec_t *a = *a_io;
  if (n <= GS_QSORT_SMALL) {
    insertion_sort(a, n);
    return;
  }
  bool sorted = true;
  uint64_t o_var = 0, t0 = time_key(&a[0]);
  for (size_t i = 1; i < n; i++) {
    sorted = sorted && !gs_event_rec_before(&a[i], &a[i - 1]);
    o_var |= time_key(&a[i]) ^ t0;
  }
  if (sorted) return;
  unsigned use[8], k = 0;
  for (unsigned d = 0; d < 8; d++)
    if ((o_var >> (8 * d)) & 0xffu) use[k++] = d;
  gs_event_rec_t *s = radix(a, *tmp_io, n, use, k);
  gs_event_rec_t *o = s == a ? *tmp_io : a;
  /* Each run of one instant, by phase, target and sequence. */
  for (size_t i = 0, j; i < n; i = j) {
    for (j = i + 1; j < n && s[j].time_us == s[i].time_us; j++)
      continue;
    if (j - i > 1) sort_instant(s + i, o + i, j - i);
  }
  if (s != a) { /* an odd number of passes: the buffers change roles */
    size_t cap = *a_cap;
    *a_cap = *tmp_cap;
    *tmp_cap = cap;
    *tmp_io = a;
    *a_io = s;
  }
}
