// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack debayer IN... -o OUTDIR [--method rcd|bilinear]`: CFA frames
// demosaiced into RGB FITS (planes R, G, B), BAYERPAT dropped, ROWORDER kept.
// Outputs are <prefix><input name>.fit; inputs numbered alike also get a .seq.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "astropack/debayer.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/image_file.hpp"
#include "astropack/output_file.hpp"
#include "astropack/seq.hpp"
#include "commands.hpp"
#include "input_files.hpp"
#include "sequence_names.hpp"
#include "terminal_progress.hpp"

namespace astropack::cli {

namespace fs = std::filesystem;

namespace {

struct DebayerArgs {
  std::vector<fs::path> inputs;
  fs::path output;
  std::string method = "rcd";
  std::string prefix;
  bool sixteen_bits = false;
};

void run_debayer(const DebayerArgs& a, const GlobalOptions& global) {
  check_name_prefix(a.prefix);
  const std::vector<fs::path> files = expand_inputs(a.inputs);
  if (files.empty())
    throw Error(ErrorKind::InvalidArgument, "no frames given; name files or a folder.");
  prepare_output_folder(a.output);
  const OutputNames names = output_names(files, a.prefix, a.output, /*renumber=*/false);
  for (const fs::path& target : names.files) refuse_output_over_input(target, files);
  const DemosaicMethod method = *parse_demosaic_method(a.method);
  TerminalProgress progress(!global.quiet);
  for (std::size_t i = 0; i < files.size(); ++i) {
    throw_if_cancelled(progress);
    progress.report(static_cast<double>(i) / static_cast<double>(files.size()), "debayering");
    Image rgb;
    try {
      rgb = debayer(read_image(files[i]), method);
    } catch (const Error& e) {
      if (!e.file().empty()) throw;
      throw Error(e.kind(), files[i], e.sentence());  // name the frame the sentence is about
    }
    write_fits(names.files[i], rgb, a.sixteen_bits ? SampleFormat::UInt16 : SampleFormat::Float32);
  }
  progress.report(1.0, "debayering");
  if (names.is_sequence) {
    Sequence sequence = names.sequence;
    sequence.layers = 3;
    write_seq(seq_path(a.output, sequence.name), sequence);
  }
  if (!global.quiet) {
    std::printf("%s: %zu frame%s debayered (%s) -> %s%s%s\n", a.output.string().c_str(),
                files.size(), files.size() == 1 ? "" : "s", a.method.c_str(),
                names.files.front().filename().string().c_str(),
                files.size() > 1 ? (" ... " + names.files.back().filename().string()).c_str() : "",
                names.is_sequence ? (" and " + names.sequence.name + ".seq").c_str() : "");
  }
}

}  // namespace

void add_debayer_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<DebayerArgs>();
  CLI::App* sub = app.add_subcommand(
      "debayer", "Demosaic Bayer CFA frames into RGB FITS (planes R, G, B)");
  sub->add_option("inputs", a->inputs, "CFA frames (FITS, TIFF or camera raw), or folders of them")
      ->required();
  sub->add_option("-o,--output", a->output, "Output folder (created if missing)")->required();
  sub->add_option("--method", a->method, "rcd (ratio-corrected, Siril's default) or bilinear")
      ->capture_default_str()
      ->check(CLI::IsMember({"rcd", "bilinear"}));
  sub->add_option("--prefix", a->prefix, "Prefix of the output names (default: none)");
  sub->add_flag("--16bit", a->sixteen_bits, "Write 16-bit FITS instead of 32-bit float");
  sub->callback([a, &global] { run_debayer(*a, global); });
}

}  // namespace astropack::cli
