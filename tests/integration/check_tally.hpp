// SPDX-License-Identifier: GPL-3.0-or-later
// Counting the checks of an integration test: every failure is printed as it
// happens, the summary at the end decides the exit status and whether the work
// folder is kept for a look.
#pragma once

#include <filesystem>
#include <iostream>
#include <string>

namespace astropack::integration {

class CheckTally {
 public:
  void operator()(bool ok, const std::string& what) {
    ++m_checks;
    if (!ok) {
      ++m_failures;
      std::cout << "FAIL: " << what << "\n";
    }
  }

  // Prints "N of M checks passed"; removes `work` when every check passed and
  // says where it is kept otherwise. Returns the test's exit status.
  int finish(const std::filesystem::path& work) const {
    std::cout << m_checks - m_failures << " of " << m_checks << " checks passed\n";
    if (m_failures == 0) {
      std::filesystem::remove_all(work);
      return 0;
    }
    std::cout << "files kept in " << work << "\n";
    return 1;
  }

 private:
  int m_checks = 0;
  int m_failures = 0;
};

// The exit status of a test whose peer program is missing: a failure under
// CI=true (CI must really run it), a skip (77) on a developer's machine.
inline int peer_missing(const std::string& program) {
  std::cout << program << " not found\n";
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true" ? 1 : 77;
}

}  // namespace astropack::integration
