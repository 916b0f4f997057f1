// SPDX-License-Identifier: GPL-3.0-or-later
// Shared main() for the Check suites: TAP on standard output, one process per
// test case so a crash fails one case, not the suite.
#pragma once

#include <check.h>
// check.h defines an old `fail` macro that breaks the standard streams.
#undef fail

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace astropack::test {

inline int run_suite(Suite* suite) {
  SRunner* runner = srunner_create(suite);
  srunner_set_tap(runner, "-");
  srunner_run_all(runner, CK_SILENT);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

// A fresh empty folder for one test case, removed by the caller if it likes.
inline std::filesystem::path scratch_folder(const std::string& name) {
  auto folder = std::filesystem::temp_directory_path() /
                ("astropack-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  return folder;
}

}  // namespace astropack::test

// Check wants its cases as plain functions; this keeps the boilerplate short.
#define ADD_TEST(tcase, fn) tcase_add_test(tcase, fn)
