/* SPDX-License-Identifier: MIT */
/* The engine: entity table, per-type state arrays, scheduling, run loop. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cancel_set.h"
#include "engine_priv.h"
#include "gridsim/engine.h"
#include "gridsim/rng.h"
#include "hugemem.h"

/* 8 bytes per entity: where its state is, its own event counter and how
 * many of its pending events are cancelled. The run loop reads this record
 * for every event anyway, so the count lets it skip the cancel set's hash
 * probe (a cache miss in a large fleet) for the many entities that have no
 * cancelled event pending. Packed (at a million homes, 7.2 million
 * records): 64 model types, 64 million entities of a type, 2^28 - 1
 * events addressed to one entity (GS_ENGINE_SEQ_NONE). The meter an
 * entity adds to is its model's (gs_model_type_t.meter_of): most models
 * keep it in their state anyway, and the record stays 4 bytes smaller. */
#define GS__ENT_TYPES      64u
#define GS__ENT_LOCALS     (UINT32_C(1) << 26)
#define GS__ENT_CANCEL_MAX 15u
typedef struct entity {
  uint32_t local : 26;   /* index in its type's state array */
  uint32_t type : 6;     /* index in engine->types */
  uint32_t seq : 28;     /* next sequence number of events addressed to it */
  uint32_t n_cancel : 4; /* cancelled events pending; saturates at the max */
} entity_t;
_Static_assert(sizeof(entity_t) == 8, "entity record packs in 8 bytes");
_Static_assert(GS_ENGINE_SEQ_NONE == (UINT32_C(1) << 28) - 1,
               "seq field holds every sequence number and NONE");

/* Contiguous state of every entity of one model type. */
typedef struct type_slot {
  const gs_model_type_t *type;
  unsigned char *states;
  size_t n, cap;
} type_slot_t;

/* Bytes of a type's state array (a stateless type still takes a byte an
 * entity, so that every entity has its own address). */
static size_t states_bytes(const type_slot_t *ts, size_t cap) {
  return cap * (ts->type->state_size ? ts->type->state_size : 1);
}

/* Events popped ahead of their turn, so that what each will touch can be
 * fetched into cache while the ones before it run (a power of two), and
 * where in the look-ahead each fetch is made (take_lookahead): positions
 * from the next event to run. Measured at a million homes (CPU s, 24 h
 * with the trace, runs of the shared machine): 8 deep with the state at
 * 3, the meter at 1 and its ancestors at 0, 76.5-86; 16 deep, 6/3/1,
 * 70.4-74.8; 16 deep, 8/4/2, 74.1; 32 deep, 16/8/4, 70.6-76.9. */
#define GS__LOOKAHEAD 16
#define GS__LA_STATE  6
#define GS__LA_METER  3
#define GS__LA_UP     1
_Static_assert(GS__LA_UP < GS__LA_METER && GS__LA_METER < GS__LA_STATE &&
                   GS__LA_STATE < GS__LOOKAHEAD - 1,
               "each fetch of the look-ahead builds on an earlier one");

/* Payloads that do not fit an event record's 64-bit `data` word (see
 * pack_event): one slot each until the event is popped. A free slot
 * links the next free one through `next`. */
typedef struct spill {
  int64_t arg;
  uint32_t arg2;
  uint32_t next;
} spill_t;
#define GS__SPILL_NONE UINT32_MAX

/* Records shared by gs_engine_intern live in these, never moved. */
#define GS__INTERN_BLOCK 4096
typedef struct intern_block {
  struct intern_block *next;
  _Alignas(16) unsigned char mem[GS__INTERN_BLOCK];
} intern_block_t;
/* Interned records a new one is compared with: groups are built one
 * after the other, so the VENs of one group meet their record here. */
#define GS__INTERN_RECENT 8

/* A meter watch: who is woken, at which instants, for which changes
 * (gs_meter_watch_t). A meter keeps its record once watched: a home's
 * battery watches the same meter all day. The records are an open
 * addressing table by meter (linear probing, at most half full, never a
 * record removed): a few homes in twenty have a battery, so a table
 * costs a fraction of an index per meter, and the look-ahead can fetch
 * a record from its meter alone (take_lookahead). */
typedef struct watch {
  gs_meter_watch_t when;
  gs_entity_id_t entity;
  uint32_t meter; /* GS_METER_NONE: an empty entry */
} watch_t;
_Static_assert(sizeof(watch_t) == 32, "two watch records to a line");

typedef struct observer_slot {
  gs_observer_t obs;
  gs_time_us_t next_sample_us;
} observer_slot_t;

