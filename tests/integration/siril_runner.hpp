// SPDX-License-Identifier: GPL-3.0-or-later
// Finding and running the real siril-cli for the integration tests, with an
// isolated HOME so a developer's Siril settings are neither used nor changed.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace astropack::siril_runner {

namespace fs = std::filesystem;

// siril-cli from $SIRIL_CLI or the PATH; empty when there is none.
inline std::string find_siril() {
  if (const char* explicit_path = std::getenv("SIRIL_CLI")) return explicit_path;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "siril-cli";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

// Runs `siril-cli -d dir -s <name>.ssf` with an isolated HOME, its output in
// <name>.log (printed when it fails); returns its exit status.
inline int run_siril(const std::string& siril, const fs::path& dir, const fs::path& home,
              const std::string& name, const std::string& script) {
  const fs::path script_file = dir / (name + ".ssf");
  std::ofstream(script_file) << script;
  const fs::path log = dir / (name + ".log");
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    ::setenv("HOME", home.c_str(), 1);
    ::setenv("XDG_CONFIG_HOME", (home / ".config").c_str(), 1);
    ::setenv("XDG_CACHE_HOME", (home / ".cache").c_str(), 1);
    ::setenv("XDG_DATA_HOME", (home / ".local/share").c_str(), 1);
    ::execl(siril.c_str(), siril.c_str(), "-d", dir.c_str(), "-s", script_file.c_str(),
            static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  if (code != 0) {
    std::ifstream in(log);
    std::printf("--- siril-cli log (%s, exit %d) ---\n%s\n---\n", name.c_str(), code,
                std::string(std::istreambuf_iterator<char>(in), {}).c_str());
  }
  return code;
}

}  // namespace astropack::siril_runner
