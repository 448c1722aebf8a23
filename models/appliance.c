/* SPDX-License-Identifier: MIT */
/* The shared engine of the stochastic appliances: Poisson cycle starts,
 * hourly levels and daily schedules, with pause/throttle demand response. */
#include "appliance.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "gridsim/engine.h"
#include "gridsim/scenario.h"
#include "level_sweep.h"
#include "models.h"
#include "world.h"

/* Contract (grid-services-mqtt.md): rated power = breaker amps x 240 V. */
#define GS__APPL_VOLTS         240
#define GS__APPL_MAX_BREAKER_A 127
#define GS__APPL_CAP_NONE      UINT16_MAX

/* Per-entity state: 48 bytes (all used, 8-aligned for t_us). The random
 * stream is the entity's own (12 bytes of taus2); the parameters a type
 * needs at run time are kept as 16-bit fixed-point values (1 s, 1 Wh,
 * 1e-3 of a rate or cv, 1 min of a schedule), far finer than they are
 * known, so the whole appliance fits in 48 bytes. Times stay in exact
 * int64 µs; t_us comes first so the 12-byte stream packs with the
 * 32-bit fields after it. */
typedef struct gs__appl {
  gs_time_us_t t_us;       /* RUNNING: end of the owed work; PAUSED: the  */
                           /* owed work (µs); IDLE: 0                    */
  gs_rng_t rng;            /* GS_RNG_BEHAVIOUR stream                     */
  uint32_t timer_seq;      /* cycle, schedule: sequence number of the     */
                           /* pending GS_EV_APPL_END (its handle with     */
                           /* self), or GS__NO_TIMER                      */
  uint32_t meter;          /* the meter it adds to (gs_appl_meter_of)     */
  uint32_t level_mw;       /* draw while running, or this hour's level    */
  uint32_t shed_mw;        /* throttle asked by the active shed           */
  uint32_t tod0_s : 17;    /* local seconds after midnight at t = 0       */
  uint32_t breaker_a : 7;  /* circuit breaker, A                          */
  uint32_t phase : 2;      /* gs_appl_phase_t                             */
  uint32_t enabled : 1;    /* breaker on (setLoad)                        */
  uint32_t shedding : 1;   /* a DR shed is active                         */
  uint32_t swept : 1;      /* level: the level sweep books its hours      */
  uint16_t cap_w;          /* setLoad capacity limit, W, or CAP_NONE      */
  uint16_t q[3];           /* kind-specific parameters, see GS__Q_*       */
} gs__appl_t;

#define GS__NO_TIMER UINT32_MAX

static gs_event_handle_t gs__appl_timer(gs_entity_id_t self,
                                        const gs__appl_t *s) {
  return s->timer_seq == GS__NO_TIMER
             ? GS_EVENT_HANDLE_NONE
             : ((uint64_t)self << 32) | s->timer_seq;
}

_Static_assert(sizeof(gs__appl_t) <= GS_APPL_STATE_SIZE,
               "appliance state must stay small");

/* Meaning of q[] by kind. */
enum {
  GS__Q_RATE_MILLI = 0,
  GS__Q_DUR_S = 1,
  GS__Q_SD_S = 2, /* cycle    */
  GS__Q_DAILY_WH = 0,
  GS__Q_CV_MILLI = 1, /* level    */
  GS__Q_START_MIN = 0,
  GS__Q_RUN_MIN = 1 /* schedule */
};

int gs_appl_hour(uint32_t tod0_s, gs_time_us_t t_us) {
  gs_time_us_t local_us = t_us + (gs_time_us_t)tod0_s * GS_US_PER_S;
  return (int)((local_us / GS_US_PER_H) % 24);
}

uint32_t gs_appl_tod0_s(int64_t start_unix_s, double utc_offset_h) {
  int64_t s = start_unix_s + llround(utc_offset_h * 3600.0);
  int64_t day_s = GS_US_PER_DAY / GS_US_PER_S;
  return (uint32_t)(((s % day_s) + day_s) % day_s);
}

