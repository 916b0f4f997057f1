// SPDX-License-Identifier: GPL-3.0-or-later
// astropack-star-blend: Filters > Astronomy > Star Layer Blend. The stars layer gets
// its black point and unsharp mask from astropack::stars_layer (the stars layer of
// `astropack compose`), then the mode "lighten only" and the top of the stack, so
// GIMP blends it as the composite does.
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "astropack/error.hpp"
#include "gimp_progress.hpp"
#include "host.hpp"
#include "i18n.hpp"
#include "layer_order.hpp"
#include "plugin_support.hpp"
#include "star_blend_values.hpp"

namespace astropack::gimp {

NebulaCompositeParams star_blend_params(const StarBlendValues& values, Trc storage) {
  NebulaCompositeParams params;
  params.stars.black_point = values.black_point;
  params.sharpen_stars = values.sharpen != FALSE;
  params.stars_sharpening.radius = values.radius;
  params.stars_sharpening.amount = values.amount;
  params.stars_sharpening.threshold = values.threshold;
  params.storage = storage;
  params.validate();
  return params;
}

}  // namespace astropack::gimp

namespace {

using namespace astropack;
using namespace astropack::gimp;

void query() {
  install_filter(
      {kStarBlendProc, N_("Make the stars layer the top layer of the composite"),
       "The stars layer of the workflow: the black point is fixed (GIMP's Levels, input low), "
       "the stars are optionally sharpened with the unsharp mask (as GEGL's unsharp-mask), the "
       "layer mode becomes 'lighten only' and the layer moves to the top of the image. The "
       "pixels are computed by astropack's core exactly as 'astropack compose' prepares its "
       "stars layer, on the numbers the image stores (linear or perceptual as its precision "
       "says). One undo step; the selection is not used (the whole layer changes).",
       N_("_Star Layer Blend..."), "RGB*, GRAY*", "Input image (RGB or grey)",
       "The stars layer"},
      {
          param_def(GIMP_PDB_FLOAT, "black-point",
                    "Black point (Levels input low on the Value channel), 0 to below 1; "
                    "0 = none"),
          param_def(GIMP_PDB_INT32, "sharpen",
                    "1 = unsharp mask after the black point, 0 = none"),
          param_def(GIMP_PDB_FLOAT, "radius",
                    "Unsharp mask radius: standard deviation of the blur in pixels, 0..1500"),
          param_def(GIMP_PDB_FLOAT, "amount", "Unsharp mask amount, 0..300"),
          param_def(GIMP_PDB_FLOAT, "threshold",
                    "Unsharp mask threshold, 0..1 (GIMP's 0..255 divided by 255)"),
      });
}

void blend_stars(gint32 image, gint32 layer, const StarBlendValues& values) {
  require_image(image);
  require_layer(image, layer, _("stars"));
  const NebulaCompositeParams params = star_blend_params(values, drawable_trc(layer));

  GimpProgress progress(_("Preparing the stars layer"));
  const Image original = read_drawable(layer, progress);
  const Image stars = stars_layer(original.view(), params);
  progress.report(0.5, {});

  UndoGroup undo(image);
  SelectionSetAside whole_layer(image);
  write_drawable(layer, stars.view(), progress);
  gimp_layer_set_mode(layer, GIMP_LAYER_MODE_LIGHTEN_ONLY);
  move_to_top(image, layer);
}

void run(const gchar*, gint nparams, const GimpParam* param, gint* nreturn_vals,
         GimpParam** return_vals) {
  run_plugin(nreturn_vals, return_vals, [&](ReturnValues& result) {
    const GimpRunMode mode = run_mode_of(nparams, param);
    require_params(nparams, 3);
    const gint32 image = param[1].data.d_image;
    const gint32 layer = param[2].data.d_drawable;
    StarBlendValues values;
    const bool accepted = values_for_run(
        kStarBlendProc, kStarBlendBinary, mode, values,
        [&](StarBlendValues& v) {
          require_params(nparams, 8);
          v.black_point = param[3].data.d_float;
          v.sharpen = param[4].data.d_int32 != 0;
          v.radius = param[5].data.d_float;
          v.amount = param[6].data.d_float;
          v.threshold = param[7].data.d_float;
        },
        [&](StarBlendValues& v) {
          require_image(image);
          require_layer(image, layer, _("stars"));
          return run_star_blend_dialog(layer, v);
        });
    if (!accepted) {
      result.fail(GIMP_PDB_CANCEL, {});
      return;
    }
    blend_stars(image, layer, values);
    finish_run(kStarBlendProc, mode, values);
    result.succeed();
  });
}

}  // namespace

const GimpPlugInInfo PLUG_IN_INFO = {nullptr, nullptr, query, run};

MAIN()
