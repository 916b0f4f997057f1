// SPDX-License-Identifier: GPL-3.0-or-later
// Placeholder: the simulate suite is written with its module.
#include "check_main.hpp"

START_TEST(pending) { ck_assert(true); }
END_TEST

int main() {
  Suite* suite = suite_create("simulate");
  TCase* tc = tcase_create("core");
  ADD_TEST(tc, pending);
  suite_add_tcase(suite, tc);
  return astropack::test::run_suite(suite);
}