/* Sum and largest of the 24 profile weights. */
static void gs__appl_profile_stats(const double *w, double *sum, double *max) {
  *sum = 0;
  *max = 0;
  for (int h = 0; h < 24; h++) {
    *sum += w[h];
    if (w[h] > *max) *max = w[h];
  }
}

gs_time_us_t gs_appl_next_start_us(gs_rng_t *r, double rate_per_day,
                                   const double *profile, uint32_t tod0_s,
                                   gs_time_us_t from_us) {
  if (!(rate_per_day > 0)) return GS_TIME_NEVER;
  double wsum, wmax;
  gs__appl_profile_stats(profile, &wsum, &wmax);
  /* Expected starts in local hour h: rate w(h)/sum w, so the peak rate is
   * rate (max w / sum w) per hour. */
  double peak_per_s = rate_per_day * (wmax / wsum) / 3600.0;
  gs_rng_lease_t l;
  gsl_rng *g = gs_rng_borrow(&l, r);
  gs_time_us_t start_us = GS_TIME_NEVER;
  double offset_s = 0;
  for (;;) {
    offset_s += gsl_ran_exponential(g, 1.0 / peak_per_s);
    /* Beyond ~30 years the run is over anyway; avoids overflow. */
    if (offset_s > 1e9) break;
    gs_time_us_t t_us = from_us + llround(offset_s * 1e6);
    double accept = profile[gs_appl_hour(tod0_s, t_us)] / wmax;
    if (gsl_rng_uniform(g) < accept) {
      start_us = t_us;
      break;
    }
  }
  gs_rng_return(&l);
  return start_us;
}

gs_time_us_t gs_appl_duration_us(gs_rng_t *r, double mean_s, double sd_s) {
  double d_s = mean_s;
  if (sd_s > 0 && mean_s > 0) {
    /* Lognormal with the given mean m and sd s: sigma^2 = ln(1 + s^2/m^2),
     * mu = ln m - sigma^2 / 2. */
    double cv = sd_s / mean_s;
    double sigma = sqrt(log1p(cv * cv));
    gs_rng_lease_t l;
    d_s = gsl_ran_lognormal(gs_rng_borrow(&l, r),
                            log(mean_s) - sigma * sigma / 2, sigma);
    gs_rng_return(&l);
  }
  gs_time_us_t d_us = llround(d_s * 1e6);
  if (d_us < 1) d_us = 1;
  if (d_us > GS_US_PER_DAY) d_us = GS_US_PER_DAY;
  return d_us;
}

/* The lognormal's sigma for a coefficient of variation `cv` > 0. */
static double gs__appl_sigma(double cv) {
  return sqrt(log1p(cv * cv));
}

/* gs_appl_noise with its sigma known. */
static double gs__appl_noise_sigma(gs_rng_t *r, double sigma) {
  gs_rng_lease_t l;
  double x = gsl_ran_lognormal(gs_rng_borrow(&l, r), -sigma * sigma / 2, sigma);
  gs_rng_return(&l);
  return x;
}

double gs_appl_noise(gs_rng_t *r, double cv) {
  if (!(cv > 0)) return 1.0;
  return gs__appl_noise_sigma(r, gs__appl_sigma(cv));
}

void gs_appl_info(const void *state, gs_time_us_t now_us, gs_appl_info_t *out) {
  const gs__appl_t *s = state;
  out->phase = (gs_appl_phase_t)s->phase;
  out->level_mw = s->level_mw;
  out->end_us = s->phase == GS_APPL_RUNNING ? s->t_us : GS_TIME_NEVER;
  out->remaining_us = s->phase == GS_APPL_RUNNING  ? s->t_us - now_us
                      : s->phase == GS_APPL_PAUSED ? s->t_us
                                                   : 0;
}

/* The present draw, derived from the state (never stored, so it cannot
 * drift from it): the wanted draw, less a throttle, within a cap. */
