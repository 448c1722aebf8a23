/* SPDX-License-Identifier: MIT */
/* Stochastic household appliances (dryer, range, lighting, outlets, pool
 * pump): one shared process engine, configured per type by a class table. */
#ifndef GRIDSIM_MODELS_APPLIANCE_H
#define GRIDSIM_MODELS_APPLIANCE_H

#include <stdint.h>

#include "gridsim/error.h"
#include "gridsim/event.h"
#include "gridsim/model.h"
#include "gridsim/rng.h"
#include "gridsim/time.h"

/* How an appliance's draw comes about. */
typedef enum gs_appl_kind {
  /* Starts are a non-homogeneous Poisson process shaped by a 24-hour
   * profile; each start adds a cycle of random duration at a fixed draw
   * (dryer, range). */
  GS_APPL_CYCLE = 0,
  /* Piecewise-constant draw, one level per local hour: daily energy times
   * the hour's profile fraction times lognormal noise (lighting, outlets). */
  GS_APPL_LEVEL,
  /* A fixed daily run window at a fixed draw (pool pump). */
  GS_APPL_SCHEDULE
} gs_appl_kind_t;

/* What GS_EV_LOAD_SHED does. */
typedef enum gs_appl_shed {
  /* On/off: a partial shed (0 < arg < draw) is declined; otherwise the
   * running work pauses and its remaining time resumes at restore. */
  GS_APPL_SHED_PAUSE = 0,
  /* Throttleable: the draw drops by min(arg, draw) until restore. */
  GS_APPL_SHED_THROTTLE
} gs_appl_shed_t;

/* Indices of a type's parameters in its own table (and so in
 * gs_model_init_t.params); -1 where the type has none. */
typedef struct gs_appl_params {
  int8_t rate;      /* cycle: expected starts per day             */
  int8_t dur_min;   /* cycle: mean cycle duration, minutes         */
  int8_t dur_sd;    /* cycle: its standard deviation, minutes      */
  int8_t daily_kwh; /* level: expected energy per day, kWh          */
  int8_t noise_cv;  /* level: coefficient of variation per hour     */
  int8_t start_h;   /* schedule: local start hour of the window     */
  int8_t hours;     /* schedule: run hours per day                  */
  int8_t breaker_a; /* all: circuit breaker, A                      */
  int8_t utc_h;     /* all: local time minus the scenario clock, h  */
} gs_appl_params_t;

/* One appliance type. The profile is 24 hourly weights (any positive
 * scale) for hours 0-23 of local time; schedule types have none. */
typedef struct gs_appl_class {
  const char *label; /* default id in error messages */
  gs_appl_kind_t kind;
  gs_appl_shed_t shed;
  const double *profile; /* [24], or NULL for GS_APPL_SCHEDULE */
  double comfort_cost;   /* 0..1, reported in status */
  gs_appl_params_t p;
  /* Draw while running, kW, from the type's parameters (cycle and
   * schedule kinds); NULL for level loads. */
  double (*power_kw)(const double *params);
} gs_appl_class_t;

/* Model event kinds shared by every appliance type. */
enum {
  GS_EV_APPL_ARRIVAL = GS_EV_MODEL, /* cycle: a start; arg its duration µs */
  GS_EV_APPL_END,                   /* cycle, schedule: the work is done   */
  GS_EV_APPL_HOUR,                  /* level: a local hour boundary        */
  GS_EV_APPL_DAY                    /* schedule: the daily window opens    */
};

/* Where the work of a cycle or schedule appliance stands. */
typedef enum gs_appl_phase {
  GS_APPL_IDLE = 0,    /* nothing to do                                 */
  GS_APPL_RUNNING = 1, /* drawing power until the pending END           */
  GS_APPL_PAUSED = 2   /* work owed, held by a shed, setLoad or a cap   */
} gs_appl_phase_t;

/* The engine entry points each type's wrappers call (see
 * GS_APPL_DEFINE_TYPE). `state` is the engine-owned entity state;
 * `cls` a static class table, borrowed. */
gs_err_t gs_appl_init(gs_engine_t *eng, gs_entity_id_t self, void *state,
                      const gs_model_init_t *init, const gs_appl_class_t *cls,
                      gs_errbuf_t *eb);
void gs_appl_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                    const gs_event_t *ev, const gs_appl_class_t *cls);
void gs_appl_status(const void *state, const gs_appl_class_t *cls,
                    gs_load_status_t *out);
