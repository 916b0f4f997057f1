// SPDX-License-Identifier: GPL-3.0-or-later
#include "sequence_names.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <system_error>

#include "astropack/error.hpp"

namespace astropack::cli {

namespace fs = std::filesystem;

namespace {

bool name_safe(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == '+';
}

struct Numbered {
  std::string stem, base, digits;
};

Numbered split_number(const fs::path& file) {
  Numbered n;
  n.stem = file.stem().string();
  std::size_t end = n.stem.size();
  while (end > 0 && std::isdigit(static_cast<unsigned char>(n.stem[end - 1]))) --end;
  n.base = n.stem.substr(0, end);
  n.digits = n.stem.substr(end);
  return n;
}

// The common base and padding when the stems form one numbered set.
bool numbered_alike(const std::vector<Numbered>& names, int& fixed) {
  if (names.empty()) return false;
  std::set<long> numbers;
  bool padded = false;
  for (const Numbered& n : names) {
    if (n.digits.empty() || n.digits.size() > 9 || n.base != names.front().base) return false;
    if (!std::all_of(n.base.begin(), n.base.end(), name_safe)) return false;
    if (!numbers.insert(std::stol(n.digits)).second) return false;
    padded |= n.digits.size() > 1 && n.digits.front() == '0';
  }
  fixed = 0;
  if (padded) {
    // Siril rebuilds names with one width, so every run must have it.
    const std::size_t width = names.front().digits.size();
    for (const Numbered& n : names)
      if (n.digits.size() != width) return false;
    fixed = static_cast<int>(width);
  } else {
    // Without padding Siril prints plain numbers: a run like "0" alone is fine, "00" is not.
    for (const Numbered& n : names)
      if (std::to_string(std::stol(n.digits)) != n.digits) return false;
  }
  return true;
}

}  // namespace

OutputNames output_names(const std::vector<fs::path>& inputs, const std::string& prefix,
                         const fs::path& folder, bool renumber, const std::string& fallback) {
  OutputNames out;
  std::vector<Numbered> names;
  for (const fs::path& file : inputs) names.push_back(split_number(file));
  int fixed = 0;
  if (numbered_alike(names, fixed)) {
    out.is_sequence = true;
    out.sequence.name = prefix + names.front().base;
    out.sequence.fixed_digits = fixed;
    for (const Numbered& n : names)
      out.sequence.frames.push_back({static_cast<int>(std::stol(n.digits)), true, {}, {}});
  } else if (renumber) {
    out.is_sequence = true;
    out.renumbered = true;
    out.sequence.name = prefix + fallback;
    out.sequence.fixed_digits = 5;
    for (std::size_t i = 0; i < inputs.size(); ++i)
      out.sequence.frames.push_back({static_cast<int>(i + 1), true, {}, {}});
  }
  std::set<fs::path> seen;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const fs::path file = out.is_sequence ? folder / out.sequence.frame_file_name(i)
                                          : folder / (prefix + names[i].stem + ".fit");
    if (!seen.insert(file).second) {
      throw Error(ErrorKind::InvalidArgument, inputs[i],
                  "would be written to " + file.string() +
                      " like another input of the same name; give files from one folder, or "
                      "rename them.");
    }
    out.files.push_back(file);
  }
  return out;
}

void prepare_output_folder(const fs::path& folder) {
  std::error_code ec;
  if (fs::exists(folder, ec) && !fs::is_directory(folder, ec))
    throw Error(ErrorKind::InvalidArgument, folder, "is a file; -o names the output folder.");
  if (!fs::exists(folder, ec)) {
    fs::create_directories(folder, ec);
    if (ec)
      throw Error(ErrorKind::Unwritable, folder,
                  "the output folder could not be created (" + ec.message() + ").");
  }
}

void check_name_prefix(const std::string& prefix) {
  if (std::all_of(prefix.begin(), prefix.end(), name_safe)) return;
  throw Error(ErrorKind::InvalidArgument,
              "--prefix '" + prefix +
                  "' must be letters, digits, '_', '-', '+' or '.', as Siril sequence names are.");
}

}  // namespace astropack::cli
