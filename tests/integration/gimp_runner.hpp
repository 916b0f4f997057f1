// SPDX-License-Identifier: GPL-3.0-or-later
// Running the real gimp-console-2.10 for the integration tests, isolated from the
// user's GIMP profile as ../shared/docs/gimp-plugins.md describes: a profile folder
// GIMP creates itself, the plug-ins under test copied into a clean folder named by
// an alternate gimprc, the whole Script-Fu scenario in one -b, wrapped in timeout,
// judged by its log (the exit status of gimp-console says nothing).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace astropack::gimp_runner {

namespace fs = std::filesystem;

// A program on the PATH; empty when there is none.
inline std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream folders(path ? path : "/usr/bin:/bin");
  std::string folder;
  while (std::getline(folders, folder, ':')) {
    const fs::path candidate = fs::path(folder.empty() ? "." : folder) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

inline std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Copies each plug-in binary to <dir>/plug-ins/<name>/<name> and writes <dir>/gimprc
// so that GIMP finds them beside its own plug-ins.
inline void install_plugins(const fs::path& dir, const std::vector<std::string>& binaries) {
  for (const std::string& binary : binaries) {
    const std::string name = fs::path(binary).filename().string();
    const fs::path folder = dir / "plug-ins" / name;
    fs::create_directories(folder);
    fs::copy_file(binary, folder / name, fs::copy_options::overwrite_existing);
  }
  std::ofstream(dir / "gimprc") << "(plug-in-path \"${gimp_plug_in_dir}/plug-ins:"
                                << (dir / "plug-ins").string() << "\")\n";
}

struct GimpRun {
  int status = -1;
  std::string log;
  bool finished = false;  // the marker was printed
  bool failed = false;    // a Script-Fu error, a crash or an escaped exception

  bool ok() const { return status == 0 && finished && !failed; }
};

struct GimpOptions {
  std::string xvfb;             // xvfb-run for a dialog test; empty: no display at all
  std::string environment;      // more "NAME='value' " pairs for env
  std::string marker = "ASTRO-TEST-DONE";
  int timeout_seconds = 500;
};

// Writes `script` to <dir>/<name>.scm, runs `(begin (load script) call)` in
// gimp-console with the profile <dir>/profile and the gimprc of install_plugins,
// the log in <dir>/<name>.log.
inline GimpRun run_gimp(const std::string& gimp, const fs::path& dir, const std::string& name,
                        const std::string& script, const std::string& call,
                        const GimpOptions& options = {}) {
  const fs::path script_file = dir / (name + ".scm");
  const fs::path log_file = dir / (name + ".log");
  std::ofstream(script_file) << script;
  std::string command = "env ";
  if (options.xvfb.empty()) command.append("-u DISPLAY ");
  command.append("LANG=C.UTF-8 LANGUAGE= GIMP2_DIRECTORY='").append((dir / "profile").string());
  command.append("' ").append(options.environment).append(" timeout ");
  command.append(std::to_string(options.timeout_seconds)).append(" ");
  if (!options.xvfb.empty())
    command.append("'").append(options.xvfb).append("' -a -s '-screen 0 1280x1024x24' ");
  command.append("'").append(gimp).append("' -i -d -f --gimprc='");
  command.append((dir / "gimprc").string()).append("' -b '(begin (load \"");
  command.append(script_file.string()).append("\") ").append(call);
  command.append(")' -b '(gimp-quit 0)' > '").append(log_file.string()).append("' 2>&1");
  GimpRun run;
  run.status = std::system(command.c_str());
  run.log = read_text(log_file);
  run.finished = run.log.find(options.marker) != std::string::npos;
  run.failed = run.log.find("execution error") != std::string::npos ||
               run.log.find("Plug-in crashed") != std::string::npos ||
               run.log.find("terminate called") != std::string::npos;
  if (!run.ok())
    std::printf("--- gimp-console log (%s, status %d) ---\n%s\n------\n", name.c_str(),
                run.status, run.log.c_str());
  return run;
}

// The lines of the log that contain `tag`, from the tag on.
inline std::vector<std::string> tagged_lines(const std::string& log, const std::string& tag) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find(tag);
    if (at != std::string::npos) lines.push_back(line.substr(at));
  }
  return lines;
}

}  // namespace astropack::gimp_runner
