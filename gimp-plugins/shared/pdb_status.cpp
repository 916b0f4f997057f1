// SPDX-License-Identifier: GPL-3.0-or-later
#include "pdb_status.hpp"

#include <new>
#include <stdexcept>

#include "i18n.hpp"

namespace astropack::gimp {

GimpPDBStatusType status_for(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::InvalidArgument: return GIMP_PDB_CALLING_ERROR;
    case ErrorKind::Cancelled: return GIMP_PDB_CANCEL;
    default: return GIMP_PDB_EXECUTION_ERROR;
  }
}

Outcome outcome_of_current_exception() noexcept {
  // Building a message may itself fail for lack of memory: fall back to a literal.
  try {
    try {
      throw;
    } catch (const Error& e) {
      return {status_for(e.kind()), e.what()};
    } catch (const std::bad_alloc&) {
      return {GIMP_PDB_EXECUTION_ERROR,
              _("Not enough memory for this image; close other images or use a smaller one.")};
    } catch (const std::exception& e) {
      std::string text = _("Internal error, please report it: ");
      text.append(e.what());
      return {GIMP_PDB_EXECUTION_ERROR, text};
    } catch (...) {
      return {GIMP_PDB_EXECUTION_ERROR, _("Internal error of an unknown kind, please report it.")};
    }
  } catch (...) {
    return {GIMP_PDB_EXECUTION_ERROR, {}};
  }
}

void ReturnValues::succeed() noexcept {
  m_values[0].type = GIMP_PDB_STATUS;
  m_values[0].data.d_status = GIMP_PDB_SUCCESS;
  m_count = 1;
}

void ReturnValues::succeed_with_image(gint32 image) noexcept {
  succeed();
  m_values[1].type = GIMP_PDB_IMAGE;
  m_values[1].data.d_image = image;
  m_count = 2;
}

void ReturnValues::fail(const Outcome& outcome) noexcept {
  m_values[0].type = GIMP_PDB_STATUS;
  m_values[0].data.d_status = outcome.ok() ? GIMP_PDB_EXECUTION_ERROR : outcome.status;
  m_count = 1;
  try {
    m_message = outcome.message;
  } catch (...) {
    m_message.clear();
  }
  // A cancel needs no message; an empty message would only show an empty dialog.
  if (!m_message.empty() && outcome.status != GIMP_PDB_CANCEL) {
    m_values[1].type = GIMP_PDB_STRING;
    m_values[1].data.d_string = m_message.data();
    m_count = 2;
  }
}

void ReturnValues::fail(GimpPDBStatusType status, std::string message) noexcept {
  Outcome outcome;
  outcome.status = status;
  outcome.message = std::move(message);
  fail(outcome);
}

void ReturnValues::publish(gint* count, GimpParam** values) noexcept {
  *count = m_count;
  *values = m_values.data();
}

}  // namespace astropack::gimp
