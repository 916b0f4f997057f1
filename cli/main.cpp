// SPDX-License-Identifier: GPL-3.0-or-later
// The astropack command: a standalone calibrator/stacker and the pack's
// post-processing operations, one subcommand each.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "astropack/error.hpp"
#include "astropack_config.h"
#include "commands.hpp"
#include "terminal_progress.hpp"

int main(int argc, char** argv) {
  using namespace astropack;
  CLI::App app{"astropack: calibrate, stack and finish deep-sky images; Siril and GIMP companion.",
               "astropack"};
  app.set_version_flag("--version", std::string("astropack ") + ASTROPACK_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  cli::GlobalOptions global;
  app.add_flag("-q,--quiet", global.quiet, "No progress bar and no informational messages");

  cli::add_info_command(app, global);
  cli::add_simulate_command(app, global);
  cli::add_master_command(app, global);
  cli::add_stack_command(app, global);
  cli::add_convert_command(app, global);
  cli::add_calibrate_command(app, global);
  cli::add_debayer_command(app, global);
  cli::add_scnr_command(app, global);
  cli::add_stretch_command(app, global);
  cli::add_noise_command(app, global);
  cli::add_extract_haoiii_command(app, global);
  cli::add_palette_command(app, global);
  cli::add_pixelmath_command(app, global);
  cli::add_compose_command(app, global);
  cli::add_blend_command(app, global);
  cli::add_colourise_command(app, global);
  cli::add_levels_command(app, global);
  cli::add_blur_command(app, global);
  cli::add_unsharp_command(app, global);
  cli::add_crop_command(app, global);
  cli::add_background_command(app, global);
  cli::add_starless_command(app, global);
  cli::add_register_command(app, global);
  cli::add_select_command(app, global);
  cli::add_stars_command(app, global);

  cli::install_interrupt_handler();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, like every other error, and the documented status for bad options.
    std::fprintf(stderr, "astropack: %s (see 'astropack --help')\n", e.what());
    return exit_status_for(ErrorKind::InvalidArgument);
  } catch (const Error& e) {
    std::fprintf(stderr, "astropack: %s\n", e.what());
    return exit_status_for(e.kind());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "astropack: not enough memory for this work; try a smaller --memory budget or fewer frames.\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "astropack: internal error: %s (please report this)\n", e.what());
    return exit_status_for(ErrorKind::Internal);
  }
  return 0;
}
