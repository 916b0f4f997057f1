// SPDX-License-Identifier: GPL-3.0-or-later
// The workflow's layer stack from the GIMP-equivalent operations; see nebula_composite.hpp.
#include "astropack/nebula_composite.hpp"

#include <algorithm>

#include "astropack/blend.hpp"
#include "astropack/colourise.hpp"
#include "astropack/error.hpp"
#include "astropack/gaussian_blur.hpp"
#include "astropack/levels.hpp"
#include "describe_number.hpp"

namespace astropack {

namespace {

void validate_layer(const CompositeLayerParams& p, const char* name) {
  std::string prefix = "the ";
  prefix.append(name);
  if (!(p.black_point >= 0.0 && p.black_point < 1.0))
    throw Error(ErrorKind::InvalidArgument,
                prefix + " black point must be at least 0 and below 1.");
  if (!(p.blur >= 0.0 && p.blur <= 1500.0))
    throw Error(ErrorKind::InvalidArgument, prefix + " blur must be between 0 and 1500 pixels.");
  if (!(p.opacity >= 0.0 && p.opacity <= 1.0))
    throw Error(ErrorKind::InvalidArgument, prefix + " opacity must be between 0 and 1.");
}

// An RGB working copy of a layer (grey repeated into the three channels).
Image rgb_copy(ConstImageView view) {
  Image out(view.width(), view.height(), 3);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < view.height(); ++y)
      std::copy_n(view.row(view.channels() == 1 ? 0 : c, y), view.width(), out.row(c, y));
  return out;
}

}  // namespace

void NebulaCompositeParams::validate() const {
  validate_layer(nebula, "nebula");
  validate_layer(ha, "Ha");
  validate_layer(oiii, "OIII");
  validate_layer(stars, "stars");
  ColouriseParams colour;
  colour.saturation = saturation;
  colour.lightness = lightness;
  colour.hue = ha_hue;
  colour.validate();
  colour.hue = oiii_hue;
  colour.validate();
  if (sharpen_stars) stars_sharpening.validate();
}

Image prepared_layer(ConstImageView view, const CompositeLayerParams& p, Trc storage) {
  Image layer(view.width(), view.height(), view.channels());
  for (std::size_t c = 0; c < view.channels(); ++c)
    for (std::size_t y = 0; y < view.height(); ++y)
      std::copy_n(view.row(c, y), view.width(), layer.row(c, y));
  if (p.black_point > 0.0) {
    LevelsParams levels_params;
    levels_params.black_point = p.black_point;
    levels_params.storage = storage;
    levels(layer.view(), levels_params);
  }
  if (p.blur > 0.0) {
    GaussianBlurParams blur;
    blur.std_dev_x = blur.std_dev_y = p.blur;
    blur.working = blur.storage = storage;
    gaussian_blur(layer.view(), blur);
  }
  return layer;
}

Image coloured_layer(ConstImageView view, const CompositeLayerParams& p, double hue,
                     const NebulaCompositeParams& params) {
  const Image layer = prepared_layer(view, p, params.storage);
  ColouriseParams colour;
  colour.hue = hue;
  colour.saturation = params.saturation;
  colour.lightness = params.lightness;
  colour.storage = params.storage;
  return colourise(layer.view(), colour);
}

Image stars_layer(ConstImageView view, const NebulaCompositeParams& params) {
  Image stars = prepared_layer(view, params.stars, params.storage);
  if (params.sharpen_stars) {
    UnsharpMaskParams sharpen = params.stars_sharpening;
    sharpen.storage = params.storage;
    unsharp_mask(stars.view(), sharpen);
  }
  return stars;
}

Image compose_nebula(const NebulaLayers& layers, const NebulaCompositeParams& params,
                     Progress& progress) {
  params.validate();
  const std::optional<ConstImageView>* all[] = {&layers.nebula, &layers.ha, &layers.oiii,
                                                &layers.stars};
  const ConstImageView* first = nullptr;
  for (const auto* layer : all) {
    if (!layer->has_value()) continue;
    const ConstImageView& view = **layer;
    if (view.channels() != 1 && view.channels() != 3)
      throw Error(ErrorKind::InvalidArgument, "every layer must be a grey or an RGB image.");
    if (!first)
      first = &view;
    else if (view.width() != first->width() || view.height() != first->height())
      throw Error(ErrorKind::InvalidArgument,
                  "all layers of the composite must have the same size.");
  }
  if (!first) throw Error(ErrorKind::InvalidArgument, "the composite needs at least one layer.");

  // The bottom layer in normal mode over nothing is the layer itself.
  Image result = layers.nebula ? rgb_copy(prepared_layer(*layers.nebula, params.nebula,
                                                        params.storage).view())
                               : Image(first->width(), first->height(), 3, 0.0f);
  if (layers.nebula && params.nebula.opacity < 1.0) {
    // A partly transparent bottom layer over the black background.
    Image black(first->width(), first->height(), 3, 0.0f);
    BlendParams normal;
    normal.opacity = params.nebula.opacity;
    normal.storage = params.storage;
    blend(black.view(), result.view(), normal);
    result = std::move(black);
  }
  progress.report(0.25, "nebula");
  throw_if_cancelled(progress);

  auto add_colour_layer = [&](const std::optional<ConstImageView>& view,
                              const CompositeLayerParams& p, double hue) {
    if (!view) return;
    const Image coloured = coloured_layer(*view, p, hue, params);
    BlendParams screen;
    screen.mode = BlendMode::Screen;
    screen.opacity = p.opacity;
    screen.storage = params.storage;
    blend(result.view(), coloured.view(), screen);
  };
  add_colour_layer(layers.ha, params.ha, params.ha_hue);
  progress.report(0.5, "Ha");
  throw_if_cancelled(progress);
  add_colour_layer(layers.oiii, params.oiii, params.oiii_hue);
  progress.report(0.75, "OIII");
  throw_if_cancelled(progress);

  if (layers.stars) {
    const Image stars = stars_layer(*layers.stars, params);
    BlendParams lighten;
    lighten.mode = BlendMode::LightenOnly;
    lighten.opacity = params.stars.opacity;
    lighten.storage = params.storage;
    blend(result.view(), stars.view(), lighten);
  }
  progress.report(1.0, "stars");
  return result;
}

std::string describe(const NebulaCompositeParams& p) {
  using compositing_detail::number_text;
  std::string text = "compose";
  auto layer = [&](const char* name, const CompositeLayerParams& l) {
    text.append(" ").append(name).append("=black:").append(number_text(l.black_point));
    text.append(",blur:").append(number_text(l.blur));
    text.append(",opacity:").append(number_text(l.opacity));
  };
  layer("nebula", p.nebula);
  layer("ha", p.ha);
  layer("oiii", p.oiii);
  layer("stars", p.stars);
  text.append(" hues=").append(number_text(p.ha_hue)).append("/").append(number_text(p.oiii_hue));
  text.append(" saturation=").append(number_text(p.saturation));
  text.append(" lightness=").append(number_text(p.lightness));
  if (p.sharpen_stars) {
    text.append(" unsharp=").append(number_text(p.stars_sharpening.radius)).append("/");
    text.append(number_text(p.stars_sharpening.amount)).append("/");
    text.append(number_text(p.stars_sharpening.threshold));
  }
  text.append(" trc=").append(to_string(p.storage));
  return text;
}

}  // namespace astropack
