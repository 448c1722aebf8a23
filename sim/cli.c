/* SPDX-License-Identifier: MIT */
/* Parses the gridsim command line and dispatches to its commands. */
#define _GNU_SOURCE /* getopt_long */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check_golden.h"
#include "cli.h"
#include "replay.h"
#include "info.h"
#include "gridsim/error.h"
#include "gridsim/model.h"
#include "gridsim/version.h"

static const char usage_text[] =
    "usage: gridsim <command> [options]\n"
    "\n"
    "Deterministic discrete-event simulator of demand-response fleets.\n"
    "\n"
    "commands:\n"
    "  run [SCENARIO]        run a scenario (the built-in default if none)\n"
    "  validate SCENARIO     check a scenario file and exit\n"
    "  models [--json]       list model types and their parameters\n"
    "  info FILE             summarise an HDF5 trace: scenario, VENs,\n"
    "                        duration, completeness, fleet energy and peak,\n"
    "                        DR results (exit 2 if FILE is not a readable\n"
    "                        gridsim trace)\n"
    "  check SUITE_DIR       run every scenario of SUITE_DIR twice, compare\n"
    "                        its summary metrics with NAME.expect.json and\n"
    "                        the two runs with each other; --update-golden\n"
    "                        rewrites the expectations, --junit FILE writes\n"
    "                        JUnit XML (exit 1 on a regression; see\n"
    "                        gridsim check --help)\n"
    "  replay FILE           re-run trace FILE offline, unpaced, with the\n"
    "                        MQTT messages it recorded injected where they\n"
    "                        arrived: the same results (options --out,\n"
    "                        --no-out, --summary-json, --quiet)\n"
    "  serve-vtn [SCENARIO]  an OpenADR 3 VTN (see serve-vtn --help)\n"
    "  --help, -h            show this help\n"
    "  --version             show the version\n"
    "\n"
    "options of run and validate:\n"
    "  --seed N              override the scenario seed (0 .. 2^53)\n"
    "  --vens N              rescale every fleet group proportionally to N\n"
    "                        VENs in total\n"
    "  --set PATH=VALUE      override a scenario field by its JSON path, e.g.\n"
    "                        --set output.interval_s=60 --set "
    "fleet[0].count=10;\n"
    "                        VALUE is JSON (number, string, object...) or\n"
    "                        plain text; repeatable\n"
    "options of run:\n";
/* In two parts: ISO C caps a string literal at 4095 characters. */
static const char usage_run_text[] =
    "  --summary-json FILE   write the run summary as JSON to FILE\n"
    "  --out FILE            where the HDF5 trace goes (default: the\n"
    "                        scenario's output.file, else\n"
    "                        results/<scenario>-<seed>.h5); layout in the\n"
    "                        README; see also gridsim info\n"
    "  --no-out              write no trace\n"
    "  --no-twin             skip the counterfactual twins (one run per DR\n"
    "                        event, same seed, that event not sent) that\n"
    "                        give the true delivered kW and rebound\n"
    "  --pace FACTOR         paced run: simulated time goes at FACTOR x the\n"
    "                        wall clock (1 = real time); --set start=now\n"
    "                        starts the scenario at the present second\n"
    "  --mqtt URL            VEN role on an MQTT broker, URL\n"
    "                        mqtt://HOST[:PORT]: each VEN is its own session\n"
    "                        (topics in the scenario's \"mqtt\" section);\n"
    "                        paced at 1 unless --pace is given; mqtts://\n"
    "                        for TLS (port 8883 by default)\n"
    "  --mqtt-ca FILE        CA certificate(s) the broker's is checked against\n"
    "  --mqtt-cert FILE      client certificate, one per VEN if FILE holds\n"
    "                        {venId} (certs/{venId}.crt); with --mqtt-key\n"
    "  --mqtt-key FILE       its private key (PEM), {venId} likewise\n"
    "  --mqtt-username NAME  MQTT user name of every session\n"
    "  --mqtt-password-env VAR  the password, read from environment\n"
    "                        variable VAR (not from the command line)\n"
    "  --mqtt-insecure       do not check the broker's host name\n";
