// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack register FILES|DIR|SEQ [--model M] [--reference N] [--selection FILE]
// [--export-registered [--interpolation I] [--prefix r_] [-o OUTDIR]]`: every
// frame's stars matched to the reference's, the transforms written into the
// sequence's .seq (astropack's comment lines; Siril's R-line shifts too when
// every transform is a pure shift), and on request the registered r_ frames
// with their own .seq, as Siril's register writes them.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "astropack/cfa.hpp"
#include "astropack/debayer.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/image_file.hpp"
#include "astropack/output_file.hpp"
#include "astropack/registration.hpp"
#include "astropack/resample.hpp"
#include "astropack/seq.hpp"
#include "commands.hpp"
#include "sequence_input.hpp"
#include "sequence_names.hpp"
#include "terminal_progress.hpp"

namespace astropack::cli {

namespace fs = std::filesystem;

namespace {

struct RegisterArgs {
  std::vector<fs::path> inputs;
  std::string model = "affine";
  int reference = 0;  // 1-based; 0: from the selection, or the best frame
  fs::path selection;
  std::size_t max_stars = 200;
  int min_pairs = 10;
  bool export_registered = false;
  std::string interpolation = "lanczos3";
  std::string prefix = "r_";
  fs::path output;
};

// A transform is a pure shift when it moves every point of the frame by the
// same vector within this many pixels; then Siril 1.0 can use it.
constexpr double kShiftTolerance = 0.01;

// The shift reference -> frame when `t` is one over a width x height frame.
std::optional<Point2> pure_shift(const Transform& t, std::size_t width, std::size_t height) {
  const Point2 centre{0.5 * double(width - 1), 0.5 * double(height - 1)};
  const Point2 moved = t.apply(centre);
  const Point2 d{moved.x - centre.x, moved.y - centre.y};
  for (const Point2 corner : {Point2{0, 0}, Point2{double(width - 1), 0},
                              Point2{0, double(height - 1)},
                              Point2{double(width - 1), double(height - 1)}}) {
    const Point2 q = t.apply(corner);
    if (std::hypot(q.x - corner.x - d.x, q.y - corner.y - d.y) > kShiftTolerance)
      return std::nullopt;
  }
  return d;
}

// Siril's R-line entry of a frame: the shift that moves the frame onto the
// reference (siril-compat.md 2.4) is the opposite of reference -> frame.
SeqRegistration r_line(Point2 reference_to_frame_shift, double fwhm) {
  SeqRegistration r;
  r.shift_x = 0.0 - reference_to_frame_shift.x;  // never -0.000000
  r.shift_y = 0.0 - reference_to_frame_shift.y;
  r.fwhm = fwhm;
  r.weighted_fwhm = fwhm;
  return r;
}

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

void print_frames(const std::vector<fs::path>& files, const RegistrationResult& result,
                  bool quiet) {
  for (std::size_t i = 0; i < files.size(); ++i) {
    const FrameRegistration& f = result.frames[i];
    const std::string name = files[i].filename().string();
    if (!f.matched) {
      std::fprintf(stderr, "astropack: warning: %s: left out: %s\n", files[i].string().c_str(),
                   f.reason.c_str());
      continue;
    }
    if (quiet) continue;
    if (i == result.reference) {
      std::printf("  %3zu  %-40s  reference, %zu stars\n", i + 1, name.c_str(), f.stars);
    } else {
      std::printf("  %3zu  %-40s  %4zu pairs  rms %s px\n", i + 1, name.c_str(), f.pairs,
                  format("%.3f", f.rms_px).c_str());
    }
  }
}

// The input's .seq with the transforms: frames left out are excluded; R lines
// carry Siril's shifts when every transform is a pure shift, none otherwise.
// Returns whether the shifts were written.
bool write_registered_seq(SequenceInput& in, const RegistrationResult& result) {
  Sequence& seq = *in.sequence;
  bool shifts = true;
  std::vector<Point2> shift(seq.frames.size());
  for (std::size_t i = 0; i < seq.frames.size(); ++i) {
    const FrameRegistration& f = result.frames[i];
    if (!f.matched) continue;
    const auto d = pure_shift(f.reference_to_frame, result.width, result.height);
    if (d)
      shift[i] = *d;
    else
      shifts = false;
  }
  const std::size_t layers = seq.layers >= 1 ? std::size_t(seq.layers) : 1;
  if (seq.layers < 1) seq.layers = 1;
  for (std::size_t i = 0; i < seq.frames.size(); ++i) {
    SeqFrame& frame = seq.frames[i];
    const FrameRegistration& f = result.frames[i];
    frame.included = frame.included && f.matched;
    frame.transform = f.matched ? std::optional<Transform>(f.reference_to_frame) : std::nullopt;
    frame.registration.clear();
    if (shifts) frame.registration.assign(layers, r_line(shift[i], f.fwhm));
  }
  seq.reference = int(result.reference);
  write_seq(in.seq_file, seq);
  return shifts;
}

// Resampled frames <prefix><input name>.fit onto the reference's grid (CFA
// frames demosaiced first) and their .seq: R lines of 0 and identity transforms.
void export_registered(const RegisterArgs& a, const SequenceInput& in,
                       const RegistrationResult& result, Progress& progress, bool quiet) {
  fs::path folder = a.output.empty() ? in.files.front().parent_path() : a.output;
  if (folder.empty()) folder = ".";
  prepare_output_folder(folder);
  std::vector<fs::path> matched;
  std::vector<std::size_t> index;
  for (std::size_t i = 0; i < in.files.size(); ++i)
    if (result.frames[i].matched) {
      matched.push_back(in.files[i]);
      index.push_back(i);
    }
  const OutputNames names = output_names(matched, a.prefix, folder, /*renumber=*/false);
  for (const fs::path& target : names.files) refuse_output_over_input(target, in.files);
  ResampleOptions options;
  options.interpolation = parse_interpolation(a.interpolation);
  std::string history = "astropack register: onto ";
  history.append(in.files[result.reference].filename().string()).append(" (");
  history.append(a.model).append(", ").append(to_string(options.interpolation)).append(")");
  std::size_t channels = 1;
  for (std::size_t k = 0; k < matched.size(); ++k) {
    throw_if_cancelled(progress);
    progress.report(double(k) / double(matched.size()), "writing registered frames");
    Image frame = read_image(matched[k]);
    if (frame.channels() == 1 && phase_at_origin(frame.header(), frame.height()))
      frame = debayer(frame);
    Image out = resample_frame(frame, result.frames[index[k]].reference_to_frame, result.width,
                               result.height, options);
    out.header().history.push_back(history);
    channels = out.channels();
    write_fits(names.files[k], out, SampleFormat::Float32);
  }
  progress.report(1.0, "writing registered frames");
  if (names.is_sequence) {
    Sequence seq = names.sequence;
    seq.layers = channels >= 3 ? 3 : 1;
    for (std::size_t k = 0; k < seq.frames.size(); ++k) {
      const FrameRegistration& f = result.frames[index[k]];
      seq.frames[k].registration.assign(std::size_t(seq.layers), r_line({0, 0}, f.fwhm));
      seq.frames[k].transform = Transform();
      if (index[k] == result.reference) seq.reference = int(k);
    }
    write_seq(seq_path(folder, seq.name), seq);
  }
  if (!quiet) {
    std::printf("%zu registered frame%s written to %s%s\n", matched.size(),
                matched.size() == 1 ? "" : "s", folder.string().c_str(),
                names.is_sequence ? (" with " + names.sequence.name + ".seq").c_str() : "");
  }
}

void run_register(const RegisterArgs& a, const GlobalOptions& global) {
  check_name_prefix(a.prefix);
  if (a.export_registered && a.prefix.empty())
    throw Error(ErrorKind::InvalidArgument,
                "--prefix may not be empty: the registered frames would replace their inputs.");
  SequenceInput in = sequence_input(a.inputs);
  RegistrationOptions options;
  options.model = parse_transform_model(a.model);
  options.reference = a.reference - 1;
  options.selection = a.selection;
  options.max_stars = a.max_stars;
  options.min_pairs = a.min_pairs;
  if (a.export_registered) (void)parse_interpolation(a.interpolation);  // fail before the work

  if (a.reference > 0 && std::size_t(a.reference) > in.files.size()) {
    throw Error(ErrorKind::InvalidArgument,
                "--reference " + std::to_string(a.reference) + " is beyond the " +
                    std::to_string(in.files.size()) + " frames given (numbered from 1).");
  }

  TerminalProgress progress(!global.quiet);
  const RegistrationResult result = register_frames(in.files, options, progress);
  const fs::path& reference_file = in.files[result.reference];
  if (in.files.size() > 1 && result.matched_count() < 2) {
    // One line: the first frame's reason stands for the others.
    const std::size_t other = result.reference == 0 ? 1 : 0;
    std::string sentence = "no other frame could be registered on this reference frame (";
    sentence.append(in.files[other].filename().string()).append(": ");
    std::string why = result.frames[other].reason;
    if (!why.empty() && why.back() == '.') why.pop_back();
    sentence.append(why).append(").");
    throw Error(ErrorKind::InvalidInput, reference_file, sentence);
  }
  print_frames(in.files, result, global.quiet);
  if (!global.quiet) {
    std::printf("%zu of %zu frames registered (%s) on %s\n", result.matched_count(),
                in.files.size(), a.model.c_str(), reference_file.filename().string().c_str());
  }

  bool shifts = false;
  if (in.sequence) {
    shifts = write_registered_seq(in, result);
    if (!global.quiet) std::printf("transforms written to %s\n", in.seq_file.string().c_str());
  } else {
    std::fprintf(stderr, "astropack: warning: %s; no .seq was written.\n",
                 in.note.empty() ? "the frames are not FITS files of one folder numbered as one "
                                   "set (astropack convert makes such a set)"
                                 : in.note.c_str());
  }
  if (in.sequence && !shifts && !a.export_registered && !global.quiet) {
    std::printf("note: the transforms are more than shifts, which Siril 1.0 cannot read from a "
                ".seq (its R-line shifts are left out); for Siril, run again with "
                "--export-registered and use the r_ sequence.\n");
  }
  if (a.export_registered)
    export_registered(a, in, result, progress, global.quiet);
}

}  // namespace

void add_register_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<RegisterArgs>();
  CLI::App* sub = app.add_subcommand(
      "register", "Register light frames on a reference by their star patterns");
  sub->add_option("inputs", a->inputs,
                  "Light frames (FITS, TIFF or camera raw), folders of them, or one Siril .seq")
      ->required();
  sub->add_option("--model", a->model,
                  "shift, similarity, affine (default: rotation, scale and differential "
                  "refraction, well determined in small fields) or homography (Siril's default)")
      ->capture_default_str()
      ->check(CLI::IsMember({"shift", "similarity", "affine", "homography"}));
  sub->add_option("--reference", a->reference,
                  "Reference frame, 1-based in input order (default: the selection file's, or "
                  "the frame of best quality)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--selection", a->selection,
                  "An 'astropack select' JSON file whose reference frame to use")
      ->check(CLI::ExistingFile);
  sub->add_option("--max-stars", a->max_stars, "Brightest stars per frame used for matching")
      ->capture_default_str()
      ->check(CLI::Range(10, 5000));
  sub->add_option("--min-pairs", a->min_pairs, "Fewest matched stars to accept a frame")
      ->capture_default_str()
      ->check(CLI::Range(4, 1000));
  CLI::Option* exported = sub->add_flag(
      "--export-registered", a->export_registered,
      "Also write the resampled frames <prefix><name>.fit and their .seq (for Siril 1.0)");
  sub->add_option("--interpolation", a->interpolation,
                  "lanczos3 (clamped against ringing), bicubic, bilinear or nearest")
      ->capture_default_str()
      ->check(CLI::IsMember({"lanczos3", "bicubic", "bilinear", "nearest"}))
      ->needs(exported);
  sub->add_option("--prefix", a->prefix, "Prefix of the registered frames' names")
      ->capture_default_str()
      ->needs(exported);
  sub->add_option("-o,--output", a->output,
                  "Folder of the registered frames (default: beside the inputs)")
      ->needs(exported);
  sub->callback([a, &global] { run_register(*a, global); });
}

}  // namespace astropack::cli
