// SPDX-License-Identifier: GPL-3.0-or-later
#include "layer_order.hpp"

#include <algorithm>
#include <vector>

#include "astropack/error.hpp"
#include "i18n.hpp"

namespace astropack::gimp {

namespace {

// Top level is parent 0 for gimp_image_reorder_item.
gint32 parent_of(gint32 item) {
  const gint32 parent = gimp_item_get_parent(item);
  return parent > 0 ? parent : 0;
}

void reorder(gint32 image, gint32 layer, gint32 parent, gint position) {
  if (!gimp_image_reorder_item(image, layer, parent, position))
    throw Error(ErrorKind::Internal, _("GIMP could not move the layer."));
}

// Layers in stacking order, top first, descending into groups.
void collect(gint32 image, gint32 group, std::vector<gint32>& out) {
  gint count = 0;
  gint32* layers = group > 0 ? gimp_item_get_children(group, &count)
                             : gimp_image_get_layers(image, &count);
  for (gint i = 0; i < count; ++i) {
    out.push_back(layers[i]);
    if (gimp_item_is_group(layers[i])) collect(image, layers[i], out);
  }
  g_free(layers);
}

}  // namespace

void move_to_top(gint32 image, gint32 layer) { reorder(image, layer, 0, 0); }

void place_beneath(gint32 image, gint32 layer, gint32 anchor) {
  const gint32 parent = parent_of(anchor);
  gint position = gimp_image_get_item_position(image, anchor);
  // Taken out from above the anchor, the layer leaves the anchor one place higher.
  const bool above_in_same_group =
      parent_of(layer) == parent && gimp_image_get_item_position(image, layer) < position;
  if (!above_in_same_group) ++position;
  reorder(image, layer, parent, position);
}

gint32 topmost_in_mode(gint32 image, GimpLayerMode mode, GimpLayerMode legacy,
                       std::initializer_list<gint32> excluded) {
  std::vector<gint32> layers;
  collect(image, 0, layers);
  for (const gint32 layer : layers) {
    if (std::find(excluded.begin(), excluded.end(), layer) != excluded.end()) continue;
    if (gimp_item_is_group(layer)) continue;
    const GimpLayerMode m = gimp_layer_get_mode(layer);
    if (m == mode || m == legacy) return layer;
  }
  return -1;
}

}  // namespace astropack::gimp