/* The rest: ISO C bounds a string literal to 4095 characters. */
static const char usage_text2[] =
    "  --vtn URL             OpenADR 3 VEN role on the VTN at URL (see the\n"
    "                        README, \"OpenADR 3 VEN\"); --vtn-client-id ID,\n"
    "                        --vtn-client-secret S ($GRIDSIM_VTN_CLIENT_SECRET)\n"
    "  --mqtt-backend URL    backend role on an MQTT broker: the program\n"
    "                        commands the scenario's real_vens and takes\n"
    "                        their acks and telemetry (paced like --mqtt)\n"
    "  --view                open the live view (needs a display; exit 2\n"
    "                        without one): space pauses, '.' steps one\n"
    "                        output interval, '+'/'-' change the pace, 'q'\n"
    "                        quits (the trace is closed, exit 130)\n"
    "  --snapshot FILE       render the view headless to FILE (.png or\n"
    "                        .bmp); repeatable\n"
    "  --snapshot-at SECONDS when to render the next --snapshot (simulated\n"
    "                        seconds from the start; paired in order;\n"
    "                        files without a time are rendered at the end)\n"
    "  --quiet, -q           print nothing but errors\n"
    "\n"
    "A progress line (simulated time, percent, events/s, ETA) is shown when\n"
    "stdout is a terminal. Scenario errors name the file, the JSON path,\n"
    "what was expected and what was found.\n"
    "\n"
    "exit status:\n"
    "  0    success\n"
    "  1    runtime failure (out of memory, unwritable output, ...)\n"
    "  2    bad input (command line or scenario)\n"
    "  130  interrupted by SIGINT or SIGTERM (outputs are still closed)\n";

static void print_usage(FILE *out) {
  fputs(usage_text, out);
  fputs(usage_run_text, out);
  fputs(usage_text2, out);
}

static void usage_hint(void) {
  fprintf(stderr, "run 'gridsim --help' for usage\n");
}

/* Strict unsigned parse: digits only, no sign, no overflow, <= max. */
static bool parse_u64(const char *s, uint64_t max, uint64_t *out) {
  if (s == NULL || *s < '0' || *s > '9') return false;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end != '\0' || v > max) return false;
  *out = v;
  return true;
}

enum {
  OPT_SEED = 1000,
  OPT_VENS,
  OPT_SET,
  OPT_SUMMARY,
  OPT_OUT,
  OPT_NO_OUT,
  OPT_NO_TWIN,
  OPT_MQTT,
  OPT_MQTT_CA,
  OPT_MQTT_CERT,
  OPT_MQTT_KEY,
  OPT_MQTT_USER,
  OPT_MQTT_PWENV,
  OPT_MQTT_INSECURE,
  OPT_MQTT_BACKEND,
  OPT_PACE,
  OPT_VIEW,
  OPT_SNAPSHOT,
  OPT_SNAPSHOT_AT,
  OPT_VTN,
  OPT_VTN_ID,
  OPT_VTN_SECRET
};