static int64_t gs__appl_power_mw(const gs__appl_t *s,
                                 const gs_appl_class_t *c) {
  if (!s->enabled) return 0;
  bool on = c->kind == GS_APPL_LEVEL || s->phase == GS_APPL_RUNNING;
  int64_t mw = on ? (int64_t)s->level_mw : 0;
  if (s->shedding && c->shed == GS_APPL_SHED_THROTTLE)
    mw -= (int64_t)s->shed_mw < mw ? (int64_t)s->shed_mw : mw;
  if (s->cap_w != GS__APPL_CAP_NONE && mw > (int64_t)s->cap_w * 1000)
    mw = (int64_t)s->cap_w * 1000;
  return mw;
}

/* Whether owed work may run now. An on/off appliance cannot run below its
 * draw, so a cap under it holds the work like a shed does. */
static bool gs__appl_can_run(const gs__appl_t *s, const gs_appl_class_t *c) {
  if (!s->enabled) return false;
  if (c->shed != GS_APPL_SHED_PAUSE) return true;
  if (s->shedding) return false;
  return s->cap_w == GS__APPL_CAP_NONE ||
         (int64_t)s->cap_w * 1000 >= (int64_t)s->level_mw;
}

static void gs__appl_schedule_end(gs_engine_t *eng, gs_entity_id_t self,
                                  gs__appl_t *s) {
  gs_engine_cancel(eng, gs__appl_timer(self, s));
  s->timer_seq = (uint32_t)gs_engine_schedule(eng, self, s->t_us,
                                              GS_PHASE_MODEL, GS_EV_APPL_END,
                                              0, 0);
}

/* Moves owed work between RUNNING and PAUSED as the holds require. The
 * owed time is kept in whole µs both ways, so a pause and resume conserves
 * a cycle's energy exactly. */
static void gs__appl_reconcile(gs_engine_t *eng, gs_entity_id_t self,
                               gs__appl_t *s, const gs_appl_class_t *c) {
  if (c->kind == GS_APPL_LEVEL) return;
  gs_time_us_t now_us = gs_engine_now(eng);
  bool ok = gs__appl_can_run(s, c);
  if (s->phase == GS_APPL_RUNNING && !ok) {
    gs_engine_cancel(eng, gs__appl_timer(self, s));
    s->timer_seq = GS__NO_TIMER;
    s->t_us -= now_us;
    s->phase = GS_APPL_PAUSED;
  } else if (s->phase == GS_APPL_PAUSED && ok) {
    s->t_us += now_us;
    s->phase = GS_APPL_RUNNING;
    gs__appl_schedule_end(eng, self, s);
  }
}

/* Applies the change of draw since `old_mw` to the meter. */
static void gs__appl_commit(gs_engine_t *eng, const gs__appl_t *s,
                            const gs_appl_class_t *c, int64_t old_mw) {
  int64_t delta_mw = gs__appl_power_mw(s, c) - old_mw;
  if (delta_mw == 0) return;
  if (s->meter != GS_METER_NONE) gs_engine_add_power(eng, s->meter, delta_mw);
}

/* Adds `work_us` of owed work: it extends a running or paused job (a
 * second load of laundry runs straight after the first) or starts one. */
static void gs__appl_add_work(gs_engine_t *eng, gs_entity_id_t self,
                              gs__appl_t *s, const gs_appl_class_t *c,
                              gs_time_us_t work_us) {
  gs_time_us_t now_us = gs_engine_now(eng);
  switch ((gs_appl_phase_t)s->phase) {
    case GS_APPL_RUNNING: {
      gs_time_us_t owed_us = s->t_us - now_us + work_us;
      if (owed_us > GS_APPL_MAX_OWED_US) owed_us = GS_APPL_MAX_OWED_US;
      s->t_us = now_us + owed_us;
      gs__appl_schedule_end(eng, self, s);
      return;
    }
    case GS_APPL_PAUSED:
      s->t_us += work_us;
      if (s->t_us > GS_APPL_MAX_OWED_US) s->t_us = GS_APPL_MAX_OWED_US;
      return;
    case GS_APPL_IDLE:
      s->t_us = work_us;
      s->phase = GS_APPL_PAUSED;
      gs__appl_reconcile(eng, self, s, c);
      return;
  }
}

