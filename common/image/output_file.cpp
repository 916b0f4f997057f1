// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/output_file.hpp"

#include <unistd.h>

#include <atomic>
#include <system_error>

#include "astropack/error.hpp"

namespace astropack {

namespace fs = std::filesystem;

namespace {

fs::path folder_of(const fs::path& target) {
  return target.has_parent_path() ? target.parent_path() : fs::path(".");
}

// Unique within the process and across processes (pid), hidden from listings.
fs::path temporary_name(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  // Built by appending: GCC 12 warns falsely (-Wrestrict) on a chain of operator+.
  std::string name = ".";
  name.append(target.filename().string()).append(".part-");
  name.append(std::to_string(::getpid())).append("-").append(std::to_string(counter++));
  return folder_of(target) / name;
}

}  // namespace

OutputFile::OutputFile(fs::path target) : m_target(std::move(target)) {
  const fs::path folder = folder_of(m_target);
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw Error(ErrorKind::Unwritable, m_target,
                "the output folder " + folder.string() + " does not exist; create it first.");
  }
  if (::access(folder.c_str(), W_OK) != 0) {
    throw Error(ErrorKind::Unwritable, m_target,
                "the output folder " + folder.string() + " is not writable.");
  }
  if (fs::is_directory(m_target, ec)) {
    throw Error(ErrorKind::Unwritable, m_target, "is a folder, not a file name.");
  }
  m_temporary = temporary_name(m_target);
}

OutputFile::~OutputFile() {
  if (!m_committed) {
    std::error_code ignored;
    fs::remove(m_temporary, ignored);
  }
}

void OutputFile::commit() {
  // Renamed once complete, so no reader and no interrupted run ever finds a partial
  // file under the target name: rename() replaces the name atomically, and a
  // process that dies before it leaves only the hidden temporary (removed by the
  // destructor when it can run). The data are not forced to disk first (fsync):
  // that made every output wait for the disk (about 0.1 s per 96 MB frame, half a
  // second on a slow disk) and a set of lights wait for all of them, where Siril
  // and most tools leave the writing back to the system. What is given up is only
  // the case of a power failure or system crash within the seconds before the
  // system writes the data back: a new file could then be found empty. A file
  // renamed over an existing one is found with either its old or its new contents
  // on ext4, which writes such a file's data before the rename (auto_da_alloc).
  std::error_code ec;
  fs::rename(m_temporary, m_target, ec);
  if (ec) {
    throw Error(ErrorKind::Unwritable, m_target, "could not be written (" + ec.message() + ").");
  }
  m_committed = true;
}

void refuse_output_over_input(const fs::path& output, std::span<const fs::path> inputs) {
  std::error_code ec;
  if (!fs::exists(output, ec)) return;
  for (const fs::path& input : inputs) {
    if (fs::equivalent(output, input, ec)) {
      throw Error(ErrorKind::InvalidArgument, output,
                  "is also an input; choose another output name so the input is not lost.");
    }
  }
}

}  // namespace astropack