static const struct option long_opts[] = {
    {"seed", required_argument, NULL, OPT_SEED},
    {"vens", required_argument, NULL, OPT_VENS},
    {"set", required_argument, NULL, OPT_SET},
    {"summary-json", required_argument, NULL, OPT_SUMMARY},
    {"out", required_argument, NULL, OPT_OUT},
    {"no-out", no_argument, NULL, OPT_NO_OUT},
    {"no-twin", no_argument, NULL, OPT_NO_TWIN},
    {"mqtt", required_argument, NULL, OPT_MQTT},
    {"mqtt-ca", required_argument, NULL, OPT_MQTT_CA},
    {"mqtt-cert", required_argument, NULL, OPT_MQTT_CERT},
    {"mqtt-key", required_argument, NULL, OPT_MQTT_KEY},
    {"mqtt-username", required_argument, NULL, OPT_MQTT_USER},
    {"mqtt-password-env", required_argument, NULL, OPT_MQTT_PWENV},
    {"mqtt-insecure", no_argument, NULL, OPT_MQTT_INSECURE},
    {"mqtt-backend", required_argument, NULL, OPT_MQTT_BACKEND},
    {"pace", required_argument, NULL, OPT_PACE},
    {"view", no_argument, NULL, OPT_VIEW},
    {"snapshot", required_argument, NULL, OPT_SNAPSHOT},
    {"snapshot-at", required_argument, NULL, OPT_SNAPSHOT_AT},
    {"vtn", required_argument, NULL, OPT_VTN},
    {"vtn-client-id", required_argument, NULL, OPT_VTN_ID},
    {"vtn-client-secret", required_argument, NULL, OPT_VTN_SECRET},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Parses the options after the command word; returns GS_EXIT_OK or
 * GS_EXIT_BADINPUT (having printed why). `o->sets` must be freed. */
static int parse_opts(const char *cmd, int argc, char **argv,
                      gs_cli_opts_t *o, bool *help) {
  o->sets = calloc((size_t)argc + 1, sizeof *o->sets);
  o->snapshots = calloc((size_t)argc + 1, sizeof *o->snapshots);
  o->snapshot_at_us = calloc((size_t)argc + 1, sizeof *o->snapshot_at_us);
  if (!o->sets || !o->snapshots || !o->snapshot_at_us) return GS_EXIT_RUNTIME;
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, ":qh", long_opts, NULL)) != -1) {
    const char *arg = optarg;
    switch (c) {
    case OPT_SEED:
      if (!parse_u64(arg, UINT64_C(1) << 53, &o->ov.seed)) {
        fprintf(stderr, "gridsim %s: --seed: expected an integer from 0 to "
                "2^53, found '%s'\n", cmd, arg);
        return GS_EXIT_BADINPUT;
      }
      o->ov.has_seed = true;
      break;
    case OPT_VENS:
      if (!parse_u64(arg, 50000000, &o->ov.vens) || o->ov.vens == 0) {
        fprintf(stderr, "gridsim %s: --vens: expected an integer from 1 to "
                "50000000, found '%s'\n", cmd, arg);
        return GS_EXIT_BADINPUT;
      }
      o->ov.has_vens = true;
      break;
    case OPT_SET:
      if (strchr(arg, '=') == NULL || arg[0] == '=') {
        fprintf(stderr, "gridsim %s: --set: expected PATH=VALUE, found "
                "'%s'\n", cmd, arg);
        return GS_EXIT_BADINPUT;
      }
      o->sets[o->n_sets++] = arg;
      break;
    case OPT_SUMMARY:
      o->summary_json = arg;
      break;
    case OPT_OUT:
      o->out = arg;
      break;
    case OPT_NO_OUT:
      o->no_out = true;
      break;
    case OPT_NO_TWIN:
      o->no_twin = true;
      break;
    case OPT_MQTT:
      o->mqtt_url = arg;
      break;
    case OPT_VTN:
      o->vtn_url = arg;
      break;
    case OPT_VTN_ID:
      o->vtn_client_id = arg;
      break;
    case OPT_VTN_SECRET:
      o->vtn_client_secret = arg;
      break;
    case OPT_MQTT_CA:
      o->mqtt_opts.ca_file = arg;
      break;
    case OPT_MQTT_CERT:
      o->mqtt_opts.cert = arg;
      break;
    case OPT_MQTT_KEY:
      o->mqtt_opts.key = arg;
      break;
    case OPT_MQTT_USER:
      o->mqtt_opts.username = arg;
      break;
    case OPT_MQTT_PWENV:
      o->mqtt_opts.password_env = arg;
      break;
    case OPT_MQTT_INSECURE:
      o->mqtt_opts.insecure = true;
      break;
    case OPT_MQTT_BACKEND:
      o->mqtt_backend_url = arg;
      break;
    case OPT_PACE: {
      char *end;
      errno = 0;
      double f = strtod(arg, &end);
      if (errno || end == arg || *end != '\0' || !(f > 0) || f > 1e9) {
        fprintf(stderr, "gridsim %s: --pace: expected a number > 0 and <= "
                "1e9 (1 = real time), found '%s'\n", cmd, arg);
        return GS_EXIT_BADINPUT;
      }
      o->pace = f;
      break;
    }
    case OPT_VIEW:
      o->view = true;
      break;
    case OPT_SNAPSHOT:
      o->snapshots[o->n_snapshots++] = arg;
      break;
    case OPT_SNAPSHOT_AT: {
      char *end;
      errno = 0;
      double t = strtod(arg, &end);
      if (errno || end == arg || *end != '\0' || !(t >= 0) || t > 9e12) {
        fprintf(stderr, "gridsim %s: --snapshot-at: expected seconds from "
                "the scenario start (>= 0), found '%s'\n", cmd, arg);
        return GS_EXIT_BADINPUT;
      }
      o->snapshot_at_us[o->n_snapshot_at++] = (int64_t)(t * 1e6 + 0.5);
      break;
    }
    case 'q':
      o->quiet = true;
      break;
    case 'h':
      *help = true;
      break;
    case ':':
      fprintf(stderr, "gridsim %s: option %s needs a value\n", cmd,
              argv[optind - 1]);
      usage_hint();
      return GS_EXIT_BADINPUT;
    default:
      fprintf(stderr, "gridsim %s: unknown option '%s'\n", cmd,
              argv[optind - 1]);
      usage_hint();
      return GS_EXIT_BADINPUT;
    }
  }
  o->ov.sets = o->sets;
  o->ov.n_sets = o->n_sets;
  if (optind < argc) o->scenario = argv[optind++];
  if (optind < argc) {
    fprintf(stderr, "gridsim %s: unexpected argument '%s' (one scenario "
            "at most)\n", cmd, argv[optind]);
    return GS_EXIT_BADINPUT;
  }
  return GS_EXIT_OK;
}

