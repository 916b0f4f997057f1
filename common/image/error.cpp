// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/error.hpp"

namespace astropack {

namespace {
std::string compose(const std::filesystem::path& file, const std::string& sentence) {
  return file.empty() ? sentence : file.string() + ": " + sentence;
}
}  // namespace

Error::Error(ErrorKind kind, std::filesystem::path file, std::string sentence)
    : std::runtime_error(compose(file, sentence)), m_kind(kind), m_file(std::move(file)),
      m_sentence(std::move(sentence)) {}

Error::Error(ErrorKind kind, std::string sentence)
    : Error(kind, std::filesystem::path{}, std::move(sentence)) {}

int exit_status_for(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::InvalidArgument: return 2;
    case ErrorKind::Cancelled: return 130;
    case ErrorKind::Internal: return 70;
    default: return 1;
  }
}

}  // namespace astropack