/* Schedules the next start; its duration rides in the event's arg. Both
 * draws happen here, in this order, whatever DR does, so a shed shifts
 * the work but never changes the sequence of starts and durations. */
static void gs__appl_next_arrival(gs_engine_t *eng, gs_entity_id_t self,
                                  gs__appl_t *s, const gs_appl_class_t *c) {
  double rate = s->q[GS__Q_RATE_MILLI] / 1000.0;
  gs_time_us_t at_us = gs_appl_next_start_us(&s->rng, rate, c->profile,
                                             s->tod0_s, gs_engine_now(eng));
  if (at_us == GS_TIME_NEVER) return;
  gs_time_us_t d_us =
      gs_appl_duration_us(&s->rng, s->q[GS__Q_DUR_S], s->q[GS__Q_SD_S]);
  gs_engine_schedule(eng, self, at_us, GS_PHASE_MODEL, GS_EV_APPL_ARRIVAL, d_us,
                     0);
}

/* Sets the level of local hour `h` from the hour's noise factor and the
 * profile's sum of weights: daily energy x the hour's fraction x noise. */
static void gs__appl_set_level(gs__appl_t *s, const gs_appl_class_t *c,
                               double wsum, int h, double noise) {
  /* kWh in this hour = average kW over it; 1 kW = 1e6 mW. */
  double mw = s->q[GS__Q_DAILY_WH] * 1000.0 * (c->profile[h] / wsum) * noise;
  double max_mw = (double)s->breaker_a * GS__APPL_VOLTS * 1000.0;
  s->level_mw = (uint32_t)llround(mw < max_mw ? mw : max_mw);
}

/* This local hour's level, with one noise draw from the load's stream. */
static void gs__appl_new_level(gs_engine_t *eng, gs__appl_t *s,
                               const gs_appl_class_t *c) {
  double wsum, wmax;
  gs__appl_profile_stats(c->profile, &wsum, &wmax);
  int h = gs_appl_hour(s->tod0_s, gs_engine_now(eng));
  double noise = gs_appl_noise(&s->rng, s->q[GS__Q_CV_MILLI] / 1000.0);
  gs__appl_set_level(s, c, wsum, h, noise);
}

void gs_appl_level_step(gs_engine_t *eng, void *states, size_t n, size_t stride,
                        const gs_appl_class_t *cls, uint32_t phase_s) {
  /* What each load's GS_EV_APPL_HOUR event does (gs_appl_handle, with
   * gs__appl_new_level), with what is the same for the whole pass
   * computed once: the profile's sum, and the sigma of the noise of the
   * last cv seen (a fleet's loads of a type mostly share theirs). The
   * same operations on the same values: the same levels. */
  double wsum, wmax;
  gs__appl_profile_stats(cls->profile, &wsum, &wmax);
  gs_time_us_t now_us = gs_engine_now(eng);
  unsigned cv_milli = UINT_MAX;
  double sigma = 0;
  unsigned char *p = states;
  for (size_t i = 0; i < n; i++, p += stride) {
    gs__appl_t *s = (gs__appl_t *)(void *)p;
    if (!s->swept || s->tod0_s % GS_APPL_HOUR_S != phase_s) continue;
    int64_t old_mw = gs__appl_power_mw(s, cls);
    double noise = 1.0;
    double cv = s->q[GS__Q_CV_MILLI] / 1000.0;
    if (cv > 0) {
      if (s->q[GS__Q_CV_MILLI] != cv_milli) {
        cv_milli = s->q[GS__Q_CV_MILLI];
        sigma = gs__appl_sigma(cv);
      }
      noise = gs__appl_noise_sigma(&s->rng, sigma);
    }
    gs__appl_set_level(s, cls, wsum, gs_appl_hour(s->tod0_s, now_us), noise);
    gs_engine_add_power(eng, s->meter, gs__appl_power_mw(s, cls) - old_mw);
  }
}

