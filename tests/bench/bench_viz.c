/* SPDX-License-Identifier: MIT */
/* Benchmark (not a test): the view's cost at 30 offscreen frames/s. */
#include <stdio.h>
#include <stdlib.h>

#include "scenario_priv.h"
#include "view.h"
#include "view_priv.h"
#include "world.h"

/* One run of `path` with `vens` VENs; with `view`, frames at 30/s. */
static double run(const char *path, uint64_t vens, bool view,
                  uint64_t *frames) {
  gs_scenario_overrides_t ov = {.has_vens = true, .vens = vens};
  gs_scenario_t *s;
  gs_errbuf_t eb = {{0}};
  if (gs_scenario_load_file(path, &ov, &s, &eb) != GS_OK) {
    fprintf(stderr, "%s\n", eb.msg);
    exit(2);
  }
  gs_engine_t *eng =
      gs_engine_create(&(gs_engine_config_t){.seed = s->seed}, NULL);
  gs_world_t *w;
  if (gs_world_build(s, eng, &w, &eb) != GS_OK) exit(1);
  gs_view_t *v = NULL;
  int64_t t0 = gs__view_wall_us();
  if (view) {
    gs_view_cfg_t cfg = {.offscreen_frames = true, .max_fps = 30};
    if (gs_view_create(&cfg, w, &v, &eb) != GS_OK ||
        gs_view_attach(v, &eb) != GS_OK) {
      fprintf(stderr, "%s\n", eb.msg);
      exit(1);
    }
  }
  if ((v ? gs_view_run(v, s->duration_us, &eb)
         : gs_engine_run(eng, s->duration_us)) != GS_OK)
    exit(1);
  double wall_s = (double)(gs__view_wall_us() - t0) / 1e6;
  *frames = v ? gs_view_frames(v) : 0;
  gs_view_destroy(v);
  gs_engine_destroy(eng);
  gs_world_free(w);
  gs_scenario_free(s);
  return wall_s;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_viz SCENARIO.json [VENS=100000]\n");
    return 2;
  }
  uint64_t vens = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000;
  uint64_t frames;
  double plain = run(argv[1], vens, false, &frames);
  double viewed = run(argv[1], vens, true, &frames);
  printf("%llu VENs: plain %.2f s, with view %.2f s (%llu frames, "
         "%.1f frames/s): view costs %+.1f %%\n",
         (unsigned long long)vens, plain, viewed,
         (unsigned long long)frames, (double)frames / viewed,
         (viewed - plain) / plain * 100);
  return 0;
}
