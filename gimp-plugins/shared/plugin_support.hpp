// SPDX-License-Identifier: GPL-3.0-or-later
// What every filter plug-in's query() and run() share: PDB parameter records, the
// guarded run body, one undo group per run, and the checks a procedure makes on the
// image and layers it is given before it changes anything.
#pragma once

#include <libgimp/gimp.h>

#include <libgimp/gimpui.h>

#include <functional>
#include <initializer_list>
#include <string>

#include "pdb_status.hpp"

namespace astropack::gimp {

// One PDB parameter record (GimpParamDef holds non-const strings).
GimpParamDef param_def(GimpPDBArgType type, const char* name, const char* description);

// A procedure of Filters > Astronomy, as the procedure browser shows it.
struct FilterProcedure {
  const char* name;
  const char* blurb;       // N_() marked: GIMP translates it in the domain
  const char* help;
  const char* menu_label;  // N_() marked
  const char* image_types;
  const char* image_doc;     // what the standard "image" parameter is for
  const char* drawable_doc;  // and the "drawable" one
};

// Binds the text domain and installs `procedure` with the standard run-mode, image
// and drawable parameters followed by `args`, in the menu Filters > Astronomy.
void install_filter(const FilterProcedure& procedure, std::initializer_list<GimpParamDef> args,
                    std::initializer_list<GimpParamDef> returns = {});

// The values of one run: from the PDB parameters in non-interactive mode, else the
// last values GIMP kept, shown in the dialog in interactive mode. False when the
// user cancelled the dialog.
template <typename Values, typename FromParams, typename Dialog>
bool values_for_run(const char* procedure, const char* binary, GimpRunMode mode,
                    Values& values, FromParams&& from_params, Dialog&& dialog) {
  if (mode == GIMP_RUN_NONINTERACTIVE) {
    from_params(values);
    return true;
  }
  gimp_get_data(procedure, &values);
  if (mode != GIMP_RUN_INTERACTIVE) return true;
  gimp_ui_init(binary, TRUE);
  return dialog(values);
}

// After a successful run: keeps the dialog's values, refreshes the displays.
template <typename Values>
void finish_run(const char* procedure, GimpRunMode mode, const Values& values) {
  if (mode == GIMP_RUN_INTERACTIVE) gimp_set_data(procedure, &values, sizeof values);
  if (mode != GIMP_RUN_NONINTERACTIVE) gimp_displays_flush();
}

// The body of run(): binds the text domain, starts GEGL, runs `body` with the
// return values to fill, turns any exception into a failed status with its message,
// and hands the values to GIMP. Never throws.
void run_plugin(gint* nreturn_vals, GimpParam** return_vals,
                const std::function<void(ReturnValues&)>& body) noexcept;

// The run mode of param[0]; throws Error(InvalidArgument) when it is missing.
GimpRunMode run_mode_of(gint nparams, const GimpParam* param);

// Throws Error(InvalidArgument) when a non-interactive call brought fewer than
// `expected` parameters.
void require_params(gint nparams, gint expected);

// Everything done between construction and destruction is one step of the image's
// undo history (Edit > Undo takes it back at once).
class UndoGroup {
 public:
  explicit UndoGroup(gint32 image);
  ~UndoGroup();
  UndoGroup(const UndoGroup&) = delete;
  UndoGroup& operator=(const UndoGroup&) = delete;

 private:
  gint32 m_image;
};

// The image's selection is set aside for the lifetime of the object (saved to a
// channel and restored after), so that a layer operation changes the whole layer:
// GIMP would otherwise merge the new pixels through the selection. Use it inside
// the run's UndoGroup.
class SelectionSetAside {
 public:
  explicit SelectionSetAside(gint32 image);
  ~SelectionSetAside();
  SelectionSetAside(const SelectionSetAside&) = delete;
  SelectionSetAside& operator=(const SelectionSetAside&) = delete;

 private:
  gint32 m_image;
  gint32 m_saved = -1;
};

// The checks below throw Error with a sentence for the user; `role` names the
// layer in it ("stars", "Ha"...).

// `image` exists and is not indexed.
void require_image(gint32 image);
// `layer` is a layer of `image` (not a channel or a mask).
void require_layer(gint32 image, gint32 layer, const std::string& role);
// The image is RGB; `operation` says what needs colour.
void require_rgb(gint32 image, const std::string& operation);
// Two layers of the same width and height.
void require_same_size(gint32 layer, const std::string& role, gint32 other,
                       const std::string& other_role);

// The layer's name (empty when GIMP has none).
std::string item_name(gint32 item);

}  // namespace astropack::gimp
