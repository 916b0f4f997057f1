// SPDX-License-Identifier: GPL-3.0-or-later
// astropack-haoiii-screen: Filters > Astronomy > Ha/OIII Colourise and Screen. The
// Ha and OIII layers get their black point, blur and colour from
// astropack::coloured_layer (the Ha and OIII layers of `astropack compose`), then the
// mode "screen" and their place beneath the stars layer, so GIMP blends them as the
// composite does.
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <optional>

#include "astropack/error.hpp"
#include "gimp_progress.hpp"
#include "haoiii_values.hpp"
#include "host.hpp"
#include "i18n.hpp"
#include "layer_order.hpp"
#include "plugin_support.hpp"

namespace astropack::gimp {

NebulaCompositeParams haoiii_params(const HaOiiiValues& values, Trc storage) {
  NebulaCompositeParams params;
  params.ha.black_point = values.ha_black_point;
  params.ha.blur = values.ha_blur;
  params.oiii.black_point = values.oiii_black_point;
  params.oiii.blur = values.oiii_blur;
  params.ha_hue = values.ha_hue;
  params.oiii_hue = values.oiii_hue;
  params.saturation = values.saturation;
  params.lightness = values.lightness;
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
      {kHaOiiiProc, N_("Colourise the Ha and OIII layers and screen them onto the nebula"),
       "For the Ha and OIII layers (either may be -1): black point (GIMP's Levels, input low), "
       "optional Gaussian blur, then colourise (GIMP's Colorize: Ha red, OIII cyan by "
       "default), computed by astropack's core exactly as 'astropack compose' prepares these "
       "layers; then the layer mode 'screen', and the layers move directly beneath the stars "
       "layer (OIII above Ha), so above the nebula base layer. Needs an RGB image; both layers "
       "must have the same size. One undo step; the selection is not used.",
       N_("_Ha/OIII Colourise and Screen..."), "RGB*, GRAY*", "Input image (RGB)",
       "Unused (the layers are named below)"},
      {
          param_def(GIMP_PDB_LAYER, "ha-layer", "The Ha layer, or -1 for none"),
          param_def(GIMP_PDB_LAYER, "oiii-layer", "The OIII layer, or -1 for none"),
          param_def(GIMP_PDB_LAYER, "stars-layer",
                    "The stars layer the two go beneath, or -1: the topmost layer in 'lighten "
                    "only' mode, or the top of the image when there is none"),
          param_def(GIMP_PDB_FLOAT, "ha-hue", "Hue of the Ha layer in degrees, 0..360 (0 = red)"),
          param_def(GIMP_PDB_FLOAT, "oiii-hue",
                    "Hue of the OIII layer in degrees, 0..360 (180 = cyan)"),
          param_def(GIMP_PDB_FLOAT, "saturation", "Colourise saturation of both, 0..100"),
          param_def(GIMP_PDB_FLOAT, "lightness", "Colourise lightness of both, -100..100"),
          param_def(GIMP_PDB_FLOAT, "ha-blur",
                    "Gaussian blur of the Ha layer, standard deviation in pixels, 0 = none"),
          param_def(GIMP_PDB_FLOAT, "oiii-blur",
                    "Gaussian blur of the OIII layer, standard deviation in pixels, 0 = none"),
          param_def(GIMP_PDB_FLOAT, "ha-black-point",
                    "Black point of the Ha layer (Levels input low), 0 to below 1"),
          param_def(GIMP_PDB_FLOAT, "oiii-black-point",
                    "Black point of the OIII layer (Levels input low), 0 to below 1"),
      });
}

