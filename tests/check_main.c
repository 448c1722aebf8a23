/* SPDX-License-Identifier: MIT */
/* Shared main() for every Check suite: runs GS_TEST_SUITE() and reports. */
#include <check.h>
#include <stdlib.h>

Suite *GS_TEST_SUITE(void);

int main(void) {
  SRunner *sr = srunner_create(GS_TEST_SUITE());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
