// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack stack FILES|DIR|SEQ -o OUT.fit`: registered light frames stacked
// through the integration engine, registration applied on the fly.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <memory>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/light_stack.hpp"
#include "astropack/output_file.hpp"
#include "astropack/seq.hpp"
#include "commands.hpp"
#include "input_files.hpp"
#include "integration_args.hpp"
#include "terminal_progress.hpp"

namespace astropack::cli {

namespace fs = std::filesystem;

namespace {

struct StackArgs {
  fs::path output;
  std::vector<fs::path> inputs;
  IntegrationArgs integration;
  std::string weights = "noise";
  std::string framing = "reference";
  std::string interpolation = "lanczos3";
  bool no_clamp = false;
  std::string demosaic = "rcd";
  int reference = 0;  // 1-based; 0 = the sequence's reference, or the first frame
  bool maps = false;
};

// The frames of a Siril sequence that are selected, with the registration the
// .seq holds: astropack's full transform, or else Siril's shift (siril-compat.md
// 2.4: the frame is moved by the shift, so reference -> frame is the opposite shift).
struct SequenceInput {
  std::vector<LightFrame> frames;
  int reference = -1;     // index into frames
  std::size_t excluded = 0;
  bool registered = false;
};

fs::path sequence_frame_file(const fs::path& folder, const Sequence& seq, std::size_t index) {
  for (const char* ext : {".fit", ".fits", ".fts"}) {
    const fs::path candidate = folder / seq.frame_file_name(index, ext);
    if (fs::exists(candidate)) return candidate;
  }
  return folder / seq.frame_file_name(index);
}

SequenceInput read_sequence_input(const fs::path& seq_file) {
  const Sequence seq = read_seq(seq_file);
  if (seq.type != SeqType::Regular) {
    throw Error(ErrorKind::Unsupported, seq_file,
                "is a FITS cube, SER or film sequence; stack a sequence of single FITS files.");
  }
  SequenceInput input;
  const fs::path folder = seq_file.parent_path();
  for (std::size_t i = 0; i < seq.frames.size(); ++i) {
    const SeqFrame& f = seq.frames[i];
    if (!f.included) {
      ++input.excluded;
      continue;
    }
    LightFrame frame;
    frame.file = sequence_frame_file(folder, seq, i);
    if (f.transform) {
      frame.transform = f.transform;
    } else if (!f.registration.empty()) {
      frame.transform = Transform::shift(-f.registration[0].shift_x, -f.registration[0].shift_y);
    }
    input.registered = input.registered || frame.transform.has_value();
    if (int(i) == seq.reference) input.reference = int(input.frames.size());
    input.frames.push_back(std::move(frame));
  }
  if (input.registered) {
    for (LightFrame& frame : input.frames)
      if (!frame.transform) frame.failure = "has no registration in the sequence.";
  }
  return input;
}

LightStackOptions options_from(const StackArgs& a) {
  LightStackOptions o = default_light_stack_options();
  apply_integration_args(a.integration, o.integration, o.auto_rejection);
  o.weighting = *parse_stack_weighting(a.weights);
  o.framing = *parse_framing(a.framing);
  o.resample.interpolation = parse_interpolation(a.interpolation);
  o.resample.clamp = !a.no_clamp;
  o.demosaic = *parse_demosaic_method(a.demosaic);
  o.coverage_map = a.maps;
  if (a.maps) o.integration.rejection_maps = true;
  return o;
}

}  // namespace

void add_stack_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<StackArgs>();
  CLI::App* sub = app.add_subcommand(
      "stack", "Stack registered light frames (registration applied on the fly, no r_ files)");
  sub->add_option("-o,--output", a->output, "Stacked FITS file to write (32-bit float)")->required();
  sub->add_option("inputs", a->inputs,
                  "A registered Siril sequence (.seq), or light frames (FITS or TIFF) or folders of them");
  add_integration_options(sub, a->integration, "additive-scale");
  sub->add_option("--weights,--weight", a->weights, "none, exposure, noise, snr or psf")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "exposure", "noise", "snr", "psf"}));
  sub->add_option("--framing", a->framing,
                  "reference (the reference frame's area) or common (cropped to the area every frame covers)")
      ->capture_default_str()
      ->check(CLI::IsMember({"reference", "common"}));
  sub->add_option("--interpolation", a->interpolation, "lanczos3, bicubic, bilinear or nearest")
      ->capture_default_str()
      ->check(CLI::IsMember({"lanczos3", "bicubic", "bilinear", "nearest"}));
  sub->add_flag("--no-clamp", a->no_clamp, "Do not clamp Lanczos and bicubic against ringing");
  sub->add_option("--demosaic", a->demosaic, "Colour (CFA) frames: rcd or bilinear")
      ->capture_default_str()
      ->check(CLI::IsMember({"rcd", "bilinear"}));
  sub->add_option("--reference", a->reference,
                  "Reference frame, 1-based in input order (default: the sequence's, or the first)");
  sub->add_flag("--maps", a->maps,
                "Also write OUT_low.fit, OUT_high.fit (fraction of frames rejected) and "
                "OUT_coverage.fit (summed weights of the frames covering each pixel)");
  sub->callback([a, &global] {
    const LightStackOptions options = options_from(*a);
    std::vector<LightFrame> frames;
    int reference = -1;
    std::size_t excluded = 0;
    bool registered = false;
    if (a->inputs.size() == 1 && a->inputs.front().extension() == ".seq") {
      SequenceInput input = read_sequence_input(a->inputs.front());
      frames = std::move(input.frames);
      reference = input.reference;
      excluded = input.excluded;
      registered = input.registered;
    } else {
      for (const fs::path& file : expand_inputs(a->inputs)) frames.push_back(LightFrame{file, {}, {}, 0});
    }
    if (frames.empty()) throw Error(ErrorKind::InvalidArgument, "no light frames were given to stack.");
    if (!registered) {
      throw Error(ErrorKind::InvalidInput,
                  "the frames carry no registration; register them with astropack register "
                  "(it writes a sequence to stack) or give a registered Siril sequence.");
    }
    if (a->reference > 0) {
      if (std::size_t(a->reference) > frames.size())
        throw Error(ErrorKind::InvalidArgument, "--reference is larger than the number of frames.");
      reference = a->reference - 1;
    }
    if (reference < 0) reference = 0;

    std::vector<fs::path> files;
    for (const LightFrame& f : frames) files.push_back(f.file);
    refuse_output_over_input(a->output, files);
    OutputFile check_folder(a->output);  // fail early if it cannot be written
    TerminalProgress progress(!global.quiet);
    const LightStackResult result = stack_lights(frames, std::size_t(reference), options, progress);
    for (const LightFrame& f : result.left_out)
      std::fprintf(stderr, "astropack: warning: %s: %s It is left out.\n", f.file.string().c_str(),
                   f.failure.c_str());
    write_fits(a->output, result.integration.image, SampleFormat::Float32);
    const bool mean = options.integration.combination == Combination::Mean;
    if (options.integration.rejection_maps && mean) write_rejection_maps(a->output, result.integration);
    if (a->maps) {
      write_fits(companion_path(a->output, "_coverage"), result.coverage.view(), Header{},
                 SampleFormat::Float32);
    }
    if (!global.quiet) {
      std::printf("%s: stack of %zu lights", a->output.string().c_str(), result.stacked.size());
      if (!result.left_out.empty()) std::printf(" (%zu left out)", result.left_out.size());
      if (excluded > 0) std::printf(" (%zu not selected in the sequence)", excluded);
      std::printf(", %zu x %zu%s\n", result.integration.image.width(), result.integration.image.height(),
                  rejection_summary(options.integration, result.rejection, result.integration).c_str());
    }
  });
}

}  // namespace astropack::cli
