// SPDX-License-Identifier: GPL-3.0-or-later
// astropack-nebula-composite: Filters > Astronomy > Nebula Composite. Builds the
// workflow's whole layer stack in a new image from files or open layers; every
// layer's pixels come from the core functions `astropack compose` uses.
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <array>
#include <optional>
#include <string>

#include "astropack/error.hpp"
#include "astropack/image_file.hpp"
#include "gimp_progress.hpp"
#include "header_parasite.hpp"
#include "host.hpp"
#include "i18n.hpp"
#include "nebula_values.hpp"
#include "plugin_support.hpp"

namespace astropack::gimp {

NebulaCompositeParams nebula_params(const NebulaValues& values) {
  NebulaCompositeParams params;
  CompositeLayerParams* layers[kRoles] = {&params.stars, &params.ha, &params.oiii,
                                          &params.nebula};
  for (int role = 0; role < kRoles; ++role) {
    layers[role]->black_point = values.black_points[role];
    if (role != kNebula) layers[role]->opacity = values.opacities[role];
  }
  params.ha.blur = values.ha_blur;
  params.oiii.blur = values.oiii_blur;
  params.ha_hue = values.ha_hue;
  params.oiii_hue = values.oiii_hue;
  params.saturation = values.saturation;
  params.lightness = values.lightness;
  params.sharpen_stars = values.sharpen != FALSE;
  params.stars_sharpening.radius = values.radius;
  params.stars_sharpening.amount = values.amount;
  params.stars_sharpening.threshold = values.threshold;
  params.storage = Trc::Linear;
  params.validate();
  return params;
}

}  // namespace astropack::gimp