gs_scenario_t *gs_cli_load(const gs_cli_opts_t *o, int *status) {
  gs_errbuf_t eb = {{0}};
  gs_scenario_t *s = NULL;
  gs_err_t err = o->scenario
                     ? gs_scenario_load_file(o->scenario, &o->ov, &s, &eb)
                     : gs_scenario_load_default(&o->ov, &s, &eb);
  if (err == GS_OK) return s;
  fprintf(stderr, "gridsim: %s\n", eb.msg[0] ? eb.msg : gs_strerror(err));
  *status = err == GS_ENOMEM ? GS_EXIT_RUNTIME : GS_EXIT_BADINPUT;
  return NULL;
}

static int cmd_validate(const gs_cli_opts_t *o) {
  if (o->scenario == NULL) {
    fprintf(stderr, "gridsim validate: expected a scenario file\n");
    usage_hint();
    return GS_EXIT_BADINPUT;
  }
  int status = GS_EXIT_OK;
  gs_scenario_t *s = gs_cli_load(o, &status);
  if (s == NULL) return status;
  if (!o->quiet)
    printf("%s: ok: scenario \"%s\", %" PRIu64 " VENs, %.6g h, seed %" PRIu64
           "\n",
           o->scenario, gs_scenario_name(s), gs_scenario_vens(s),
           (double)gs_scenario_duration_us(s) / 3.6e9, gs_scenario_seed(s));
  gs_scenario_free(s);
  return GS_EXIT_OK;
}

