// SPDX-License-Identifier: GPL-3.0-or-later
// The error bridge at the C boundary. The core throws astropack::Error; GIMP
// expects a GimpPDBStatusType plus, on failure, the message as a second return
// value (GIMP shows it, or Script-Fu reports it). No exception may cross into C:
// every run() body goes through guarded().
#pragma once

#include <libgimp/gimp.h>

#include <array>
#include <exception>
#include <string>

#include "astropack/error.hpp"

namespace astropack::gimp {

struct Outcome {
  GimpPDBStatusType status = GIMP_PDB_SUCCESS;
  std::string message;  // empty on success

  bool ok() const noexcept { return status == GIMP_PDB_SUCCESS; }
};

// The PDB status for an error kind: a bad parameter is a calling error, a stop the
// user asked for is a cancel, anything else an execution error.
GimpPDBStatusType status_for(ErrorKind kind) noexcept;

// The outcome of the exception being handled (call it inside a catch block only).
Outcome outcome_of_current_exception() noexcept;

// Runs `body` and turns every exception it throws into an Outcome. Never throws.
template <typename Body>
Outcome guarded(Body&& body) noexcept {
  try {
    body();
    return {};
  } catch (...) {
    return outcome_of_current_exception();
  }
}

// The return values of one run(): the status first, then either the values the
// procedure declares (an image for a load procedure) or, on failure, the message.
// GIMP reads them after run() has returned, so the object must be static.
class ReturnValues {
 public:
  // Success with no further values.
  void succeed() noexcept;
  // Success of a load procedure: the new image.
  void succeed_with_image(gint32 image) noexcept;
  // Failure: the status and the message GIMP shows.
  void fail(const Outcome& outcome) noexcept;
  void fail(GimpPDBStatusType status, std::string message) noexcept;

  // Hands the values to GIMP (run()'s two out-parameters).
  void publish(gint* count, GimpParam** values) noexcept;

 private:
  std::array<GimpParam, 2> m_values{};
  gint m_count = 1;
  std::string m_message;
};

}  // namespace astropack::gimp
