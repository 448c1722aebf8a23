/* SPDX-License-Identifier: MIT */
/* Benchmark: the classic hold model on each queue, events per second. */
#include <gsl/gsl_randist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gridsim/queue.h"
#include "gridsim/rng.h"

/* Hold model (Vaucher & Duval 1975; Jones 1986): fill the queue with n
 * events, then repeatedly pop the earliest and push one at a random later
 * time (exponential increment, mean 1 s). The pop order is also digested
 * so every queue can be checked against the reference heap's. */
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void hold(const gs_queue_ops_t *ops, size_t n, size_t ops_count,
                 double *rate, uint64_t *digest) {
  gs_rng_t r;
  gs_rng_init(&r, 1, n, 0);
  gs_rng_lease_t l;
  gsl_rng *g = gs_rng_borrow(&l, &r);
  /* Increments are drawn up front so the timing measures the queue only. */
  size_t n_inc = 1 << 20;
  int64_t *inc = malloc(n_inc * sizeof *inc);
  for (size_t i = 0; i < n_inc; i++)
    inc[i] = (int64_t)(gsl_ran_exponential(g, 1e6));
  gs_rng_return(&l);
  gs_queue_t *q = ops->create(n);
  uint32_t seq = 0;
  for (size_t i = 0; i < n; i++) {
    gs_event_rec_t ev = {.time_us = inc[i % n_inc], .pt = (uint32_t)i,
                     .seq = seq++};
    ops->push(q, &ev);
  }
  uint64_t d = 0;
  double t0 = now_s();
  for (size_t i = 0; i < ops_count; i++) {
    gs_event_rec_t ev;
    ops->pop(q, &ev);
    d = gs_mix64(d ^ (uint64_t)ev.time_us ^ ((uint64_t)ev.seq << 32));
    ev.time_us += inc[i & (n_inc - 1)];
    ev.seq = seq++;
    ops->push(q, &ev);
  }
  double dt = now_s() - t0;
  *rate = (double)ops_count / dt;
  *digest = d;
  ops->destroy(q);
  free(inc);
}

int main(int argc, char **argv) {
  size_t sizes[] = {1000, 100000, 1000000, 10000000};
  size_t n_sizes = sizeof sizes / sizeof sizes[0];
  if (argc > 1 && strcmp(argv[1], "--quick") == 0) n_sizes = 3;
  printf("hold model: pop + push per operation, exponential increments\n");
  printf("%-10s %10s %16s %18s\n", "queue", "pending", "events/s",
         "pop-order digest");
  for (size_t s = 0; s < n_sizes; s++) {
    uint64_t ref = 0;
    for (size_t k = 0; gs_queues[k] != NULL; k++) {
      size_t count = sizes[s] < 5000000 ? 10000000 : 2 * sizes[s];
      double rate;
      uint64_t d;
      hold(gs_queues[k], sizes[s], count, &rate, &d);
      if (k == 0) ref = d;
      printf("%-10s %10zu %16.3e   %016llx%s\n", gs_queues[k]->name,
             sizes[s], rate, (unsigned long long)d,
             d == ref ? "" : "  DIFFERS FROM HEAP");
      fflush(stdout);
    }
  }
  return 0;
}