bool gs_appl_swept(const void *state) {
  return ((const gs__appl_t *)state)->swept != 0;
}

/* Fixed-point parameter in [0, 65535], refused if it does not fit. */
static bool gs__appl_q16(double x, double scale, uint16_t *out) {
  double v = round(x * scale);
  if (!(v >= 0 && v <= UINT16_MAX)) return false;
  *out = (uint16_t)v;
  return true;
}

/* Validates and stores the kind's parameters. */
static gs_err_t gs__appl_params(gs__appl_t *s, const gs_appl_class_t *c,
                                const double *p, const char *id,
                                gs_errbuf_t *eb) {
  bool ok = true;
  switch (c->kind) {
    case GS_APPL_CYCLE:
      ok = gs__appl_q16(p[c->p.rate], 1000, &s->q[GS__Q_RATE_MILLI]) &&
           gs__appl_q16(p[c->p.dur_min], 60, &s->q[GS__Q_DUR_S]) &&
           gs__appl_q16(p[c->p.dur_sd], 60, &s->q[GS__Q_SD_S]) &&
           s->q[GS__Q_DUR_S] > 0;
      break;
    case GS_APPL_LEVEL:
      ok = gs__appl_q16(p[c->p.daily_kwh], 1000, &s->q[GS__Q_DAILY_WH]) &&
           gs__appl_q16(p[c->p.noise_cv], 1000, &s->q[GS__Q_CV_MILLI]);
      break;
    case GS_APPL_SCHEDULE:
      ok = gs__appl_q16(p[c->p.start_h], 60, &s->q[GS__Q_START_MIN]) &&
           gs__appl_q16(p[c->p.hours], 60, &s->q[GS__Q_RUN_MIN]) &&
           s->q[GS__Q_START_MIN] < 24 * 60 && s->q[GS__Q_RUN_MIN] <= 24 * 60;
      break;
  }
  if (!ok)
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: parameters out of the model's range (a cycle "
                         "needs a duration >= 1 s; rates <= 65/day, "
                         "durations <= 18 h, daily_kwh <= 65, start_h < 24)",
                         id);
  double kw = c->power_kw ? c->power_kw(p) : 0;
  if (!(kw >= 0 && kw * 1e6 <= (double)UINT32_MAX))
    return gs_errbuf_set(eb, GS_ESCENARIO, "%s: draw %g kW out of range", id,
                         kw);
  s->level_mw = (uint32_t)llround(kw * 1e6);
  double breaker = p[c->p.breaker_a];
  if (!(breaker >= 1 && breaker <= GS__APPL_MAX_BREAKER_A))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: breaker_amps must be in [1, %d], found %g", id,
                         GS__APPL_MAX_BREAKER_A, breaker);
  s->breaker_a = (unsigned)llround(breaker);
  return GS_OK;
}

/* First events of a schedule appliance: if t = 0 falls inside today's
 * window, the rest of it is owed now; the next window opens a day later. */
static void gs__appl_schedule_start(gs_engine_t *eng, gs_entity_id_t self,
                                    gs__appl_t *s, const gs_appl_class_t *c) {
  gs_time_us_t run_us = (gs_time_us_t)s->q[GS__Q_RUN_MIN] * GS_US_PER_MIN;
  if (run_us == 0) return;
  gs_time_us_t now_us = gs_engine_now(eng);
  gs_time_us_t pos_us =
      (now_us + (gs_time_us_t)s->tod0_s * GS_US_PER_S) % GS_US_PER_DAY;
  gs_time_us_t start_us = (gs_time_us_t)s->q[GS__Q_START_MIN] * GS_US_PER_MIN;
  gs_time_us_t elapsed_us =
      ((pos_us - start_us) % GS_US_PER_DAY + GS_US_PER_DAY) % GS_US_PER_DAY;
  gs_time_us_t first_us = now_us;
  if (elapsed_us != 0) {
    if (elapsed_us < run_us)
      gs__appl_add_work(eng, self, s, c, run_us - elapsed_us);
    first_us = now_us + GS_US_PER_DAY - elapsed_us;
  }
  gs_engine_schedule(eng, self, first_us, GS_PHASE_MODEL, GS_EV_APPL_DAY, 0, 0);
}

