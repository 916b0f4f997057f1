// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack select FILES|DIR|SEQ [--reject EXPR] [--weight snr|psf|none]
// [--reference N] [-o OUTDIR]`: every frame measured, the rejection expression
// applied, weights and the reference chosen; a table on the terminal, the
// selection as CSV, JSON and a PNG plot, and, for a Siril sequence (a .seq, or
// FITS files numbered as one), the selection flags, the reference and the R-line
// measurements written into its .seq.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/frame_selection.hpp"
#include "astropack/master_frame.hpp"
#include "astropack/output_file.hpp"
#include "astropack/selection_file.hpp"
#include "astropack/selection_plot.hpp"
#include "astropack/seq.hpp"
#include "commands.hpp"
#include "input_files.hpp"
#include "sequence_names.hpp"
#include "terminal_progress.hpp"

namespace astropack::cli {

namespace fs = std::filesystem;

namespace {

struct SelectArgs {
  std::vector<fs::path> inputs;
  fs::path output;
  std::string reject = std::string(kDefaultRejection);
  std::string weight = "snr";
  int reference = 0;  // 1-based; 0: the best kept frame
  std::string colour = "green";
  int threads = 0;
  bool no_seq = false;
};

// The frames to measure and, when they form a Siril sequence, its .seq.
struct Inputs {
  std::vector<fs::path> files;
  std::optional<Sequence> sequence;  // to update, frames in the order of `files`
  fs::path seq_file;
  std::string seq_note;  // why a numbered set's .seq is left alone
};

Inputs from_seq_file(const fs::path& file) {
  Inputs in;
  Sequence seq = read_seq(file);
  if (seq.type != SeqType::Regular)
    throw Error(ErrorKind::Unsupported, file,
                "is a FITS cube, SER or film sequence; select reads sequences of one FITS file "
                "per frame.");
  if (seq.frames.empty()) throw Error(ErrorKind::InvalidInput, file, "lists no frames.");
  const fs::path folder = file.has_parent_path() ? file.parent_path() : fs::path(".");
  // The extension is not in the .seq (Siril's setext): take the one that exists.
  std::string ext = ".fit";
  for (const char* candidate : {".fit", ".fits", ".fts"}) {
    std::error_code ec;
    if (fs::exists(folder / seq.frame_file_name(0, candidate), ec)) {
      ext = candidate;
      break;
    }
  }
  for (std::size_t i = 0; i < seq.frames.size(); ++i)
    in.files.push_back(folder / seq.frame_file_name(i, ext));
  in.sequence = std::move(seq);
  in.seq_file = file;
  return in;
}

// FITS files of one folder numbered alike form a sequence; its .seq is updated when
// it lists exactly these frames, or made when there is none.
Inputs from_files(std::vector<fs::path> files) {
  Inputs in;
  std::stable_sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    return natural_less(a.filename().string(), b.filename().string());
  });
  in.files = files;
  const fs::path folder = files.front().has_parent_path() ? files.front().parent_path() : ".";
  const bool one_folder = std::all_of(files.begin(), files.end(), [&](const fs::path& f) {
    return (f.has_parent_path() ? f.parent_path() : fs::path(".")) == folder;
  });
  const std::string ext = files.front().extension().string();
  const bool fits = std::all_of(files.begin(), files.end(), [&](const fs::path& f) {
    return has_fits_extension(f) && f.extension().string() == ext;
  });
  if (!one_folder || !fits) return in;
  const OutputNames names = output_names(files, "", folder, /*renumber=*/false);
  if (!names.is_sequence) return in;
  in.seq_file = seq_path(folder, names.sequence.name);
  std::error_code ec;
  if (fs::exists(in.seq_file, ec)) {
    Sequence existing = read_seq(in.seq_file);
    std::set<int> listed, given;
    for (const SeqFrame& f : existing.frames) listed.insert(f.file_number);
    for (const SeqFrame& f : names.sequence.frames) given.insert(f.file_number);
    if (listed != given || existing.type != SeqType::Regular ||
        existing.fixed_digits != names.sequence.fixed_digits) {
      in.seq_note = in.seq_file.string() + " lists other frames than those given; it is left as "
                                           "it is (select the .seq itself to update it)";
      in.seq_file.clear();
      return in;
    }
    in.files.clear();
    for (std::size_t i = 0; i < existing.frames.size(); ++i)
      in.files.push_back(folder / existing.frame_file_name(i, ext));
    in.sequence = std::move(existing);
    return in;
  }
  Sequence seq = names.sequence;
  seq.layers = int(FitsBandReader(files.front()).layout().channels) >= 3 ? 3 : 1;
  in.sequence = std::move(seq);
  return in;
}

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

void print_table(const FrameSelection& sel) {
  const char* heads[] = {"#", "file", "stars", "FWHM px", "FWHM \"", "ecc", "bg ADU",
                         "noise ADU", "SNR", "weight", "status"};
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < sel.frames.size(); ++i) {
    const SelectedFrame& f = sel.frames[i];
    const FrameQuality& q = f.quality;
    const bool measured = q.fitted > 0;
    std::string status = f.kept ? "kept" : "rejected: " + f.reason;
    if (int(i) == sel.reference) status = "kept, reference";
    rows.push_back({std::to_string(i + 1), f.file.filename().string(), std::to_string(q.stars),
                    measured ? format("%.2f", q.fwhm) : "-",
                    measured && q.fwhm_arcsec > 0 ? format("%.2f", q.fwhm_arcsec) : "-",
                    measured ? format("%.2f", q.eccentricity) : "-",
                    format("%.0f", q.background * 65535), format("%.1f", q.noise * 65535),
                    format("%.2f", q.snr), format("%.3f", f.weight), status});
  }
  std::vector<std::size_t> width(std::size(heads));
  for (std::size_t c = 0; c < width.size(); ++c) {
    width[c] = std::string(heads[c]).size();
    for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::size_t pad = width[c] - cells[c].size();
      const bool left = c == 1 || c + 1 == cells.size();
      if (!left) line.append(pad, ' ');
      line.append(cells[c]);
      if (c + 1 < cells.size()) line.append(left ? pad + 2 : 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  };
  print_row(std::vector<std::string>(std::begin(heads), std::end(heads)));
  for (const auto& row : rows) print_row(row);
}

