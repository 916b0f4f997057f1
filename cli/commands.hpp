// SPDX-License-Identifier: GPL-3.0-or-later
// Each subcommand registers itself on the application and runs from a callback.
// A command reports problems by throwing astropack::Error; main() prints it.
#pragma once

namespace CLI {
class App;
}

namespace astropack::cli {

struct GlobalOptions {
  bool quiet = false;  // no progress bar, no chatter
};

void add_info_command(CLI::App& app, const GlobalOptions& global);
void add_simulate_command(CLI::App& app, const GlobalOptions& global);
void add_master_command(CLI::App& app, const GlobalOptions& global);
void add_stack_command(CLI::App& app, const GlobalOptions& global);
void add_convert_command(CLI::App& app, const GlobalOptions& global);
void add_calibrate_command(CLI::App& app, const GlobalOptions& global);
void add_debayer_command(CLI::App& app, const GlobalOptions& global);
void add_scnr_command(CLI::App& app, const GlobalOptions& global);
void add_stretch_command(CLI::App& app, const GlobalOptions& global);
void add_noise_command(CLI::App& app, const GlobalOptions& global);
void add_extract_haoiii_command(CLI::App& app, const GlobalOptions& global);
void add_palette_command(CLI::App& app, const GlobalOptions& global);
void add_pixelmath_command(CLI::App& app, const GlobalOptions& global);
void add_compose_command(CLI::App& app, const GlobalOptions& global);
void add_blend_command(CLI::App& app, const GlobalOptions& global);
void add_colourise_command(CLI::App& app, const GlobalOptions& global);
void add_levels_command(CLI::App& app, const GlobalOptions& global);
void add_blur_command(CLI::App& app, const GlobalOptions& global);
void add_unsharp_command(CLI::App& app, const GlobalOptions& global);
void add_crop_command(CLI::App& app, const GlobalOptions& global);
void add_background_command(CLI::App& app, const GlobalOptions& global);
void add_starless_command(CLI::App& app, const GlobalOptions& global);
void add_register_command(CLI::App& app, const GlobalOptions& global);
void add_select_command(CLI::App& app, const GlobalOptions& global);
void add_stars_command(CLI::App& app, const GlobalOptions& global);

}  // namespace astropack::cli