/* The registry as JSON, for tools that generate docs and the schema. */
static int models_json(void) {
  static const char *const roles[] = {"system", "ven", "load"};
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; arr && gs_model_registry[i] != NULL; i++) {
    const gs_model_type_t *t = gs_model_registry[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(arr, o);
    cJSON_AddStringToObject(o, "name", t->name);
    cJSON_AddStringToObject(o, "role", roles[t->role]);
    cJSON_AddStringToObject(o, "doc", t->doc ? t->doc : "");
    cJSON *ps = cJSON_AddArrayToObject(o, "params");
    for (size_t j = 0; j < t->n_params; j++) {
      const gs_param_spec_t *sp = &t->params[j];
      cJSON *p = cJSON_CreateObject();
      cJSON_AddItemToArray(ps, p);
      cJSON_AddStringToObject(p, "name", sp->name);
      cJSON_AddStringToObject(p, "unit", sp->unit ? sp->unit : "");
      cJSON_AddNumberToObject(p, "default", sp->def);
      cJSON_AddNumberToObject(p, "min", sp->min);
      cJSON_AddNumberToObject(p, "max", sp->max);
      cJSON_AddBoolToObject(p, "integer", sp->integer);
      cJSON_AddStringToObject(p, "doc", sp->doc ? sp->doc : "");
      if (sp->choices) {
        cJSON *c = cJSON_AddArrayToObject(p, "choices");
        for (size_t k = 0; sp->choices[k]; k++)
          cJSON_AddItemToArray(c, cJSON_CreateString(sp->choices[k]));
      }
    }
  }
  char *text = arr ? cJSON_Print(arr) : NULL;
  cJSON_Delete(arr);
  if (text == NULL) return GS_EXIT_RUNTIME;
  puts(text);
  free(text);
  return GS_EXIT_OK;
}

int gs_cli_models(bool json) {
  static const char *const roles[] = {"system", "ven", "load"};
  if (json) return models_json();
  for (size_t i = 0; gs_model_registry[i] != NULL; i++) {
    const gs_model_type_t *t = gs_model_registry[i];
    printf("%s (%s): %s\n", t->name, roles[t->role], t->doc ? t->doc : "");
    for (size_t j = 0; j < t->n_params; j++) {
      const gs_param_spec_t *p = &t->params[j];
      if (p->choices) {
        printf("  %-24s one of", p->name);
        for (size_t c = 0; p->choices[c]; c++)
          printf(" %s%s", p->choices[c], c == (size_t)p->def ? "*" : "");
        printf("  %s\n", p->doc ? p->doc : "");
      } else {
        printf("  %-24s %-8s default %-8g range [%g, %g]%s  %s\n", p->name,
               p->unit, p->def, p->min, p->max,
               p->integer ? " integer" : "", p->doc ? p->doc : "");
      }
    }
  }
  return GS_EXIT_OK;
}

int gs_cli_main(int argc, char **argv) {
  if (argc < 2) {
    print_usage(stderr);
    return GS_EXIT_BADINPUT;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
      strcmp(cmd, "help") == 0) {
    print_usage(stdout);
    return GS_EXIT_OK;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    printf("gridsim %s\n", GS_VERSION);
    return GS_EXIT_OK;
  }
  if (strcmp(cmd, "models") == 0) {
    bool json = argc > 2 && strcmp(argv[2], "--json") == 0;
    if (argc > 2 + json) {
      fprintf(stderr, "gridsim models: unexpected argument '%s'\n",
              argv[2 + json]);
      return GS_EXIT_BADINPUT;
    }
    return gs_cli_models(json);
  }
  if (strcmp(cmd, "info") == 0) return gs_cli_info(argc - 2, argv + 2);
  if (strcmp(cmd, "check") == 0) return gs_cli_check(argc - 2, argv + 2);
  if (strcmp(cmd, "serve-vtn") == 0)
    return gs_cli_serve_vtn(argc - 1, argv + 1);
  if (strcmp(cmd, "run") != 0 && strcmp(cmd, "validate") != 0 &&
      strcmp(cmd, "replay") != 0) {
    fprintf(stderr, "gridsim: unknown command '%s'\n", cmd);
    usage_hint();
    return GS_EXIT_BADINPUT;
  }
  gs_cli_opts_t o = {0};
  bool help = false;
  int status = parse_opts(cmd, argc - 1, argv + 1, &o, &help);
  if (status == GS_EXIT_OK && help) print_usage(stdout);
  else if (status == GS_EXIT_OK)
    status = strcmp(cmd, "run") == 0      ? gs_cli_run(&o)
             : strcmp(cmd, "replay") == 0 ? gs_cli_replay(&o)
                                          : cmd_validate(&o);
  free(o.sets);
  free(o.snapshots);
  free(o.snapshot_at_us);
  return status;
}