namespace {

using namespace astropack;
using namespace astropack::gimp;

const char* role_name(int role) {
  switch (role) {
    case kStars: return _("stars");
    case kHa: return "Ha";
    case kOiii: return "OIII";
    default: return _("nebula");
  }
}

void query() {
  install_filter(
      {kNebulaProc, N_("Build the nebula composite's layer stack from files or layers"),
       "Makes a new 32-bit float linear RGB image holding the workflow's layer stack, top "
       "first: 'stars' (black point, unsharp mask; lighten only), 'background' (normal: the "
       "visible nebula layers beneath the stars merged into one, as 'astropack compose' "
       "computes them without the stars), 'OIII' (black point, blur, colourised cyan; "
       "screen), 'Ha' (the same, red; screen) and 'nebula' (black point; normal) or, without "
       "a nebula, 'black'. Each source is a file (FITS or TIFF, read as 'astropack' reads it) "
       "or a layer of an open image (its numbers in linear light), not both; at least one; all "
       "of one size, grey or RGB. Every layer's pixels are computed by astropack's core. The "
       "image the menu is called from is not changed.",
       N_("_Nebula Composite..."), "*", "Unused (the sources are named below)", "Unused"},
      {
          param_def(GIMP_PDB_STRING, "stars-file", "Stars image file (FITS, TIFF), or \"\""),
          param_def(GIMP_PDB_STRING, "ha-file", "Ha image file, or \"\""),
          param_def(GIMP_PDB_STRING, "oiii-file", "OIII image file, or \"\""),
          param_def(GIMP_PDB_STRING, "nebula-file", "Nebula (base) image file, or \"\""),
          param_def(GIMP_PDB_LAYER, "stars-layer", "Stars layer of an open image, or -1"),
          param_def(GIMP_PDB_LAYER, "ha-layer", "Ha layer of an open image, or -1"),
          param_def(GIMP_PDB_LAYER, "oiii-layer", "OIII layer of an open image, or -1"),
          param_def(GIMP_PDB_LAYER, "nebula-layer", "Nebula layer of an open image, or -1"),
          param_def(GIMP_PDB_FLOAT, "stars-black-point", "Levels input low of the stars, 0..<1"),
          param_def(GIMP_PDB_FLOAT, "ha-black-point", "Levels input low of Ha, 0..<1"),
          param_def(GIMP_PDB_FLOAT, "oiii-black-point", "Levels input low of OIII, 0..<1"),
          param_def(GIMP_PDB_FLOAT, "nebula-black-point",
                    "Levels input low of the nebula, 0..<1"),
          param_def(GIMP_PDB_FLOAT, "ha-blur",
                    "Gaussian blur of Ha, standard deviation, pixels"),
          param_def(GIMP_PDB_FLOAT, "oiii-blur",
                    "Gaussian blur of OIII, standard deviation, pixels"),
          param_def(GIMP_PDB_FLOAT, "ha-hue", "Hue of Ha, degrees 0..360 (0 = red)"),
          param_def(GIMP_PDB_FLOAT, "oiii-hue", "Hue of OIII, degrees 0..360 (180 = cyan)"),
          param_def(GIMP_PDB_FLOAT, "saturation",
                    "Colourise saturation of Ha and OIII, 0..100"),
          param_def(GIMP_PDB_FLOAT, "lightness",
                    "Colourise lightness of Ha and OIII, -100..100"),
          param_def(GIMP_PDB_INT32, "sharpen", "1 = unsharp mask on the stars, 0 = none"),
          param_def(GIMP_PDB_FLOAT, "radius",
                    "Unsharp mask radius (standard deviation, pixels)"),
          param_def(GIMP_PDB_FLOAT, "amount", "Unsharp mask amount, 0..300"),
          param_def(GIMP_PDB_FLOAT, "threshold", "Unsharp mask threshold, 0..1"),
          param_def(GIMP_PDB_FLOAT, "stars-opacity", "Opacity of the stars layer, 0..1"),
          param_def(GIMP_PDB_FLOAT, "ha-opacity", "Opacity of the Ha layer, 0..1"),
          param_def(GIMP_PDB_FLOAT, "oiii-opacity", "Opacity of the OIII layer, 0..1"),
      },
      {param_def(GIMP_PDB_IMAGE, "new-image", "The composite")});
}

struct Sources {
  std::array<std::optional<Image>, kRoles> images;
  std::optional<Header> header;  // of the first file
};

// Reads every source and checks they fit together, before any image is made.
Sources read_sources(const NebulaValues& values, Progress& progress) {
  Sources sources;
  int first = -1;
  for (int role = 0; role < kRoles; ++role) {
    const std::string file = values.files[role];
    const gint32 layer = values.layers[role];
    if (!file.empty() && layer != -1)
      throw Error(ErrorKind::InvalidArgument,
                  format_text(_("Both a file and a layer were given for the %s; choose one."),
                              role_name(role)));
    if (!file.empty()) {
      sources.images[role] = read_image(file);
      if (!sources.header) sources.header = sources.images[role]->header();
    } else if (layer != -1) {
      if (!gimp_item_is_valid(layer) || !gimp_item_is_layer(layer))
        throw Error(ErrorKind::InvalidArgument,
                    format_text(_("The %s layer is missing; choose an existing layer."),
                                role_name(role)));
      require_image(gimp_item_get_image(layer));
      sources.images[role] = read_drawable_as(layer, Trc::Linear, progress);
    } else {
      continue;
    }
    const Image& image = *sources.images[role];
    if (image.channels() != 1 && image.channels() != 3)
      throw Error(ErrorKind::InvalidInput,
                  format_text(_("The %s image has %lu channels; a layer must be grey or RGB."),
                              role_name(role), static_cast<unsigned long>(image.channels())));
    if (first == -1) {
      first = role;
    } else {
      const Image& other = *sources.images[first];
      if (image.width() != other.width() || image.height() != other.height())
        throw Error(ErrorKind::InvalidInput,
                    format_text(_("The %s image is %lu x %lu pixels but the %s image is %lu x "
                                  "%lu; all layers must have the same size (crop or register "
                                  "them first)."),
                                role_name(role), static_cast<unsigned long>(image.width()),
                                static_cast<unsigned long>(image.height()), role_name(first),
                                static_cast<unsigned long>(other.width()),
                                static_cast<unsigned long>(other.height())));
    }
  }
  if (first == -1)
    throw Error(ErrorKind::InvalidArgument,
                _("Give at least one source: the stars, Ha, OIII or nebula file or layer."));
  return sources;
}

std::optional<ConstImageView> view_of(const std::optional<Image>& image) {
  if (!image) return std::nullopt;
  return ConstImageView(image->view());
}

gint32 build_composite(const NebulaValues& values) {
  const NebulaCompositeParams params = nebula_params(values);
  GimpProgress progress(_("Building the nebula composite"));
  const Sources sources = read_sources(values, progress);
  const auto& in = sources.images;

  // Every layer is computed before GIMP gets an image.
  std::optional<Image> stars, ha, oiii, nebula;
  if (in[kNebula]) nebula = prepared_layer(in[kNebula]->view(), params.nebula, params.storage);
  if (in[kHa]) ha = coloured_layer(in[kHa]->view(), params.ha, params.ha_hue, params);
  if (in[kOiii]) oiii = coloured_layer(in[kOiii]->view(), params.oiii, params.oiii_hue, params);
  progress.report(0.4, {});
  std::optional<Image> background;
  if (in[kHa] || in[kOiii] || in[kNebula]) {
    NebulaLayers beneath;
    beneath.nebula = view_of(in[kNebula]);
    beneath.ha = view_of(in[kHa]);
    beneath.oiii = view_of(in[kOiii]);
    background = compose_nebula(beneath, params, progress);
  }
  if (in[kStars]) stars = stars_layer(in[kStars]->view(), params);
  progress.report(0.8, {});

  const Image* any = nullptr;
  for (const auto& image : in)
    if (image) any = &*image;
  const gint32 image = gimp_image_new_with_precision(
      gint(any->width()), gint(any->height()), GIMP_RGB, GIMP_PRECISION_FLOAT_LINEAR);
  if (image == -1) throw Error(ErrorKind::Internal, _("GIMP could not create the image."));
  try {
    gimp_image_undo_disable(image);
    // Inserted bottom first: each new layer goes on top.
    if (nebula) {
      new_layer(image, nebula->view(), _("nebula"), progress);
    } else {
      const Image black(any->width(), any->height(), 3, 0.0f);
      new_layer(image, black.view(), _("black"), progress);
    }
    if (ha)
      new_layer(image, ha->view(), "Ha", progress, GIMP_LAYER_MODE_SCREEN,
                100.0 * params.ha.opacity);
    if (oiii)
      new_layer(image, oiii->view(), "OIII", progress, GIMP_LAYER_MODE_SCREEN,
                100.0 * params.oiii.opacity);
    if (background) new_layer(image, background->view(), _("background"), progress);
    if (stars)
      new_layer(image, stars->view(), _("stars"), progress, GIMP_LAYER_MODE_LIGHTEN_ONLY,
                100.0 * params.stars.opacity);
    if (sources.header) attach_header(image, *sources.header);
    gimp_image_undo_enable(image);
  } catch (...) {
    gimp_image_delete(image);
    throw;
  }
  progress.report(1.0, {});
  return image;
}

void copy_file_name(gchar (&target)[1024], const gchar* source) {
  g_strlcpy(target, source != nullptr ? source : "", sizeof target);
}

void run(const gchar*, gint nparams, const GimpParam* param, gint* nreturn_vals,
         GimpParam** return_vals) {
  run_plugin(nreturn_vals, return_vals, [&](ReturnValues& result) {
    const GimpRunMode mode = run_mode_of(nparams, param);
    static NebulaValues values;  // large: not on the stack
    values = NebulaValues{};
    const bool accepted = values_for_run(
        kNebulaProc, kNebulaBinary, mode, values,
        [&](NebulaValues& v) {
          require_params(nparams, 28);
          for (int role = 0; role < kRoles; ++role) {
            copy_file_name(v.files[role], param[3 + role].data.d_string);
            v.layers[role] = param[7 + role].data.d_layer;
            v.black_points[role] = param[11 + role].data.d_float;
          }
          v.ha_blur = param[15].data.d_float;
          v.oiii_blur = param[16].data.d_float;
          v.ha_hue = param[17].data.d_float;
          v.oiii_hue = param[18].data.d_float;
          v.saturation = param[19].data.d_float;
          v.lightness = param[20].data.d_float;
          v.sharpen = param[21].data.d_int32 != 0;
          v.radius = param[22].data.d_float;
          v.amount = param[23].data.d_float;
          v.threshold = param[24].data.d_float;
          v.opacities[kStars] = param[25].data.d_float;
          v.opacities[kHa] = param[26].data.d_float;
          v.opacities[kOiii] = param[27].data.d_float;
        },
        [](NebulaValues& v) { return run_nebula_dialog(v); });
    if (!accepted) {
      result.fail(GIMP_PDB_CANCEL, {});
      return;
    }
    const gint32 image = build_composite(values);
    if (mode != GIMP_RUN_NONINTERACTIVE) gimp_display_new(image);
    finish_run(kNebulaProc, mode, values);
    result.succeed_with_image(image);
  });
}

}  // namespace

const GimpPlugInInfo PLUG_IN_INFO = {nullptr, nullptr, query, run};

MAIN()