/* gs_model_type_t.meter_of of every appliance type. */
uint32_t gs_appl_meter_of(const void *state);

/* Defines the static init/handle/status functions of a type `name` whose
 * class table is `cls`: exact signatures, no casts. */
#define GS_APPL_DEFINE_TYPE(name, cls)                                        \
  static gs_err_t gs__##name##_init(gs_engine_t *eng, gs_entity_id_t self,    \
                                    void *state, const gs_model_init_t *init, \
                                    gs_errbuf_t *eb) {                        \
    return gs_appl_init(eng, self, state, init, &(cls), eb);                  \
  }                                                                           \
  static void gs__##name##_handle(gs_engine_t *eng, gs_entity_id_t self,      \
                                  void *state, const gs_event_t *ev) {        \
    gs_appl_handle(eng, self, state, ev, &(cls));                             \
  }                                                                           \
  static void gs__##name##_status(const void *state, gs_time_us_t now_us,     \
                                  gs_load_status_t *out) {                    \
    (void)now_us; /* the draw is piecewise constant between events */         \
    gs_appl_status(state, &(cls), out);                                       \
  }

/* --- The process's building blocks, exported for tests and tools. ----- */

/* Local hour (0-23) at `t_us` for a run whose t = 0 is `tod0_s` seconds
 * after local midnight. */
int gs_appl_hour(uint32_t tod0_s, gs_time_us_t t_us);

/* Seconds after local midnight at t = 0: (start + utc offset) mod 1 day. */
uint32_t gs_appl_tod0_s(int64_t start_unix_s, double utc_offset_h);

/* The next start after `from_us` of a non-homogeneous Poisson process with
 * `rate_per_day` expected starts per day, spread over the local hours as
 * `profile` (24 weights), by thinning (Lewis & Shedler 1979): candidates
 * at the peak rate, each kept with probability w(h) / max w. Draws from
 * `r`: one exponential and one uniform per candidate. GS_TIME_NEVER if the
 * rate is 0. */
gs_time_us_t gs_appl_next_start_us(gs_rng_t *r, double rate_per_day,
                                   const double *profile, uint32_t tod0_s,
                                   gs_time_us_t from_us);

/* A cycle duration, µs: lognormal with mean `mean_s` and standard
 * deviation `sd_s` (one draw; none, and exactly the mean, if sd_s is 0),
 * clamped to [1 µs, 1 day]. */
gs_time_us_t gs_appl_duration_us(gs_rng_t *r, double mean_s, double sd_s);

/* Multiplicative hourly noise: lognormal with mean 1 and coefficient of
 * variation `cv` (one draw; none, and exactly 1, if cv is 0). */
double gs_appl_noise(gs_rng_t *r, double cv);

/* The state as a test sees it. */
typedef struct gs_appl_info {
  gs_appl_phase_t phase;
  gs_time_us_t end_us;       /* RUNNING: when the owed work ends      */
  gs_time_us_t remaining_us; /* PAUSED: work owed; RUNNING: end - now */
  int64_t level_mw;          /* draw while running / this hour's level */
} gs_appl_info_t;
void gs_appl_info(const void *state, gs_time_us_t now_us, gs_appl_info_t *out);

/* Seconds in an hour: a level load's hour boundaries fall where its
 * tod0_s modulo this is `phase_s` seconds past a whole hour of t. */
#define GS_APPL_HOUR_S 3600u

/* The level sweep's pass over the `n` states of one level type, `stride`
 * bytes apart (gs_engine_type_states): every swept load whose hour
 * boundary has phase `phase_s` takes its new hour's level, drawn from
 * its own stream as its own GS_EV_APPL_HOUR event would, and books the
 * change on its meter. Others are left alone. */
void gs_appl_level_step(gs_engine_t *eng, void *states, size_t n, size_t stride,
                        const gs_appl_class_t *cls, uint32_t phase_s);

/* Whether the level sweep books this level load's hours. */
bool gs_appl_swept(const void *state);

/* Bytes of state every appliance type declares (checked against the
 * private struct in appliance.c). */
#define GS_APPL_STATE_SIZE 48

/* Largest owed work a cycle or schedule appliance keeps: one day. Work
 * piled up beyond it (a circuit switched off for days) is dropped. */
#define GS_APPL_MAX_OWED_US GS_US_PER_DAY

#endif /* GRIDSIM_MODELS_APPLIANCE_H */
