// SPDX-License-Identifier: GPL-3.0-or-later
// astropack-scnr: Filters > Astronomy > Remove Green Noise (SCNR). The pixels are
// astropack::scnr's, the same call as `astropack scnr`, on the numbers the image
// stores.
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "astropack/error.hpp"
#include "gimp_progress.hpp"
#include "host.hpp"
#include "i18n.hpp"
#include "plugin_support.hpp"
#include "scnr_values.hpp"

namespace astropack::gimp {

ScnrParams scnr_params(const ScnrValues& values) {
  if (values.method < 0 || values.method > 3)
    throw Error(ErrorKind::InvalidArgument,
                format_text(_("The SCNR method must be 0 (average neutral), 1 (maximum "
                              "neutral), 2 (maximum mask) or 3 (additive mask), not %d."),
                            static_cast<int>(values.method)));
  ScnrParams params;
  params.method = static_cast<ScnrMethod>(values.method);
  params.amount = values.amount;
  params.preserve_lightness = values.preserve_lightness != FALSE;
  params.validate();
  return params;
}

}  // namespace astropack::gimp

namespace {

using namespace astropack;
using namespace astropack::gimp;

void query() {
  install_filter(
      {kScnrProc, N_("Remove green noise (SCNR) as Siril's rmgreen does"),
       "Subtractive chromatic noise reduction of an RGB layer, computed by astropack's core "
       "exactly as 'astropack scnr' and Siril 1.0's rmgreen do, on the numbers the image "
       "stores (nothing clamped; values above 1 kept). The whole layer is changed, inside the "
       "selection when there is one, as one undo step. Grey images are refused: there is no "
       "green to remove.",
       N_("Remove _Green Noise (SCNR)..."), "RGB*, GRAY*", "Input image (RGB)",
       "RGB layer to clean"},
      {
          param_def(GIMP_PDB_INT32, "method",
                    "0 = average neutral: G = min(G, (R+B)/2); 1 = maximum neutral: G = min(G, "
                    "max(R,B)); 2 = maximum mask: m = max(R,B), G = G(1-a)(1-m) + mG; 3 = "
                    "additive mask: m = min(1, R+B), same formula"),
          param_def(GIMP_PDB_FLOAT, "amount",
                    "Strength a of the mask methods, 0..1 (the neutral methods always remove "
                    "the whole excess)"),
          param_def(GIMP_PDB_INT32, "preserve-lightness",
                    "1 = restore each pixel's CIE L* afterwards (Siril's default), 0 = do not"),
      });
}

void remove_green_noise(gint32 image, gint32 drawable, const ScnrValues& values) {
  require_image(image);
  if (!gimp_item_is_valid(drawable) || !gimp_item_is_drawable(drawable) ||
      gimp_item_get_image(drawable) != image)
    throw Error(ErrorKind::InvalidArgument,
                _("The drawable is missing; choose a layer of the image."));
  require_rgb(image, _("Green-noise removal"));
  if (!gimp_drawable_is_rgb(drawable))
    throw Error(ErrorKind::Unsupported,
                _("Green-noise removal works on colour layers, not on masks or channels; select "
                  "a layer."));
  const ScnrParams params = scnr_params(values);

  GimpProgress progress(_("Removing green noise"));
  Image pixels = read_drawable(drawable, progress);
  const ScnrResult result = scnr(pixels.view(), pixels.view(), params);
  {
    UndoGroup undo(image);
    write_drawable(drawable, pixels.view(), progress);
  }
  if (result.above_one > 0)
    g_message("%s", format_text(g_dngettext(GETTEXT_PACKAGE,
                                            "Green-noise removal: %lu pixel is above 1 (kept).",
                                            "Green-noise removal: %lu pixels are above 1 (kept).",
                                            result.above_one),
                                static_cast<unsigned long>(result.above_one))
                        .c_str());
}

void run(const gchar*, gint nparams, const GimpParam* param, gint* nreturn_vals,
         GimpParam** return_vals) {
  run_plugin(nreturn_vals, return_vals, [&](ReturnValues& result) {
    const GimpRunMode mode = run_mode_of(nparams, param);
    require_params(nparams, 3);
    const gint32 image = param[1].data.d_image;
    const gint32 drawable = param[2].data.d_drawable;
    ScnrValues values;
    const bool accepted = values_for_run(
        kScnrProc, kScnrBinary, mode, values,
        [&](ScnrValues& v) {
          require_params(nparams, 6);
          v.method = param[3].data.d_int32;
          v.amount = param[4].data.d_float;
          v.preserve_lightness = param[5].data.d_int32 != 0;
        },
        [&](ScnrValues& v) {
          require_image(image);
          require_rgb(image, _("Green-noise removal"));
          return run_scnr_dialog(drawable, v);
        });
    if (!accepted) {
      result.fail(GIMP_PDB_CANCEL, {});
      return;
    }
    remove_green_noise(image, drawable, values);
    finish_run(kScnrProc, mode, values);
    result.succeed();
  });
}

}  // namespace

const GimpPlugInInfo PLUG_IN_INFO = {nullptr, nullptr, query, run};

MAIN()
