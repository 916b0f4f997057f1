// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/progress.hpp"

#include "astropack/error.hpp"

namespace astropack {

void throw_if_cancelled(const Progress& progress) {
  if (progress.cancelled()) throw Error(ErrorKind::Cancelled, "stopped at the user's request.");
}

}  // namespace astropack
