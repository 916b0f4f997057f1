// SPDX-License-Identifier: GPL-3.0-or-later
// Simulated sessions and truth tables shared by the calibration, cosmetic
// correction and debayer suites.
//
// A session is simulated on first use inside a test case, never in main():
// OpenMP code run in a forked child after the parent already ran OpenMP hangs.
// It is simulated once per suite run: the folder is named after the runner's
// process, kept between the forked cases and removed by remove_sessions().
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "astropack/fits.hpp"
#include "astropack/simulate.hpp"

namespace astropack::test {

// The process that runs the cases: the parent of a forked case.
inline long runner_pid() {
  const char* fork_mode = std::getenv("CK_FORK");
  const bool forked = !(fork_mode && std::string(fork_mode) == "no");
  return forked ? static_cast<long>(::getppid()) : static_cast<long>(::getpid());
}

inline std::filesystem::path session_folder(SimulationPreset preset, long pid) {
  std::string name = "astropack-test-calib-";
  name.append(to_string(preset)).append("-").append(std::to_string(pid));
  return std::filesystem::temp_directory_path() / name;
}

inline std::filesystem::path simulated_session(SimulationPreset preset) {
  namespace fs = std::filesystem;
  const fs::path folder = session_folder(preset, runner_pid());
  if (fs::exists(folder / "truth" / "README.txt")) return folder;
  // Simulated beside the target and renamed, so a case killed half way leaves nothing used.
  const fs::path partial = folder.string() + ".partial-" + std::to_string(::getpid());
  fs::remove_all(partial);
  NoProgress progress;
  SimulationOptions options;
  options.preset = preset;
  simulate_session(partial, options, progress);
  fs::remove_all(folder);
  fs::rename(partial, folder);
  return folder;
}

// Called by main() after the run.
inline void remove_sessions() {
  for (SimulationPreset preset : {SimulationPreset::Small, SimulationPreset::Osc}) {
    std::error_code ignored;
    std::filesystem::remove_all(session_folder(preset, static_cast<long>(::getpid())), ignored);
  }
}

inline std::vector<std::filesystem::path> light_files(const std::filesystem::path& session) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(session / "lights"))
    files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Rows of a truth CSV as text cells, header skipped.
inline std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

struct PlantedPixel {
  std::size_t x = 0, y = 0;
  bool hot = false;  // "hot" (else "warm")
  double dark_adu = 0;
};

inline std::vector<PlantedPixel> planted_pixels(const std::filesystem::path& session) {
  std::vector<PlantedPixel> pixels;
  for (const auto& row : read_csv(session / "truth" / "hot_pixels.csv"))
    pixels.push_back({std::stoul(row[0]), std::stoul(row[1]), row[2] == "hot", std::stod(row[4])});
  return pixels;
}

struct TruthStar {
  double x = 0, y = 0, peak = 0;
  bool saturated = false;
};

inline std::vector<TruthStar> truth_stars(const std::filesystem::path& session) {
  std::vector<TruthStar> stars;
  for (const auto& row : read_csv(session / "truth" / "stars.csv"))
    stars.push_back({std::stod(row[1]), std::stod(row[2]), std::stod(row[5]), row[6] == "1"});
  return stars;
}

}  // namespace astropack::test