struct gs_engine {
  uint64_t seed;
  gs_time_us_t now_us;
  const gs_queue_ops_t *qops;
  gs_queue_t *queue;
  entity_t *ent;
  size_t n_ent, cap_ent;
  type_slot_t *types;
  size_t n_types;
  gs__cancel_set_t cancelled;
  uint64_t n_processed, n_cancelled, digest;
  observer_slot_t *obs;
  size_t n_obs;
  uint64_t tick_every; /* smallest tick_events of the observers, or 0 */
  gs_pacer_t pacer;
  bool has_pacer, finished, released;
  gs_entity_id_t current; /* the entity whose event is being handled */
  /* Meter watches: a bit per meter (small enough to stay cached, tested
   * at every power change) and the record of each meter ever watched. */
  uint64_t *watch_bits;
  uint32_t n_watch;   /* meters covered by watch_bits */
  watch_t *watches;   /* the table, 2^watch_log2 entries (none: 0) */
  uint32_t n_watches; /* records in it */
  unsigned watch_log2;
  size_t pending_released; /* gs_engine_pending once released */
  volatile sig_atomic_t stop;
  gs_meters_t *meters;
  gs_time_us_t next_obs_us; /* earliest observer sample, or NEVER */
  /* Look-ahead: the next events, already popped, in order (see
   * fill_lookahead). A ring of GS__LOOKAHEAD slots from la_head. */
  gs_event_rec_t la[GS__LOOKAHEAD];
  uint32_t la_meter[GS__LOOKAHEAD]; /* its meter once read, or NONE */
  unsigned la_head, la_n;
  spill_t *spill;
  uint32_t n_spill, cap_spill, free_spill;
  /* gs_engine_intern: blocks of records, and the last few interned. */
  intern_block_t *interned;
  size_t intern_used; /* bytes used in the newest block */
  const void *recent[GS__INTERN_RECENT];
  size_t recent_size[GS__INTERN_RECENT];
};

gs_engine_t *gs_engine_create(const gs_engine_config_t *cfg,
                              gs_errbuf_t *eb) {
  gs_engine_t *e = calloc(1, sizeof *e);
  if (e == NULL) goto fail;
  if (cfg != NULL) e->seed = cfg->seed;
  e->qops = cfg && cfg->queue ? cfg->queue : &gs_queue_bucket;
  e->queue = e->qops->create(cfg ? cfg->capacity_hint : 0);
  e->meters = gs_meters_create();
  if (e->queue == NULL || e->meters == NULL) goto fail;
  e->digest = UINT64_C(0x6a09e667f3bcc908);
  e->current = GS_ENTITY_NONE;
  e->next_obs_us = GS_TIME_NEVER;
  e->free_spill = GS__SPILL_NONE;
  return e;
fail:
  gs_errbuf_set(eb, GS_ENOMEM, "out of memory creating the engine");
  gs_engine_destroy(e);
  return NULL;
}

void gs_engine_destroy(gs_engine_t *e) {
  if (e == NULL) return;
  if (e->queue) e->qops->destroy(e->queue);
  for (size_t i = 0; i < e->n_types; i++)
    gs_hugemem_free(e->types[i].states,
                    states_bytes(&e->types[i], e->types[i].cap));
  free(e->types);
  gs_hugemem_free(e->ent, e->cap_ent * sizeof *e->ent);
  free(e->obs);
  gs__cancel_set_free(&e->cancelled);
  gs_meters_destroy(e->meters);
  free(e->watch_bits);
  if (e->watch_log2)
    gs_hugemem_free(e->watches, sizeof(watch_t) << e->watch_log2);
  free(e->spill);
  while (e->interned) {
    intern_block_t *next = e->interned->next;
    free(e->interned);
    e->interned = next;
  }
  free(e);
}

static type_slot_t *slot_for(gs_engine_t *e, const gs_model_type_t *type,
                             uint16_t *index) {
  for (size_t i = 0; i < e->n_types; i++)
    if (e->types[i].type == type) {
      *index = (uint16_t)i;
      return &e->types[i];
    }
  if (e->n_types == GS__ENT_TYPES) return NULL;
  type_slot_t *grown = realloc(e->types, (e->n_types + 1) * sizeof *grown);
  if (grown == NULL) return NULL;
  e->types = grown;
  e->types[e->n_types] = (type_slot_t){.type = type};
  *index = (uint16_t)e->n_types;
  return &e->types[e->n_types++];
}