void run_select(const SelectArgs& a, const GlobalOptions& global) {
  if (a.inputs.empty())
    throw Error(ErrorKind::InvalidArgument, "no frames given; name files, a folder or a .seq.");
  SelectionOptions options;
  options.reject = a.reject;
  options.weight = *parse_weight_mode(a.weight);
  options.reference = a.reference - 1;
  options.threads = a.threads;
  options.quality.colour = a.colour == "luminance" ? ColourChannel::Luminance : ColourChannel::Green;
  (void)SelectionExpression(options.reject);  // a mistake shows before any file is read

  const bool seq_input = a.inputs.size() == 1 && a.inputs.front().extension() == ".seq";
  Inputs in = seq_input ? from_seq_file(a.inputs.front()) : from_files(expand_inputs(a.inputs));
  if (in.files.empty())
    throw Error(ErrorKind::InvalidArgument, "no frames given; name files, a folder or a .seq.");
  if (options.reference >= int(in.files.size())) {
    std::string sentence = "--reference ";
    sentence.append(std::to_string(a.reference)).append(" is beyond the last frame; give a ");
    sentence.append("number from 1 to ").append(std::to_string(in.files.size())).append(".");
    throw Error(ErrorKind::InvalidArgument, sentence);
  }
  const fs::path folder = !a.output.empty() ? a.output
                          : in.files.front().has_parent_path() ? in.files.front().parent_path()
                                                               : fs::path(".");
  prepare_output_folder(folder);
  const std::string stem = (in.sequence ? in.sequence->name : std::string()) + "selection";
  if (a.no_seq) {
    in.sequence.reset();
    in.seq_file.clear();
  }
  const fs::path csv = folder / (stem + ".csv"), json = folder / (stem + ".json"),
                 png = folder / (stem + ".png");
  for (const fs::path& out : {csv, json, png}) {
    refuse_output_over_input(out, in.files);
    OutputFile probe(out);  // a read-only folder shows now, not after the measuring
  }

  TerminalProgress progress(!global.quiet);
  const FrameSelection sel = select_frames(in.files, options, progress);
  progress.report(1.0, "measuring");
  print_table(sel);
  write_selection_csv(csv, sel);
  write_selection_json(json, sel);
  write_selection_plot(png, sel);
  if (in.sequence) {
    Sequence seq = *in.sequence;
    apply_selection(seq, sel);
    if (in.seq_file.empty()) in.seq_file = seq_path(in.files.front().parent_path(), seq.name);
    write_seq(in.seq_file, seq);
  }
  if (!in.seq_note.empty()) std::fprintf(stderr, "astropack: warning: %s.\n", in.seq_note.c_str());
  if (!global.quiet) {
    std::printf("%zu frames: %zu kept, %zu rejected", sel.frames.size(), sel.kept_count(),
                sel.frames.size() - sel.kept_count());
    if (sel.reference >= 0)
      std::printf("; reference %d (%s)", sel.reference + 1,
                  sel.frames[std::size_t(sel.reference)].file.filename().string().c_str());
    std::printf("\nwrote %s, %s, %s", csv.string().c_str(), json.string().c_str(),
                png.string().c_str());
    if (in.sequence) std::printf(" and %s", in.seq_file.string().c_str());
    std::printf("\n");
  }
}

}  // namespace

void add_select_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<SelectArgs>();
  CLI::App* sub = app.add_subcommand(
      "select",
      "Measure lights (stars, FWHM, eccentricity, background, noise, SNR), reject the poor "
      "ones by an expression, weight the rest and choose the registration reference; writes "
      "<seq>selection.csv/.json/.png and updates the Siril .seq");
  sub->add_option("inputs", a->inputs,
                  "Light frames (FITS, TIFF or camera raw), folders of them, or one Siril .seq");
  sub->add_option("-o,--output", a->output,
                  "Folder for the CSV, JSON and PNG (default: the frames' folder)");
  sub->add_option("--reject", a->reject,
                  "Frames to reject, e.g. \"fwhm > 6 || ecc > 0.7\" or \"fwhm > 4 arcsec\"; "
                  "metrics fwhm ecc roundness stars detected background noise snr snr_weight "
                  "psf_weight weight frame, operators < <= > >= == != && || ! + - * / ( ), "
                  "units px arcsec, median() mean() min() max() mad() over the set")
      ->capture_default_str();
  sub->add_option("--weight", a->weight,
                  "Weights of the kept frames: snr (PixInsight's SNR weight), psf (star peak "
                  "over noise: seeing and noise) or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"snr", "psf", "none"}));
  sub->add_option("--reference", a->reference,
                  "The registration reference, 1-based in the frame order shown (default: the "
                  "best-weighted kept frame)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--colour", a->colour, "RGB frames: measure on green or luminance")
      ->capture_default_str()
      ->check(CLI::IsMember({"green", "luminance"}));
  sub->add_option("--threads", a->threads, "Frames measured at once (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--no-seq", a->no_seq, "Leave the Siril .seq alone");
  sub->callback([a, &global] { run_select(*a, global); });
}

}  // namespace astropack::cli