gs_err_t gs_appl_init(gs_engine_t *eng, gs_entity_id_t self, void *state,
                      const gs_model_init_t *init, const gs_appl_class_t *cls,
                      gs_errbuf_t *eb) {
  gs__appl_t *s = state;
  const double *p = init->params;
  const char *id = init->id ? init->id : cls->label;
  gs_err_t err = gs__appl_params(s, cls, p, id, eb);
  if (err != GS_OK) return err;
  /* Local time of day at t = 0. Without a world (unit tests) the clock
   * starts at midnight UTC. */
  int64_t start_unix_s = 0;
  const gs_world_t *w = init->world;
  if (w != NULL && w->scenario != NULL)
    start_unix_s = gs_scenario_start_unix_s(w->scenario);
  s->tod0_s = gs_appl_tod0_s(start_unix_s, p[cls->p.utc_h]);
  s->timer_seq = GS__NO_TIMER;
  s->meter = init->meter;
  s->cap_w = GS__APPL_CAP_NONE;
  s->enabled = 1;
  s->phase = GS_APPL_IDLE;
  gs_rng_init(&s->rng, init->seed, init->key, GS_RNG_BEHAVIOUR);

  switch (cls->kind) {
    case GS_APPL_CYCLE:
      /* Starts at t = 0 idle: a cycle under way at the start is rare
       * (about 2 % for the dryer) and the process forgets it in a day. */
      gs__appl_next_arrival(eng, self, s, cls);
      break;
    case GS_APPL_LEVEL: {
      gs__appl_new_level(eng, s, cls);
      /* In a run's world the level sweep books the hours of the level
       * loads it can take (models/level_sweep.c); the others, and every
       * one without a world, have an event of their own per hour. */
      s->swept =
          w != NULL && w->weather_sweep &&
          gs_level_sweep_join(eng, w->sweep_entity, self, cls, s->tod0_s);
      if (s->swept) break;
      gs_time_us_t local_us =
          gs_engine_now(eng) + (gs_time_us_t)s->tod0_s * GS_US_PER_S;
      gs_engine_schedule(
          eng, self, gs_engine_now(eng) + GS_US_PER_H - local_us % GS_US_PER_H,
          GS_PHASE_MODEL, GS_EV_APPL_HOUR, 0, 0);
      break;
    }
    case GS_APPL_SCHEDULE:
      gs__appl_schedule_start(eng, self, s, cls);
      break;
  }
  gs__appl_commit(eng, s, cls, 0);
  return GS_OK;
}

/* GS_EV_LOAD_SHED. An on/off appliance sheds only all of its draw: a
 * request below it is declined (the contract's "actual_shed_kw" then
 * reports 0 for it); an idle one accepts and holds new work. */
static void gs__appl_shed(gs__appl_t *s, const gs_appl_class_t *c,
                          int64_t arg_mw) {
  if (arg_mw < 0) arg_mw = 0;
  if (c->shed == GS_APPL_SHED_PAUSE) {
    if (arg_mw < gs__appl_power_mw(s, c)) return;
  } else {
    s->shed_mw = arg_mw > UINT32_MAX ? UINT32_MAX : (uint32_t)arg_mw;
  }
  s->shedding = 1;
}

/* GS_EV_LOAD_SET: arg the capacity limit (mW, -1 none); arg2 bit 0 the
 * enabled flag, bit 1 whether it was given. */
