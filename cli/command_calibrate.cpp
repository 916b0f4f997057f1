// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack calibrate [--bias F] [--dark F] [--flat F] ... LIGHTS...|DIR -o OUTDIR`:
// lights calibrated with master frames, optionally cosmetically corrected and
// debayered, written as 32-bit float FITS (16-bit on request) named as Siril's
// preprocess names them, plus the Siril .seq of the set.
//
// Names: inputs numbered alike (light_00001.fit, ... as `astropack convert` and
// Siril write them, or IMG_0042.fit, ...) keep their names and numbers behind the
// prefix: pp_light_00001.fit in the sequence pp_light_. Other sets are numbered
// in input order: pp_light_00001.fit, pp_light_00002.fit, ...
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "astropack/cosmetic_correction.hpp"
#include "astropack/debayer.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/image_file.hpp"
#include "astropack/light_calibration.hpp"
#include "astropack/master_frame.hpp"
#include "astropack/output_file.hpp"
#include "astropack/seq.hpp"
#include "commands.hpp"
#include "input_files.hpp"
#include "sequence_names.hpp"
#include "terminal_progress.hpp"

namespace astropack::cli {

namespace fs = std::filesystem;

namespace {

struct CalibrateArgs {
  std::vector<fs::path> inputs;
  fs::path output;
  fs::path bias, dark, flat;
  std::string dark_scaling = "exposure";
  double pedestal_adu = 0.0;
  bool cosmetic = false;
  double hot_sigma = 3.0, cold_sigma = 0.0;
  double detect_sigma = 6.0;
  bool equalize_cfa = false;
  bool debayer = false;
  std::string demosaic = "rcd";
  bool sixteen_bits = false;
  std::string prefix = "pp_";
};

std::optional<MasterFrame> read_master(const fs::path& file) {
  if (file.empty()) return std::nullopt;
  return MasterFrame{read_image(file), file};
}

// Removes what this run wrote when it stops half way, so no incomplete set is left.
class WrittenFiles {
 public:
  ~WrittenFiles() {
    if (m_keep) return;
    for (const fs::path& file : m_files) {
      std::error_code ignored;
      fs::remove(file, ignored);
    }
  }
  void add(fs::path file) { m_files.push_back(std::move(file)); }
  void keep() { m_keep = true; }

