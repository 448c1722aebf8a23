/* SPDX-License-Identifier: MIT */
/* ISO 8601 parsing and formatting, seconds to microseconds. */
#include <check.h>

#include "gridsim/time.h"

START_TEST(parse_known_instants) {
  int64_t t;
  ck_assert_int_eq(gs_time_parse_iso8601("1970-01-01T00:00:00Z", &t), GS_OK);
  ck_assert_int_eq(t, 0);
  ck_assert_int_eq(gs_time_parse_iso8601("2026-07-15T00:00:00Z", &t), GS_OK);
  ck_assert_int_eq(t, 1784073600);
  ck_assert_int_eq(gs_time_parse_iso8601("2024-02-29T12:30:15Z", &t), GS_OK);
  ck_assert_int_eq(t, 1709209815);
  ck_assert_int_eq(gs_time_parse_iso8601("2026-07-15T02:00:00+02:00", &t),
                   GS_OK);
  ck_assert_int_eq(t, 1784073600);
  ck_assert_int_eq(gs_time_parse_iso8601("2026-07-15T00:00Z", &t), GS_OK);
  ck_assert_int_eq(t, 1784073600);
}
END_TEST

START_TEST(parse_rejects_malformed) {
  static const char *const bad[] = {
      "", "2026-07-15", "2026-07-15T00:00:00", "2026-13-01T00:00:00Z",
      "2023-02-29T00:00:00Z", "2026-07-15T24:00:00Z", "2026-07-15T00:00:00Zx",
      "2026-07-15T00:00:00.5Z", "tomorrow", "2026-07-15T00:00:00+2"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t t;
    ck_assert_msg(gs_time_parse_iso8601(bad[i], &t) == GS_EINVAL,
                  "accepted '%s'", bad[i]);
  }
}
END_TEST

START_TEST(format_round_trips) {
  char buf[32];
  for (int64_t t = -86400 * 400; t < 86400LL * 365 * 80; t += 86399 * 7) {
    gs_time_format_iso8601(t, buf, sizeof buf);
    int64_t back;
    ck_assert_int_eq(gs_time_parse_iso8601(buf, &back), GS_OK);
    ck_assert_int_eq(back, t);
  }
  gs_time_format_iso8601(1784073600, buf, sizeof buf);
  ck_assert_str_eq(buf, "2026-07-15T00:00:00Z");
}
END_TEST

START_TEST(seconds_to_us) {
  gs_time_us_t us;
  ck_assert_int_eq(gs_time_from_s(1.5, &us), GS_OK);
  ck_assert_int_eq(us, 1500000);
  ck_assert_int_eq(gs_time_from_s(0.0000014, &us), GS_OK);
  ck_assert_int_eq(us, 1);
  ck_assert_int_eq(gs_time_from_s(1e300, &us), GS_ERANGE);
}
END_TEST

Suite *time_suite(void) {
  Suite *s = suite_create("time");
  TCase *tc = tcase_create("time");
  tcase_add_test(tc, parse_known_instants);
  tcase_add_test(tc, parse_rejects_malformed);
  tcase_add_test(tc, format_round_trips);
  tcase_add_test(tc, seconds_to_us);
  suite_add_tcase(s, tc);
  return s;
}
