// SPDX-License-Identifier: GPL-3.0-or-later
// file-astropack-fits: FITS load and save at full precision for GIMP 2.10.
// Registration and the run-mode logic only; the work is in fits_load.cpp and
// fits_save.cpp, the pixels move through gimp-plugins/shared/host.
//
// GIMP's bundled FITS plug-in registers .fit/.fits with a magic; this one registers
// .fit .fits .fts .fz with the same magic and a lower (preferred) handler priority,
// so "Open" and gimp-file-load pick it, and exporting to those extensions uses it.
// The bundled procedures stay available under their own names and in the file-type
// list of the Open and Export dialogs.
#include <gegl.h>
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <cstring>

#include "fits_load.hpp"
#include "fits_names.hpp"
#include "fits_save.hpp"
#include "i18n.hpp"
#include "pdb_status.hpp"
#include "save_dialog.hpp"

namespace {

using namespace astropack::gimp;

constexpr const char* kExtensions = "fit,fits,fts,fz";
// Saving writes plain FITS: no .fz (tile compression).
constexpr const char* kSaveExtensions = "fit,fits,fts";
constexpr const char* kMagic = "0,string,SIMPLE";
constexpr const char* kMimeType = "image/fits";
// Lower than the default 0 of the bundled loader: GIMP prefers the lowest.
constexpr gint kPriority = -1;

GimpParamDef param(GimpPDBArgType type, const char* name, const char* description) {
  return {type, const_cast<gchar*>(name), const_cast<gchar*>(description)};
}

void install_procedures() {
  init_i18n();
  gimp_plugin_domain_register(GETTEXT_PACKAGE, locale_dir());

  static const GimpParamDef load_args[] = {
      param(GIMP_PDB_INT32, "run-mode",
            "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }"),
      param(GIMP_PDB_STRING, "filename", "The name of the file to load"),
      param(GIMP_PDB_STRING, "raw-filename", "The name entered"),
  };
  static const GimpParamDef load_returns[] = {
      param(GIMP_PDB_IMAGE, "image", "Output image"),
  };
  gimp_install_procedure(
      kFitsLoadProc, N_("Loads FITS images at full precision (astropack)"),
      "Opens a FITS image (.fit .fits .fts, and tile-compressed .fz) without changing its "
      "values: the first image HDU with pixels; BITPIX 8, 16, 32, -32 or -64; one plane "
      "(grey) or three planes NAXIS3=3 (one RGB image). The values are normalised as Siril "
      "does (8-bit / 255, 16-bit / 65535, float kept unless it is in ADU scale), never "
      "stretched to the file's minimum and maximum, and the image has 32-bit float linear "
      "precision, so values below 0 and above 1 are kept. The first stored row is the bottom "
      "row of the picture, as Siril shows it. NaN and infinite samples become 0 (each pixel "
      "on its own) and a message says how many. The FITS header is kept as the "
      "'astropack-fits-header' parasite and written back by file-astropack-fits-save.",
      "astropack", "astropack contributors, GPL-3.0-or-later", "2025",
      N_("Astronomy FITS (full precision)"), nullptr, GIMP_PLUGIN, G_N_ELEMENTS(load_args),
      G_N_ELEMENTS(load_returns), load_args, load_returns);
  gimp_register_file_handler_mime(kFitsLoadProc, kMimeType);
  gimp_register_magic_load_handler(kFitsLoadProc, kExtensions, "", kMagic);
  gimp_register_file_handler_priority(kFitsLoadProc, kPriority);

  static const GimpParamDef save_args[] = {
      param(GIMP_PDB_INT32, "run-mode",
            "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1), "
            "RUN-WITH-LAST-VALS (2) }"),
      param(GIMP_PDB_IMAGE, "image", "Input image (its FITS header parasite is written)"),
      param(GIMP_PDB_DRAWABLE, "drawable", "Drawable to save"),
      param(GIMP_PDB_STRING, "filename", "The name of the file to save the image in"),
      param(GIMP_PDB_STRING, "raw-filename", "The name entered"),
      param(GIMP_PDB_INT32, "bits",
            "Sample format: 32 = 32-bit float (BITPIX -32, values kept exactly; also 0, the "
            "default), 16 = 16-bit unsigned (BITPIX 16, BZERO 32768, value * 65535 rounded, "
            "clipped to 0..65535)"),
  };
  gimp_install_procedure(
      kFitsSaveProc, N_("Saves FITS images at full precision (astropack)"),
      "Saves the drawable as a FITS image Siril reads back exactly, written atomically "
      "(a temporary file renamed into place). Grey drawables give one plane, RGB and "
      "indexed ones three planes (NAXIS3=3); alpha is not saved. The values are the numbers "
      "the image stores (linear or perceptual as its precision says), not converted, and the "
      "bottom row of the picture becomes the first stored row. 'bits' chooses 32-bit float "
      "(the default) or 16-bit unsigned. The header comes from the image's "
      "'astropack-fits-header' parasite (set when the image was opened with "
      "file-astropack-fits-load). In interactive mode the image is flattened on a copy when "
      "needed and a dialog asks for the sample format.",
      "astropack", "astropack contributors, GPL-3.0-or-later", "2025",
      N_("Astronomy FITS (full precision)"), "RGB*, GRAY*, INDEXED*", GIMP_PLUGIN,
      G_N_ELEMENTS(save_args), 0, save_args, nullptr);
  gimp_register_file_handler_mime(kFitsSaveProc, kMimeType);
  gimp_register_save_handler(kFitsSaveProc, kSaveExtensions, "");
  gimp_register_file_handler_priority(kFitsSaveProc, kPriority);
}

void query() {
  const Outcome outcome = guarded(install_procedures);
  if (!outcome.ok()) g_printerr("%s: %s\n", kFitsBinary, outcome.message.c_str());
}

void run_load(gint nparams, const GimpParam* param, ReturnValues& result) {
  if (nparams < 2) {
    result.fail(GIMP_PDB_CALLING_ERROR, _("The load procedure needs a file name."));
    return;
  }
  gint32 image = -1;
  const Outcome outcome = guarded([&] { image = load_fits_image(param[1].data.d_string); });
  if (outcome.ok())
    result.succeed_with_image(image);
  else
    result.fail(outcome);
}

void run_save(gint nparams, const GimpParam* param, ReturnValues& result) {
  if (nparams < 5) {
    result.fail(GIMP_PDB_CALLING_ERROR,
                _("The save procedure needs an image, a drawable and a file name."));
    return;
  }
  const auto run_mode = static_cast<GimpRunMode>(param[0].data.d_int32);
  gint32 image = param[1].data.d_image;
  gint32 drawable = param[2].data.d_drawable;
  const char* filename = param[3].data.d_string;

  FitsSaveValues values;
  GimpExportReturn export_result = GIMP_EXPORT_IGNORE;
  if (run_mode == GIMP_RUN_NONINTERACTIVE) {
    values.bits = nparams > 5 ? param[5].data.d_int32 : 0;
  } else {
    gimp_get_data(kFitsSaveProc, &values);
    gimp_ui_init(kFitsBinary, FALSE);
    export_result = gimp_export_image(&image, &drawable, "FITS",
                                      static_cast<GimpExportCapabilities>(
                                          GIMP_EXPORT_CAN_HANDLE_RGB |
                                          GIMP_EXPORT_CAN_HANDLE_GRAY));
    if (export_result == GIMP_EXPORT_CANCEL) {
      result.fail(GIMP_PDB_CANCEL, {});
      return;
    }
    if (run_mode == GIMP_RUN_INTERACTIVE && !run_save_dialog(values)) {
      if (export_result == GIMP_EXPORT_EXPORT) gimp_image_delete(image);
      result.fail(GIMP_PDB_CANCEL, {});
      return;
    }
  }

  const Outcome outcome = guarded(
      [&] { save_fits_drawable(image, drawable, filename, sample_format_for_bits(values.bits)); });
  if (export_result == GIMP_EXPORT_EXPORT) gimp_image_delete(image);
  if (!outcome.ok()) {
    result.fail(outcome);
    return;
  }
  if (run_mode == GIMP_RUN_INTERACTIVE) gimp_set_data(kFitsSaveProc, &values, sizeof values);
  result.succeed();
}

void run(const gchar* name, gint nparams, const GimpParam* param, gint* nreturn_vals,
         GimpParam** return_vals) {
  static ReturnValues result;
  // Nothing may escape into GIMP's C code: the bodies are guarded, and so is the rest.
  const Outcome outcome = guarded([&] {
    init_i18n();
    gegl_init(nullptr, nullptr);
    if (nparams < 1) {
      result.fail(GIMP_PDB_CALLING_ERROR, _("The run mode is missing."));
    } else if (std::strcmp(name, kFitsLoadProc) == 0) {
      run_load(nparams, param, result);
    } else if (std::strcmp(name, kFitsSaveProc) == 0) {
      run_save(nparams, param, result);
    } else {
      result.fail(GIMP_PDB_CALLING_ERROR, _("Unknown procedure."));
    }
  });
  if (!outcome.ok()) result.fail(outcome);
  result.publish(nreturn_vals, return_vals);
}

}  // namespace

const GimpPlugInInfo PLUG_IN_INFO = {nullptr, nullptr, query, run};

MAIN()