 private:
  std::vector<fs::path> m_files;
  bool m_keep = false;
};

struct FrameReport {
  std::string line;
  std::vector<std::string> warnings;
  Image image;  // to write
};

// Reads a light into `buffer`, reusing its memory when the size allows (FITS lights;
// raw and TIFF files come through read_image).
void read_light(const fs::path& file, Image& buffer) {
  if (guess_image_format(file) != ImageFormat::Fits) {
    buffer = read_image(file);
    return;
  }
  FitsBandReader reader(file);
  const FitsLayout& layout = reader.layout();
  if (buffer.width() != layout.width || buffer.height() != layout.height ||
      buffer.channels() != layout.channels)
    buffer = Image(layout.width, layout.height, layout.channels);
  reader.read_rows(0, buffer.view());
  buffer.header() = reader.header();
}

// Calibrates the light in `buffer` (whose memory the result takes over) and says
// what was done.
FrameReport process_light(Image& buffer, const fs::path& file, const fs::path& target,
                          const PreparedCalibration& prepared, const DefectMap* map,
                          const CalibrateArgs& a) {
  LightCalibrationResult r = calibrate_light(std::move(buffer), file, prepared);
  FrameReport report;
  report.image = std::move(r.image);
  Image& image = report.image;
  report.warnings = std::move(r.warnings);
  report.line = target.filename().string();
  report.line.append(": ");
  if (prepared.has_dark()) {
    char scale[32];
    std::snprintf(scale, sizeof scale, "dark x%.3f", r.dark_scale);
    report.line.append(scale);
  } else {
    report.line.append(prepared.has_bias() ? "bias" : prepared.has_flat() ? "flat" : "no masters");
  }
  if (a.cosmetic) {
    const bool cfa = image.channels() == 1 && phase_at_origin(image.header(), image.height());
    CosmeticParams params;
    params.detect = a.detect_sigma > 0;
    params.detect_hot_sigma = params.detect_cold_sigma = params.detect ? a.detect_sigma : 6.0;
    const CosmeticResult c = cosmetic_correction(image.view(), cfa, map, params);
    image.header().history.push_back("astropack calibrate: " + describe(c));
    report.line.append(", ").append(describe(c));
  }
  if (r.negative_pixels > 0) {
    char negative[48];
    std::snprintf(negative, sizeof negative, ", %.2g%% negative", 100.0 * r.negative_fraction);
    report.line.append(negative);
  }
  if (a.debayer) {
    image = debayer(image, *parse_demosaic_method(a.demosaic));  // a new 3-channel image
    report.line.append(", debayered (").append(a.demosaic).append(")");
  }
  if (!report.warnings.empty())
    report.line.append(", ").append(std::to_string(report.warnings.size())).append(
        report.warnings.size() == 1 ? " warning" : " warnings");
  return report;
}

void run_calibrate(const CalibrateArgs& a, const GlobalOptions& global) {
  check_name_prefix(a.prefix);
  if (a.bias.empty() && a.dark.empty() && a.flat.empty() && !a.cosmetic && !a.debayer)
    throw Error(ErrorKind::InvalidArgument,
                "nothing to do: give at least one of --bias, --dark, --flat, --cosmetic or "
                "--debayer.");
  std::vector<fs::path> files = expand_inputs(a.inputs);
  if (files.empty())
    throw Error(ErrorKind::InvalidArgument, "no light frames given; name files or a folder.");
  std::stable_sort(files.begin(), files.end(), [](const fs::path& x, const fs::path& y) {
    return natural_less(x.filename().string(), y.filename().string());
  });
  for (const fs::path& master : {a.bias, a.dark, a.flat})
    if (!master.empty() && std::find(files.begin(), files.end(), master) != files.end())
      throw Error(ErrorKind::InvalidArgument, master,
                  "is both a master and one of the lights; keep masters out of the lights' "
                  "folder or name the lights one by one.");

  prepare_output_folder(a.output);
  const OutputNames names = output_names(files, a.prefix, a.output, /*renumber=*/true);
  for (const fs::path& target : names.files) refuse_output_over_input(target, files);
  const fs::path seq_file = seq_path(a.output, names.sequence.name);
  refuse_output_over_input(seq_file, files);
  for (const fs::path& master : {a.bias, a.dark, a.flat})
    if (!master.empty()) {
      std::vector<fs::path> one = {master};
      for (const fs::path& target : names.files) refuse_output_over_input(target, one);
    }

  CalibrationParams params;
  params.dark_scaling = *parse_dark_scaling(a.dark_scaling);
  params.pedestal = a.pedestal_adu / 65535.0;
  params.equalize_cfa = a.equalize_cfa;
  params.validate();
  if (a.cosmetic) {
    DarkDefectParams defect_params{a.hot_sigma, a.cold_sigma};
    defect_params.validate();
    CosmeticParams cosmetic_params;
    if (a.detect_sigma > 0) cosmetic_params.detect_hot_sigma = a.detect_sigma;
    cosmetic_params.validate();
  }

  TerminalProgress progress(!global.quiet);
  progress.report(0.0, "reading masters");
  // A pipeline: the next light is read and the two previous ones written while this
  // one is calibrated (two writes at a time, so one file's flush to disk overlaps the
  // next one's writing). Four frame buffers take turns, so a long run does not fault
  // in fresh memory for every light. The futures are declared after `written` and the
  // buffers, so on an error they finish before those go away.
  constexpr std::size_t kSlots = 4;
  WrittenFiles written;
  std::array<Image, kSlots> buffers;
  auto read_into = [&files, &buffers](std::size_t i) {
    read_light(files[i], buffers[i % kSlots]);
  };
  std::future<void> reading = std::async(std::launch::async, read_into, 0);

  // The masters are read side by side (and beside the first light), and the dark's
  // defect map is found while the bias and flat are still coming in.
  auto read_async = [](const fs::path& file) {
    return std::async(std::launch::async, read_master, file);
  };
  std::future<std::optional<MasterFrame>> bias_read = read_async(a.bias);
  std::future<std::optional<MasterFrame>> dark_read = read_async(a.dark);
  std::future<std::optional<MasterFrame>> flat_read = read_async(a.flat);
  CalibrationMasters masters;
  masters.dark = dark_read.get();
  std::future<std::optional<DefectMap>> map_found =
      std::async(std::launch::async, [&a, &masters]() -> std::optional<DefectMap> {
        if (!a.cosmetic || !masters.dark) return std::nullopt;
        return find_dark_defects(masters.dark->image.view(), {a.hot_sigma, a.cold_sigma});
      });
  masters.bias = bias_read.get();
  masters.flat = flat_read.get();
  const std::optional<DefectMap> map = map_found.get();
  const PreparedCalibration prepared = prepare_calibration(std::move(masters), params);

  const bool terminal = !global.quiet && ::isatty(STDERR_FILENO);
  auto say = [&](const std::string& text, bool warning) {
    if (terminal) std::fputs("\r\x1b[K", stderr);  // clear the progress bar line
    if (warning) {
      std::fprintf(stderr, "astropack: warning: %s\n", text.c_str());
    } else if (!global.quiet) {
      std::printf("%s\n", text.c_str());
      std::fflush(stdout);
    }
  };
  if (map) {
    say("master dark: " + std::to_string(map->hot_count()) + " hot and " +
            std::to_string(map->cold_count()) + " cold pixels to correct in every light",
        false);
  }
  if (prepared.flat_bad_pixels() > 0) {
    say(a.flat.string() + ": " + std::to_string(prepared.flat_bad_pixels()) +
            " pixels are zero, negative or not a number; they are set to 0 (no data) in every "
            "light",
        true);
  }

  // Files are written in order, one at a time.
  std::size_t warning_count = 0;
  Sequence sequence = names.sequence;
  const SampleFormat format = a.sixteen_bits ? SampleFormat::UInt16 : SampleFormat::Float32;
  std::array<std::future<void>, 2> writing;  // light i is written by writing[i % 2]
  for (std::size_t i = 0; i < files.size(); ++i) {
    throw_if_cancelled(progress);
    progress.report(static_cast<double>(i) / static_cast<double>(files.size()), "calibrating");
    reading.get();
    // Buffer (i + 1) % 4 last held light i - 3, whose write ended before light i - 1's
    // began (two writes at a time).
    if (i + 1 < files.size()) reading = std::async(std::launch::async, read_into, i + 1);
    FrameReport report = process_light(buffers[i % kSlots], files[i], names.files[i], prepared,
                                       map ? &*map : nullptr, a);
    sequence.layers = static_cast<int>(report.image.channels());
    std::future<void>& slot = writing[i % 2];  // light i - 2's write
    if (slot.valid()) slot.get();
    written.add(names.files[i]);
    slot = std::async(std::launch::async,
                      [&buffers, &names, format, i, image = std::move(report.image)]() mutable {
                        write_fits(names.files[i], image, format);
                        buffers[i % kSlots] = std::move(image);  // its memory serves again
                      });
    for (const std::string& w : report.warnings) say(files[i].string() + ": " + w, true);
    warning_count += report.warnings.size();
    say(report.line, false);
  }
  for (std::future<void>& w : writing)
    if (w.valid()) w.get();
  progress.report(1.0, "calibrating");

  write_seq(seq_file, sequence);
  written.keep();
  if (!global.quiet) {
    say(a.output.string() + ": " + std::to_string(files.size()) + " light" +
            (files.size() == 1 ? "" : "s") + " calibrated -> " +
            names.files.front().filename().string() + " ... " +
            names.files.back().filename().string() + " and " + seq_file.filename().string() +
            (warning_count ? ", " + std::to_string(warning_count) + " warning(s)" : ""),
        false);
  }
}

}  // namespace

void add_calibrate_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<CalibrateArgs>();
  CLI::App* sub = app.add_subcommand(
      "calibrate",
      "Calibrate light frames with master bias, dark and flat: (light - dark) / (flat / mean "
      "of its central third), plus cosmetic correction and debayering; writes "
      "<prefix><name>.fit and a Siril .seq");
  sub->add_option("inputs", a->inputs,
                  "Light frames (FITS, TIFF or camera raw), or folders of them. Lights numbered "
                  "alike (light_00001.fit, ...) keep their numbers (pp_light_00001.fit); other "
                  "sets become pp_light_00001.fit, ... in natural order");
  sub->add_option("-o,--output", a->output, "Output folder (created if missing)")->required();
  sub->add_option("--bias", a->bias, "Master bias");
  sub->add_option("--dark", a->dark,
                  "Master dark (with its bias, as cameras record darks; a bias-free dark is "
                  "recognised when --bias is given)");
  sub->add_option("--flat", a->flat, "Master flat (already corrected by its bias or dark-flat)");
  sub->add_option("--dark-scaling", a->dark_scaling,
                  "exposure: scale the dark's thermal part by the exposure ratio when the "
                  "exposures differ (needs --bias); none: the dark as it is; optimise: the scale "
                  "in [0, 2] that minimises the noise, per light (needs --bias)")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "exposure", "optimise", "optimize"}));
  sub->add_option("--pedestal", a->pedestal_adu, "Constant added to every pixel, in ADU")
      ->capture_default_str();
  sub->add_flag("--cosmetic", a->cosmetic,
                "Correct hot and cold pixels: those of the master dark (median + k sigma) and "
                "isolated ones found in each light");
  sub->add_option("--hot-sigma", a->hot_sigma,
                  "Master dark: hot above median + K sigma (0 = none)")
      ->capture_default_str();
  sub->add_option("--cold-sigma", a->cold_sigma,
                  "Master dark: cold below median - K sigma (0 = none)")
      ->capture_default_str();
  sub->add_option("--detect-sigma", a->detect_sigma,
                  "Per-light detection of isolated defects, in local noise sigmas (0 = off)")
      ->capture_default_str();
  sub->add_flag("--equalize-cfa", a->equalize_cfa,
                "Colour cameras: equalise the flat's R and B sites to its G sites first, so the "
                "flat keeps the lights' colour balance (Siril's -equalize_cfa)");
  sub->add_flag("--debayer", a->debayer, "Demosaic the calibrated CFA lights into RGB");
  sub->add_option("--demosaic", a->demosaic, "Demosaicing method with --debayer: rcd or bilinear")
      ->capture_default_str()
      ->check(CLI::IsMember({"rcd", "bilinear"}));
  sub->add_flag("--16bit", a->sixteen_bits,
                "Write 16-bit FITS (negatives clip to 0: consider --pedestal) instead of 32-bit "
                "float");
  sub->add_option("--prefix", a->prefix, "Prefix of the output names and sequence")
      ->capture_default_str();
  sub->callback([a, &global] { run_calibrate(*a, global); });
}

}  // namespace astropack::cli
