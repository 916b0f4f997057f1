// SPDX-License-Identifier: GPL-3.0-or-later
// The one exception type of the core. Every failure a user can meet is an Error
// with a kind (for exit codes and GIMP status), the file it concerns, and a
// sentence that says what went wrong and what to do.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace astropack {

enum class ErrorKind {
  InvalidInput,    // the file exists but its content cannot be used
  NotFound,        // the file or folder does not exist
  Unreadable,      // the operating system refused to read it
  Unwritable,      // the output could not be written (permissions, full disk, missing folder)
  InvalidArgument, // an option or parameter is out of range
  Unsupported,     // valid data that astropack does not handle (yet)
  Cancelled,       // the user asked to stop
  Internal,        // a bug: please report it
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::filesystem::path file, std::string sentence);
  Error(ErrorKind kind, std::string sentence);

  ErrorKind kind() const noexcept { return m_kind; }
  const std::filesystem::path& file() const noexcept { return m_file; }
  // The sentence alone, without the file name.
  const std::string& sentence() const noexcept { return m_sentence; }

 private:
  ErrorKind m_kind;
  std::filesystem::path m_file;
  std::string m_sentence;
};

// Process exit status the command-line front end uses for an error kind.
int exit_status_for(ErrorKind kind) noexcept;

}  // namespace astropack