// Everything is checked and computed before the image changes.
void colourise_and_screen(gint32 image, HaOiiiValues values) {
  require_image(image);
  require_rgb(image, _("Colourising Ha and OIII"));
  if (values.ha_layer == -1 && values.oiii_layer == -1)
    throw Error(ErrorKind::InvalidArgument,
                _("Choose the Ha layer, the OIII layer or both; none was given."));
  if (values.ha_layer != -1) require_layer(image, values.ha_layer, "Ha");
  if (values.oiii_layer != -1) require_layer(image, values.oiii_layer, "OIII");
  if (values.ha_layer == values.oiii_layer)
    throw Error(ErrorKind::InvalidArgument,
                _("The Ha and the OIII layer are the same layer; choose two different layers."));
  if (values.ha_layer != -1 && values.oiii_layer != -1)
    require_same_size(values.ha_layer, "Ha", values.oiii_layer, "OIII");
  gint32 stars = values.stars_layer;
  if (stars != -1) {
    require_layer(image, stars, _("stars"));
    if (stars == values.ha_layer || stars == values.oiii_layer)
      throw Error(ErrorKind::InvalidArgument,
                  _("The stars layer cannot also be the Ha or the OIII layer."));
  } else {
    stars = topmost_in_mode(image, GIMP_LAYER_MODE_LIGHTEN_ONLY,
                            GIMP_LAYER_MODE_LIGHTEN_ONLY_LEGACY,
                            {values.ha_layer, values.oiii_layer});
  }
  const gint32 first = values.ha_layer != -1 ? values.ha_layer : values.oiii_layer;
  const NebulaCompositeParams params = haoiii_params(values, drawable_trc(first));

  GimpProgress progress(_("Colourising Ha and OIII"));
  std::optional<Image> ha, oiii;
  if (values.ha_layer != -1) {
    const Image original = read_drawable(values.ha_layer, progress);
    ha = coloured_layer(original.view(), params.ha, params.ha_hue, params);
  }
  progress.report(0.4, {});
  if (values.oiii_layer != -1) {
    const Image original = read_drawable(values.oiii_layer, progress);
    oiii = coloured_layer(original.view(), params.oiii, params.oiii_hue, params);
  }
  progress.report(0.8, {});

  UndoGroup undo(image);
  SelectionSetAside whole_layer(image);
  // Ha first, then OIII directly beneath the stars: OIII ends up above Ha.
  const std::pair<gint32, const std::optional<Image>*> layers[] = {{values.ha_layer, &ha},
                                                                   {values.oiii_layer, &oiii}};
  for (const auto& [layer, pixels] : layers) {
    if (layer == -1) continue;
    write_drawable(layer, (*pixels)->view(), progress);
    gimp_layer_set_mode(layer, GIMP_LAYER_MODE_SCREEN);
    if (stars != -1)
      place_beneath(image, layer, stars);
    else
      move_to_top(image, layer);
  }
}

void run(const gchar*, gint nparams, const GimpParam* param, gint* nreturn_vals,
         GimpParam** return_vals) {
  run_plugin(nreturn_vals, return_vals, [&](ReturnValues& result) {
    const GimpRunMode mode = run_mode_of(nparams, param);
    require_params(nparams, 3);
    const gint32 image = param[1].data.d_image;
    const gint32 drawable = param[2].data.d_drawable;
    HaOiiiValues values;
    const bool accepted = values_for_run(
        kHaOiiiProc, kHaOiiiBinary, mode, values,
        [&](HaOiiiValues& v) {
          require_params(nparams, 14);
          v.ha_layer = param[3].data.d_layer;
          v.oiii_layer = param[4].data.d_layer;
          v.stars_layer = param[5].data.d_layer;
          v.ha_hue = param[6].data.d_float;
          v.oiii_hue = param[7].data.d_float;
          v.saturation = param[8].data.d_float;
          v.lightness = param[9].data.d_float;
          v.ha_blur = param[10].data.d_float;
          v.oiii_blur = param[11].data.d_float;
          v.ha_black_point = param[12].data.d_float;
          v.oiii_black_point = param[13].data.d_float;
        },
        [&](HaOiiiValues& v) {
          require_image(image);
          require_rgb(image, _("Colourising Ha and OIII"));
          return run_haoiii_dialog(image, drawable, v);
        });
    if (!accepted) {
      result.fail(GIMP_PDB_CANCEL, {});
      return;
    }
    colourise_and_screen(image, values);
    finish_run(kHaOiiiProc, mode, values);
    result.succeed();
  });
}

}  // namespace

const GimpPlugInInfo PLUG_IN_INFO = {nullptr, nullptr, query, run};

MAIN()
