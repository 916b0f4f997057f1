// SPDX-License-Identifier: GPL-3.0-or-later
#include "plugin_support.hpp"

#include <gegl.h>

#include <vector>

#include "astropack/error.hpp"
#include "i18n.hpp"

namespace astropack::gimp {

GimpParamDef param_def(GimpPDBArgType type, const char* name, const char* description) {
  return {type, const_cast<gchar*>(name), const_cast<gchar*>(description)};
}

void install_filter(const FilterProcedure& procedure, std::initializer_list<GimpParamDef> args,
                    std::initializer_list<GimpParamDef> returns) {
  init_i18n();
  gimp_plugin_domain_register(GETTEXT_PACKAGE, locale_dir());
  std::vector<GimpParamDef> all = {
      param_def(GIMP_PDB_INT32, "run-mode",
                "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1), "
                "RUN-WITH-LAST-VALS (2) }"),
      param_def(GIMP_PDB_IMAGE, "image", procedure.image_doc),
      param_def(GIMP_PDB_DRAWABLE, "drawable", procedure.drawable_doc),
  };
  all.insert(all.end(), args.begin(), args.end());
  const std::vector<GimpParamDef> values(returns);
  gimp_install_procedure(procedure.name, procedure.blurb, procedure.help, "astropack",
                         "astropack contributors, GPL-3.0-or-later", "2025",
                         procedure.menu_label, procedure.image_types, GIMP_PLUGIN,
                         gint(all.size()), gint(values.size()), all.data(),
                         values.empty() ? nullptr : values.data());
  gimp_plugin_menu_register(procedure.name, "<Image>/Filters/Astronomy");
}

void run_plugin(gint* nreturn_vals, GimpParam** return_vals,
                const std::function<void(ReturnValues&)>& body) noexcept {
  // GIMP reads the values after run() has returned.
  static ReturnValues result;
  const Outcome outcome = guarded([&] {
    init_i18n();
    gegl_init(nullptr, nullptr);
    body(result);
  });
  if (!outcome.ok()) result.fail(outcome);
  result.publish(nreturn_vals, return_vals);
}

GimpRunMode run_mode_of(gint nparams, const GimpParam* param) {
  if (nparams < 1) throw Error(ErrorKind::InvalidArgument, _("The run mode is missing."));
  return static_cast<GimpRunMode>(param[0].data.d_int32);
}

void require_params(gint nparams, gint expected) {
  if (nparams < expected)
    throw Error(ErrorKind::InvalidArgument,
                format_text(_("The procedure needs %d parameters but was given %d; the "
                              "procedure browser lists them."),
                            static_cast<int>(expected), static_cast<int>(nparams)));
}

UndoGroup::UndoGroup(gint32 image) : m_image(image) { gimp_image_undo_group_start(image); }

UndoGroup::~UndoGroup() { gimp_image_undo_group_end(m_image); }

SelectionSetAside::SelectionSetAside(gint32 image) : m_image(image) {
  if (gimp_selection_is_empty(image)) return;
  m_saved = gimp_selection_save(image);
  gimp_selection_none(image);
}

SelectionSetAside::~SelectionSetAside() {
  if (m_saved == -1) return;
  gimp_image_select_item(m_image, GIMP_CHANNEL_OP_REPLACE, m_saved);
  gimp_image_remove_channel(m_image, m_saved);
}

void require_image(gint32 image) {
  if (!gimp_image_is_valid(image))
    throw Error(ErrorKind::InvalidArgument, _("The image does not exist (any more)."));
  if (gimp_image_base_type(image) == GIMP_INDEXED)
    throw Error(ErrorKind::Unsupported,
                _("Indexed images have too few colours for astronomical data; convert the image "
                  "to RGB first (Image > Mode > RGB)."));
}

void require_layer(gint32 image, gint32 layer, const std::string& role) {
  if (layer == -1 || !gimp_item_is_valid(layer) || !gimp_item_is_layer(layer))
    throw Error(ErrorKind::InvalidArgument,
                format_text(_("The %s layer is missing; choose an existing layer of the image."),
                            role.c_str()));
  if (gimp_item_get_image(layer) != image)
    throw Error(ErrorKind::InvalidArgument,
                format_text(_("The %s layer belongs to another image; choose a layer of this "
                              "image."),
                            role.c_str()));
}

void require_rgb(gint32 image, const std::string& operation) {
  if (gimp_image_base_type(image) != GIMP_RGB)
    throw Error(ErrorKind::Unsupported,
                format_text(_("%s needs colour, and this image is grey; convert it to RGB first "
                              "(Image > Mode > RGB)."),
                            operation.c_str()));
}

void require_same_size(gint32 layer, const std::string& role, gint32 other,
                       const std::string& other_role) {
  const gint w = gimp_drawable_width(layer), h = gimp_drawable_height(layer);
  const gint ow = gimp_drawable_width(other), oh = gimp_drawable_height(other);
  if (w != ow || h != oh)
    throw Error(ErrorKind::InvalidInput,
                format_text(_("The %s layer is %d x %d pixels but the %s layer is %d x %d; the "
                              "layers must have the same size (Layer > Layer to Image Size, or "
                              "crop or register them first)."),
                            role.c_str(), static_cast<int>(w), static_cast<int>(h),
                            other_role.c_str(), static_cast<int>(ow), static_cast<int>(oh)));
}

std::string item_name(gint32 item) {
  gchar* name = gimp_item_get_name(item);
  std::string text(name != nullptr ? name : "");
  g_free(name);
  return text;
}

}  // namespace astropack::gimp