gs_err_t gs_engine_add_entity(gs_engine_t *e, const gs_model_type_t *type,
                              const gs_model_init_t *init,
                              gs_entity_id_t *out_id, gs_errbuf_t *eb) {
  if (e == NULL || type == NULL || init == NULL || type->handle == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_engine_add_entity: bad argument");
  if (e->n_ent > GS_EVENT_TARGET_MAX)
    return gs_errbuf_set(eb, GS_ERANGE, "too many entities");
  uint16_t ti;
  type_slot_t *ts = slot_for(e, type, &ti);
  if (ts == NULL && e->n_types == GS__ENT_TYPES)
    return gs_errbuf_set(eb, GS_ERANGE, "more than %u model types",
                         GS__ENT_TYPES);
  if (ts == NULL) goto nomem;
  if (ts->n == GS__ENT_LOCALS)
    return gs_errbuf_set(eb, GS_ERANGE, "too many %s entities", type->name);
  if (ts->n == ts->cap) {
    size_t cap = ts->cap ? ts->cap * 2 : 64;
    unsigned char *grown = gs_hugemem_grow(
        ts->states, states_bytes(ts, ts->cap), states_bytes(ts, cap));
    if (grown == NULL) goto nomem;
    ts->states = grown;
    ts->cap = cap;
  }
  if (e->n_ent == e->cap_ent) {
    size_t cap = e->cap_ent ? e->cap_ent * 2 : 256;
    entity_t *grown = gs_hugemem_grow(e->ent, e->cap_ent * sizeof *grown,
                                      cap * sizeof *grown);
    if (grown == NULL) goto nomem;
    e->ent = grown;
    e->cap_ent = cap;
  }
  gs_entity_id_t id = (gs_entity_id_t)e->n_ent++;
  e->ent[id] = (entity_t){.local = (uint32_t)ts->n++ & (GS__ENT_LOCALS - 1),
                          .type = ti & (GS__ENT_TYPES - 1)};
  void *state = ts->states + (size_t)e->ent[id].local * type->state_size;
  memset(state, 0, type->state_size);
  if (out_id) *out_id = id;
  if (type->init == NULL) return GS_OK;
  return type->init(e, id, state, init, eb);
nomem:
  return gs_errbuf_set(eb, GS_ENOMEM, "out of memory adding a %s entity",
                       type->name);
}

size_t gs_engine_entity_count(const gs_engine_t *e) { return e->n_ent; }

/* The state of entity record `r`. */
static unsigned char *ent_state(const gs_engine_t *e, const entity_t *r) {
  const type_slot_t *ts = &e->types[r->type];
  return ts->states + (size_t)r->local * ts->type->state_size;
}

/* Starts fetching every line of the state of entity record `r` (states
 * are not aligned to lines). A macro: GCC deems a function that only
 * prefetches pure, and drops calls to it. */
#define STATE_PREFETCH(e, r)                                            \
  do {                                                                  \
    size_t gs__size = (e)->types[(r)->type].type->state_size;           \
    const unsigned char *gs__p = ent_state((e), (r));                   \
    for (size_t gs__off = 0; gs__off < gs__size; gs__off += 64)         \
      __builtin_prefetch(gs__p + gs__off);                              \
    if (gs__size) __builtin_prefetch(gs__p + gs__size - 1);             \
  } while (0)

/* The meter of entity record `r` (its model's meter_of), or GS_METER_NONE. */
static uint32_t ent_meter(const gs_engine_t *e, const entity_t *r) {
  uint32_t (*meter_of)(const void *) = e->types[r->type].type->meter_of;
  return meter_of ? meter_of(ent_state(e, r)) : GS_METER_NONE;
}

uint32_t gs_engine_entity_meter(const gs_engine_t *e, gs_entity_id_t id) {
  GS_ASSERT(id < e->n_ent && !e->released);
  return ent_meter(e, &e->ent[id]);
}

const void *gs_engine_intern(gs_engine_t *e, const void *data, size_t size) {
  GS_ASSERT(size > 0 && size <= GS__INTERN_BLOCK);
  /* The recent records are kept most recently used first: a record that
   * every entity of a group shares stays found while other models intern
   * one record per entity in between (a VEN with a sampled latency). */
  for (unsigned i = 0; i < GS__INTERN_RECENT; i++)
    if (e->recent_size[i] == size && memcmp(e->recent[i], data, size) == 0) {
      const void *hit = e->recent[i];
      for (; i > 0; i--) {
        e->recent[i] = e->recent[i - 1];
        e->recent_size[i] = e->recent_size[i - 1];
      }
      e->recent[0] = hit;
      e->recent_size[0] = size;
      return hit;
    }
  size_t at = (e->intern_used + 15) & ~(size_t)15;
  if (e->interned == NULL || at + size > GS__INTERN_BLOCK) {
    intern_block_t *b = malloc(sizeof *b);
    if (b == NULL) return NULL;
    b->next = e->interned;
    e->interned = b;
    at = 0;
  }
  void *copy = memcpy(e->interned->mem + at, data, size);
  e->intern_used = at + size;
  for (unsigned i = GS__INTERN_RECENT - 1; i > 0; i--) {
    e->recent[i] = e->recent[i - 1];
    e->recent_size[i] = e->recent_size[i - 1];
  }
  e->recent[0] = copy;
  e->recent_size[0] = size;
  return copy;
}

void *gs_engine_type_states(gs_engine_t *e, const gs_model_type_t *type,
                            size_t *n) {
  GS_ASSERT(!e->released);
  for (size_t i = 0; i < e->n_types; i++)
    if (e->types[i].type == type) {
      *n = e->types[i].n;
      return e->types[i].states;
    }
  *n = 0;
  return NULL;
}

void *gs_engine_state(gs_engine_t *e, gs_entity_id_t id) {
  GS_ASSERT(id < e->n_ent && !e->released);
  const type_slot_t *ts = &e->types[e->ent[id].type];
  return ts->states + (size_t)e->ent[id].local * ts->type->state_size;
}

const gs_model_type_t *gs_engine_type(const gs_engine_t *e,
                                      gs_entity_id_t id) {
  GS_ASSERT(id < e->n_ent && !e->released);
  return e->types[e->ent[id].type].type;
}

void gs_engine_prefetch(const gs_engine_t *e, gs_entity_id_t id, bool state) {
  GS_ASSERT(id < e->n_ent && !e->released);
  const entity_t *r = &e->ent[id];
  if (state)
    STATE_PREFETCH(e, r);
  else
    __builtin_prefetch(r);
}

/* An event record's `data`: bits 0-15 the kind; bit 16 clear: bits 17-31
 * arg2 and bits 32-63 arg, when arg fits 32 signed bits and arg2 has
 * nothing in bits 13-29 (nearly always: powers in mW, indices under 8192
 * with the flags models put in bits 30 and 31, GS_ACK_REJECTED and
 * GS_VEN_APPLY_END); bit 16 set: bits 32-63 index a spill slot holding
 * arg and arg2. Inline, arg2's bits 30-31 are kept in bits 13-14 of its
 * 15. */
#define GS__DATA_SPILL (UINT64_C(1) << 16)
#define GS__ARG2_WIDE UINT32_C(0x3fffe000) /* arg2 bits that spill */
static uint64_t pack_event(gs_engine_t *e, uint16_t kind, int64_t arg,
                           uint32_t arg2) {
  if (!(arg2 & GS__ARG2_WIDE) && arg >= INT32_MIN && arg <= INT32_MAX) {
    uint32_t a2 = (arg2 & 0x1fffu) | (arg2 >> 30) << 13;
    return kind | (uint64_t)a2 << 17 | (uint64_t)(uint32_t)(int32_t)arg << 32;
  }
  uint32_t i = e->free_spill;
  if (i != GS__SPILL_NONE) {
    e->free_spill = e->spill[i].next;
  } else {
    if (e->n_spill == e->cap_spill) {
      GS_ASSERT(e->cap_spill < UINT32_MAX / 2);
      uint32_t cap = e->cap_spill ? e->cap_spill * 2 : 64;
      spill_t *grown = realloc(e->spill, cap * sizeof *grown);
      GS_ASSERT(grown != NULL); /* as a failed push: the run is lost */
      e->spill = grown;
      e->cap_spill = cap;
    }
    i = e->n_spill++;
  }
  e->spill[i] = (spill_t){.arg = arg, .arg2 = arg2, .next = GS__SPILL_NONE};
  return kind | GS__DATA_SPILL | (uint64_t)i << 32;
}

/* The handlers' view of record `r`; frees its spill slot: every popped
 * record is unpacked exactly once. */
static void unpack_event(gs_engine_t *e, const gs_event_rec_t *r,
                         gs_event_t *ev) {
  *ev = (gs_event_t){.time_us = r->time_us,
                     .target = gs_event_rec_target(r),
                     .seq = r->seq,
                     .phase = (uint8_t)gs_event_rec_phase(r),
                     .kind = (uint16_t)r->data};
  if (r->data & GS__DATA_SPILL) {
    uint32_t i = (uint32_t)(r->data >> 32);
    ev->arg = e->spill[i].arg;
    ev->arg2 = e->spill[i].arg2;
    e->spill[i].next = e->free_spill;
    e->free_spill = i;
  } else {
    ev->arg = (int32_t)(uint32_t)(r->data >> 32);
    uint32_t a2 = (uint32_t)(r->data >> 17) & 0x7fffu;
    ev->arg2 = (a2 & 0x1fffu) | (a2 >> 13) << 30;
  }
}

gs_event_handle_t gs_engine_schedule(gs_engine_t *e, gs_entity_id_t target,
                                     gs_time_us_t at_us, gs_phase_t phase,
                                     uint16_t kind, int64_t arg,
                                     uint32_t arg2) {
  GS_ASSERT(target < e->n_ent && !e->released);
  GS_ASSERT(at_us >= e->now_us);
  GS_ASSERT((unsigned)phase < GS_PHASE_COUNT);
  entity_t *t = &e->ent[target];
  /* 268 million events for one entity (GS_ENGINE_SEQ_NONE): the 28-bit
   * counter would wrap and break the order of its events. */
  GS_ASSERT(t->seq != GS_ENGINE_SEQ_NONE);
  gs_event_rec_t rec = {.time_us = at_us,
                        .pt = gs_event_pt(phase, target),
                        .seq = t->seq++,
                        .data = pack_event(e, kind, arg, arg2)};
  gs_err_t err = e->qops->push(e->queue, &rec);
  GS_ASSERT(err == GS_OK); /* a lost event would silently corrupt the run */
  return ((uint64_t)target << 32) | rec.seq;
}

void gs__engine_set_seq(gs_engine_t *e, gs_entity_id_t id, uint32_t seq) {
  GS_ASSERT(id < e->n_ent && seq < GS_ENGINE_SEQ_NONE);
  e->ent[id].seq = seq & GS_ENGINE_SEQ_NONE;
}

void gs_engine_cancel(gs_engine_t *e, gs_event_handle_t h) {
  if (h == GS_EVENT_HANDLE_NONE) return;
  gs_err_t err = gs__cancel_set_add(&e->cancelled, h);
  GS_ASSERT(err == GS_OK);
  /* A count above the truth (a handle cancelled twice, a saturated count)
   * only costs probes; one below it would lose a cancellation, which the
   * count can never be: it is only decremented when a probe hits. */
  uint64_t target = h >> 32;
  if (target < e->n_ent && e->ent[target].n_cancel != GS__ENT_CANCEL_MAX)
    e->ent[target].n_cancel++;
}

/* gs_mix64 (rng.c), the same function, inlined here: the digest mixes
 * four times per event, and four calls cost more than the mixing (about
 * 1 % of a large run). */
static inline uint64_t mix64(uint64_t x) {
  x += UINT64_C(0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
  return x ^ (x >> 31);
}

static void digest_event(gs_engine_t *e, const gs_event_t *ev) {
  uint64_t d = e->digest;
  d = mix64(d ^ (uint64_t)ev->time_us);
  d = mix64(d ^ ((uint64_t)ev->phase << 56 | (uint64_t)ev->kind << 32 |
                 ev->target));
  d = mix64(d ^ ((uint64_t)ev->seq << 32 | ev->arg2));
  e->digest = mix64(d ^ (uint64_t)ev->arg);
}

/* The earliest instant any observer wants a sample, GS_TIME_NEVER if none:
 * the run loop calls sample_observers() for every event, so it must be a
 * single comparison when nothing is due. */
static gs_time_us_t next_sample(const gs_engine_t *e) {
  gs_time_us_t next = GS_TIME_NEVER;
  for (size_t i = 0; i < e->n_obs; i++)
    if (e->obs[i].obs.interval_us > 0 && e->obs[i].next_sample_us < next)
      next = e->obs[i].next_sample_us;
  return next;
}

/* Samples every observer at each of its instants s <= limit_us. */
static void sample_observers(gs_engine_t *e, gs_time_us_t limit_us) {
  while (e->next_obs_us <= limit_us) {
    observer_slot_t *due = NULL;
    for (size_t i = 0; i < e->n_obs; i++) {
      observer_slot_t *o = &e->obs[i];
      if (o->obs.interval_us <= 0 || o->next_sample_us > limit_us) continue;
      if (due == NULL || o->next_sample_us < due->next_sample_us) due = o;
    }
    if (due->next_sample_us > e->now_us) e->now_us = due->next_sample_us;
    due->obs.sample(due->obs.ud, e, due->next_sample_us);
    due->next_sample_us += due->obs.interval_us;
    e->next_obs_us = next_sample(e);
  }
}

/* In a large fleet the entity record and the state of nearly every event
 * are cache misses. The run loop therefore pops up to GS__LOOKAHEAD events
 * ahead and prefetches their entity records as they enter the look-ahead,
 * and their states half-way through it, once the records have arrived; a
 * handler takes long enough to hide both. The look-ahead only ever holds
 * the earliest pending events in order: an event is added only if it is
 * not before the last one held, and the next event processed is the
 * earlier of the look-ahead's head and the queue's top, so a handler that
 * schedules an event before those held (a command at the same instant)
 * changes nothing in the order. */
static void fill_lookahead(gs_engine_t *e, gs_time_us_t until_us) {
  while (e->la_n < GS__LOOKAHEAD) {
    const gs_event_rec_t *top = e->qops->peek(e->queue);
    if (top == NULL || top->time_us > until_us) return;
    if (e->la_n) {
      const gs_event_rec_t *last =
          &e->la[(e->la_head + e->la_n - 1) & (GS__LOOKAHEAD - 1)];
      if (gs_event_rec_before(top, last)) return;
    }
    gs_event_rec_t *slot =
        &e->la[(e->la_head + e->la_n) & (GS__LOOKAHEAD - 1)];
    e->qops->pop(e->queue, slot);
    e->la_meter[slot - e->la] = GS_METER_NONE;
    e->la_n++;
    __builtin_prefetch(&e->ent[gs_event_rec_target(slot)]);
  }
}

/* Whether `meter` is watched (gs_engine_watch_meter_when). */
static bool watched(const gs_engine_t *e, uint32_t meter) {
  return meter < e->n_watch &&
         (e->watch_bits[meter / 64] >> (meter % 64) & 1u) != 0;
}

/* Where the search for `meter`'s watch record starts (Fibonacci hashing:
 * the home meters of a fleet are evenly spaced, and the top bits of the
 * product spread any spacing). Needs a table. */
static uint32_t watch_home(const gs_engine_t *e, uint32_t meter) {
  return (uint32_t)(meter * UINT32_C(0x9E3779B1)) >> (32 - e->watch_log2);
}

/* The watch record of `meter`, or the empty entry where it would go. */
static watch_t *watch_find(const gs_engine_t *e, uint32_t meter) {
  uint32_t mask = (UINT32_C(1) << e->watch_log2) - 1;
  for (uint32_t i = watch_home(e, meter);; i = (i + 1) & mask)
    if (e->watches[i].meter == meter || e->watches[i].meter == GS_METER_NONE)
      return &e->watches[i];
}

/* Takes the look-ahead's head into `ev` and prefetches for the events
 * behind it, each stage on what the one before it brought in, a few
 * events earlier (positions counted from the new head, the next event to
 * run): the state of the one at GS__LA_STATE, whose entity record has had
 * time to arrive; the meter slot of the one at GS__LA_METER, whose state
 * has (the model's meter_of reads it there, once: la_meter keeps it);
 * the meter's ancestors for the one at GS__LA_UP, whose slot has. At a
 * million homes a fetch that misses the caches and the TLB takes longer
 * than the cheaper handlers (a fridge's, a water heater's), so each stage
 * is two events or more after the one before it. (The prefetches live in
 * a function that also changes the engine on purpose: GCC deems a
 * function that only prefetches pure, and drops calls to it.) */
static void take_lookahead(gs_engine_t *e, gs_event_t *ev) {
  unpack_event(e, &e->la[e->la_head], ev);
  e->la_head = (e->la_head + 1) & (GS__LOOKAHEAD - 1);
  e->la_n--;
  if (GS__LA_UP < e->la_n) {
    uint32_t meter = e->la_meter[(e->la_head + GS__LA_UP) &
                                 (GS__LOOKAHEAD - 1)]; /* read earlier */
    if (meter != GS_METER_NONE) {
      gs_meters_prefetch(e->meters, meter, true);
      /* Nearly always where its search starts: the table is half empty. */
      if (watched(e, meter))
        __builtin_prefetch(&e->watches[watch_home(e, meter)]);
    }
  }
  if (GS__LA_METER < e->la_n) {
    unsigned at = (e->la_head + GS__LA_METER) & (GS__LOOKAHEAD - 1);
    uint32_t meter = ent_meter(e, &e->ent[gs_event_rec_target(&e->la[at])]);
    e->la_meter[at] = meter;
    if (meter != GS_METER_NONE) {
      gs_meters_prefetch(e->meters, meter, false);
      /* gs_engine_add_power tests the meter's watch bit. */
      if (meter < e->n_watch) __builtin_prefetch(&e->watch_bits[meter / 64]);
    }
  }
  if (GS__LA_STATE >= e->la_n) return;
  const gs_event_rec_t *later =
      &e->la[(e->la_head + GS__LA_STATE) & (GS__LOOKAHEAD - 1)];
  STATE_PREFETCH(e, &e->ent[gs_event_rec_target(later)]);
}

/* The earliest pending event, or NULL; *in_la tells where it is. */
static const gs_event_rec_t *next_event(gs_engine_t *e, bool *in_la) {
  const gs_event_rec_t *top = e->qops->peek(e->queue);
  const gs_event_rec_t *head = e->la_n ? &e->la[e->la_head] : NULL;
  *in_la = head && (top == NULL || !gs_event_rec_before(top, head));
  return *in_la ? head : top;
}

static void tick_observers(gs_engine_t *e) {
  for (size_t i = 0; i < e->n_obs; i++)
    if (e->obs[i].obs.tick) e->obs[i].obs.tick(e->obs[i].obs.ud, e);
}

gs_err_t gs_engine_run(gs_engine_t *e, gs_time_us_t until_us) {
  GS_ASSERT(until_us >= e->now_us && !e->released);
  for (;;) {
    if (e->stop) return GS_EINTR;
    bool in_la;
    if (!e->has_pacer) fill_lookahead(e, until_us);
    const gs_event_rec_t *top = next_event(e, &in_la);
    if (e->has_pacer) {
      gs_time_us_t next = top && top->time_us <= until_us ? top->time_us
                                                          : until_us;
      gs_err_t err = e->pacer.wait(e->pacer.ud, e, next);
      if (err != GS_OK) return err;
      if (e->stop) return GS_EINTR;
      top = next_event(e, &in_la); /* input may have been scheduled */
    }
    if (top == NULL || top->time_us > until_us) break;
    if (e->n_obs) sample_observers(e, top->time_us - 1);
    gs_event_t ev;
    if (in_la) {
      take_lookahead(e, &ev);
    } else {
      gs_event_rec_t rec;
      e->qops->pop(e->queue, &rec);
      unpack_event(e, &rec, &ev);
    }
    entity_t *ent = &e->ent[ev.target];
    if (ent->n_cancel &&
        gs__cancel_set_take(&e->cancelled, gs_event_handle(&ev))) {
      if (ent->n_cancel != GS__ENT_CANCEL_MAX) ent->n_cancel--;
      e->n_cancelled++;
      continue;
    }
    e->now_us = ev.time_us;
    const type_slot_t *ts = &e->types[ent->type];
    void *state = ts->states + (size_t)ent->local * ts->type->state_size;
    e->current = ev.target;
    ts->type->handle(e, ev.target, state, &ev);
    e->current = GS_ENTITY_NONE;
    e->n_processed++;
    digest_event(e, &ev);
    if (e->tick_every && e->n_processed % e->tick_every == 0)
      tick_observers(e);
  }
  if (e->n_obs) sample_observers(e, until_us);
  e->now_us = until_us;
  tick_observers(e);
  return GS_OK;
}

void gs_engine_stop(gs_engine_t *e) { e->stop = 1; }

void gs_engine_finish(gs_engine_t *e) {
  if (e->finished) return;
  e->finished = true;
  for (size_t id = 0; id < e->n_ent; id++) {
    const type_slot_t *ts = &e->types[e->ent[id].type];
    if (ts->type->finish)
      ts->type->finish(e, (gs_entity_id_t)id,
                       ts->states +
                           (size_t)e->ent[id].local * ts->type->state_size);
  }
  for (size_t i = 0; i < e->n_obs; i++)
    if (e->obs[i].obs.finish) e->obs[i].obs.finish(e->obs[i].obs.ud, e);
}

void gs_engine_release(gs_engine_t *e) {
  GS_ASSERT(e->finished);
  /* The pending count stays what it was (gs_engine_pending). */
  e->pending_released = gs_engine_pending(e);
  if (e->queue) e->qops->destroy(e->queue);
  e->queue = NULL;
  for (size_t i = 0; i < e->n_types; i++) {
    gs_hugemem_free(e->types[i].states,
                    states_bytes(&e->types[i], e->types[i].cap));
    e->types[i].states = NULL;
    e->types[i].n = e->types[i].cap = 0;
  }
  gs_hugemem_free(e->ent, e->cap_ent * sizeof *e->ent);
  e->ent = NULL;
  e->cap_ent = 0;
  gs__cancel_set_free(&e->cancelled);
  free(e->spill);
  e->spill = NULL;
  e->n_spill = e->cap_spill = 0;
  e->free_spill = GS__SPILL_NONE;
  e->la_n = 0;
  e->released = true;
}

void gs_engine_advance(gs_engine_t *e, gs_time_us_t t_us) {
  bool in_la;
  const gs_event_rec_t *top = next_event(e, &in_la);
  GS_ASSERT(t_us >= e->now_us);
  GS_ASSERT(top == NULL || t_us <= top->time_us);
  if (e->n_obs) sample_observers(e, t_us - 1);
  e->now_us = t_us;
}

gs_err_t gs_engine_add_observer(gs_engine_t *e, const gs_observer_t *obs) {
  if (e == NULL || obs == NULL) return GS_EINVAL;
  if (obs->interval_us > 0 && obs->sample == NULL) return GS_EINVAL;
  observer_slot_t *grown = realloc(e->obs, (e->n_obs + 1) * sizeof *grown);
  if (grown == NULL) return GS_ENOMEM;
  e->obs = grown;
  /* The first sample is at the first multiple of the interval >= now. */
  gs_time_us_t first = 0;
  if (obs->interval_us > 0)
    first = (e->now_us + obs->interval_us - 1) / obs->interval_us *
            obs->interval_us;
  e->obs[e->n_obs++] = (observer_slot_t){.obs = *obs, .next_sample_us = first};
  e->next_obs_us = next_sample(e);
  if (obs->tick && obs->tick_events &&
      (e->tick_every == 0 || obs->tick_events < e->tick_every))
    e->tick_every = obs->tick_events;
  return GS_OK;
}

void gs_engine_set_pacer(gs_engine_t *e, const gs_pacer_t *pacer) {
  e->has_pacer = pacer != NULL && pacer->wait != NULL;
  if (e->has_pacer) e->pacer = *pacer;
}

gs_time_us_t gs_engine_now(const gs_engine_t *e) { return e->now_us; }
uint64_t gs_engine_seed(const gs_engine_t *e) { return e->seed; }
uint64_t gs_engine_events_processed(const gs_engine_t *e) {
  return e->n_processed;
}
uint64_t gs_engine_events_cancelled(const gs_engine_t *e) {
  return e->n_cancelled;
}
size_t gs_engine_pending(const gs_engine_t *e) {
  if (e->released) return e->pending_released;
  return e->qops->size(e->queue) + e->la_n - e->cancelled.n;
}
uint64_t gs_engine_digest(const gs_engine_t *e) { return e->digest; }
gs_meters_t *gs_engine_meters(gs_engine_t *e) { return e->meters; }

/* Doubles the watch table (or makes its first), moving every record. */
static void watch_grow(gs_engine_t *e) {
  watch_t *old = e->watches;
  unsigned old_log2 = e->watch_log2;
  e->watch_log2 = old_log2 ? old_log2 + 1 : 4;
  GS_ASSERT(e->watch_log2 < 32);
  size_t n = (size_t)1 << e->watch_log2;
  e->watches = gs_hugemem_grow(NULL, 0, n * sizeof *e->watches);
  GS_ASSERT(e->watches != NULL); /* as a failed push: the run is lost */
  for (size_t i = 0; i < n; i++) e->watches[i].meter = GS_METER_NONE;
  for (size_t i = 0; old_log2 && i < (size_t)1 << old_log2; i++)
    if (old[i].meter != GS_METER_NONE) *watch_find(e, old[i].meter) = old[i];
  if (old_log2) gs_hugemem_free(old, sizeof *old << old_log2);
}

void gs_engine_watch_meter_when(gs_engine_t *e, uint32_t meter,
                                gs_entity_id_t entity,
                                const gs_meter_watch_t *when) {
  GS_ASSERT(entity < e->n_ent && meter < gs_meters_count(e->meters));
  if (meter >= e->n_watch) {
    uint32_t n = gs_meters_count(e->meters);
    n = (n + 63) / 64 * 64;
    uint64_t *bits = realloc(e->watch_bits, n / 64 * sizeof *bits);
    GS_ASSERT(bits != NULL);
    e->watch_bits = bits;
    memset(bits + e->n_watch / 64, 0, (n - e->n_watch) / 64 * sizeof *bits);
    e->n_watch = n;
  }
  watch_t *w = e->watch_log2 ? watch_find(e, meter) : NULL;
  if (w == NULL || w->meter == GS_METER_NONE) { /* a new record */
    if (2 * ((size_t)e->n_watches + 1) > ((size_t)1 << e->watch_log2))
      watch_grow(e); /* at most half full with it */
    w = watch_find(e, meter);
    e->n_watches++;
  }
  *w = (watch_t){.when = *when, .entity = entity, .meter = meter};
  e->watch_bits[meter / 64] |= UINT64_C(1) << (meter % 64);
}

void gs_engine_watch_meter(gs_engine_t *e, uint32_t meter,
                           gs_entity_id_t entity) {
  gs_engine_watch_meter_when(e, meter, entity,
                             &(gs_meter_watch_t){.lo_mw = 1, .hi_mw = 0});
}

bool gs_engine_watching(const gs_engine_t *e, uint32_t meter,
                        gs_entity_id_t entity) {
  return watched(e, meter) && watch_find(e, meter)->entity == entity;
}

void gs_engine_unwatch_meter(gs_engine_t *e, uint32_t meter,
                             gs_entity_id_t entity) {
  if (gs_engine_watching(e, meter, entity))
    e->watch_bits[meter / 64] &= ~(UINT64_C(1) << (meter % 64));
}

/* The instant a fired watch wakes its entity: the first of its instants
 * strictly after now, or now itself for a watch without a period. */
static gs_time_us_t wake_us(const gs_meter_watch_t *w, gs_time_us_t now_us) {
  if (w->period_us == 0) return now_us;
  if (now_us < (gs_time_us_t)w->phase_us) return w->phase_us;
  gs_time_us_t k = (now_us - w->phase_us) / w->period_us + 1;
  return (gs_time_us_t)w->phase_us + k * (gs_time_us_t)w->period_us;
}

void gs_engine_add_power(gs_engine_t *e, uint32_t meter, int64_t delta_mw) {
  if (meter == GS_METER_NONE || delta_mw == 0) return;
  gs_meters_add_power(e->meters, meter, e->now_us, delta_mw);
  if (!watched(e, meter)) return;
  const watch_t *w = watch_find(e, meter);
  if (w->entity == e->current) return;
  if (w->when.lo_mw <= w->when.hi_mw) {
    int64_t p_mw = gs_meters_power_mw(e->meters, meter);
    if (p_mw >= w->when.lo_mw && p_mw <= w->when.hi_mw) return;
  }
  e->watch_bits[meter / 64] &= ~(UINT64_C(1) << (meter % 64));
  gs_engine_schedule(e, w->entity, wake_us(&w->when, e->now_us), GS_PHASE_MODEL,
                     GS_EV_METER, meter, 0);
}
