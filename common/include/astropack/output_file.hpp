// SPDX-License-Identifier: GPL-3.0-or-later
// Outputs are written to a temporary file beside the target and renamed into
// place, so an interrupted run never leaves a half-written file, and an output
// that would overwrite one of the inputs is refused.
#pragma once

#include <filesystem>
#include <span>

namespace astropack {

class OutputFile {
 public:
  // Checks the target folder exists and is writable; picks a temporary name.
  explicit OutputFile(std::filesystem::path target);
  ~OutputFile();  // removes the temporary file unless commit() succeeded
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  const std::filesystem::path& target() const noexcept { return m_target; }
  // Where the writer puts the bytes.
  const std::filesystem::path& temporary() const noexcept { return m_temporary; }
  // Renames the complete temporary file onto the target (atomically; the system
  // writes the data back to disk later, see output_file.cpp).
  void commit();

 private:
  std::filesystem::path m_target;
  std::filesystem::path m_temporary;
  bool m_committed = false;
};

// Throws Error(InvalidArgument) naming `output` when it is the same file as one of `inputs`.
void refuse_output_over_input(const std::filesystem::path& output,
                              std::span<const std::filesystem::path> inputs);

}  // namespace astropack