static void gs__appl_set(gs__appl_t *s, int64_t cap_mw, uint32_t flags) {
  if (flags & 2u) s->enabled = (flags & 1u) != 0;
  if (cap_mw < 0)
    s->cap_w = GS__APPL_CAP_NONE;
  else /* whole watts, rounded down: the limit is never exceeded */
    s->cap_w = cap_mw / 1000 >= GS__APPL_CAP_NONE ? GS__APPL_CAP_NONE
                                                  : (uint16_t)(cap_mw / 1000);
}

uint32_t gs_appl_meter_of(const void *state) {
  return ((const gs__appl_t *)state)->meter;
}

void gs_appl_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                    const gs_event_t *ev, const gs_appl_class_t *cls) {
  gs__appl_t *s = state;
  int64_t old_mw = gs__appl_power_mw(s, cls);
  switch (ev->kind) {
    case GS_EV_APPL_ARRIVAL:
      GS_ASSERT(cls->kind == GS_APPL_CYCLE);
      gs__appl_next_arrival(eng, self, s, cls);
      gs__appl_add_work(eng, self, s, cls, ev->arg);
      break;
    case GS_EV_APPL_END:
      /* Cancelled ends are skipped by the engine: this is the pending one. */
      GS_ASSERT(gs_event_handle(ev) == gs__appl_timer(self, s));
      s->timer_seq = GS__NO_TIMER;
      s->phase = GS_APPL_IDLE;
      s->t_us = 0;
      break;
    case GS_EV_APPL_HOUR:
      GS_ASSERT(cls->kind == GS_APPL_LEVEL);
      gs__appl_new_level(eng, s, cls);
      gs_engine_schedule(eng, self, gs_engine_now(eng) + GS_US_PER_H,
                         GS_PHASE_MODEL, GS_EV_APPL_HOUR, 0, 0);
      break;
    case GS_EV_APPL_DAY:
      GS_ASSERT(cls->kind == GS_APPL_SCHEDULE);
      gs_engine_schedule(eng, self, gs_engine_now(eng) + GS_US_PER_DAY,
                         GS_PHASE_MODEL, GS_EV_APPL_DAY, 0, 0);
      gs__appl_add_work(eng, self, s, cls,
                        (gs_time_us_t)s->q[GS__Q_RUN_MIN] * GS_US_PER_MIN);
      break;
    case GS_EV_LOAD_SHED:
      gs__appl_shed(s, cls, ev->arg);
      gs__appl_reconcile(eng, self, s, cls);
      break;
    case GS_EV_LOAD_RESTORE:
      /* The held work resumes now: the rebound is the deferred work. */
      s->shedding = 0;
      s->shed_mw = 0;
      gs__appl_reconcile(eng, self, s, cls);
      break;
    case GS_EV_LOAD_SET:
      gs__appl_set(s, ev->arg, ev->arg2);
      gs__appl_reconcile(eng, self, s, cls);
      break;
    default:
      /* GS_EV_LOAD_NOTICE and kinds for other roles: nothing to prepare.
       * An unknown model kind is a programming error. */
      GS_ASSERT(ev->kind < GS_EV_MODEL);
      break;
  }
  gs__appl_commit(eng, s, cls, old_mw);
}

void gs_appl_status(const void *state, const gs_appl_class_t *cls,
                    gs_load_status_t *out) {
  const gs__appl_t *s = state;
  out->power_mw = gs__appl_power_mw(s, cls);
  out->capacity_mw = (int64_t)s->breaker_a * GS__APPL_VOLTS * 1000;
  /* Contract: shedCapabilityKw is the present draw; none is critical. */
  out->shed_capability_mw = out->power_mw;
  /* A paused cycle is all or nothing; a throttled level takes any cut. */
  out->min_shed_mw = cls->shed == GS_APPL_SHED_PAUSE ? out->power_mw : 0;
  out->comfort_cost = cls->comfort_cost;
  out->soc_pct = -1;
  out->enabled = s->enabled;
  out->critical = false;
  out->shedding = s->shedding;
}
