// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack convert FILES|DIR -o OUTDIR [--prefix NAME]`: camera raw files become
// 16-bit CFA FITS named as Siril's convert names them (<prefix>_00001.fit, ...,
// inputs in natural order), plus the Siril .seq of the set. FITS inputs are copied
// unchanged (Siril links them), TIFF inputs rewritten as FITS.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/image_file.hpp"
#include "astropack/master_frame.hpp"
#include "astropack/output_file.hpp"
#include "astropack/raw.hpp"
#include "astropack/seq.hpp"
#include "astropack/tiff.hpp"
#include "commands.hpp"
#include "input_files.hpp"
#include "terminal_progress.hpp"

namespace astropack::cli {

namespace fs = std::filesystem;

namespace {

struct ConvertArgs {
  std::vector<fs::path> inputs;
  fs::path output;
  std::string prefix;
  int threads = 0;
};

struct Source {
  fs::path file;
  ImageFormat format = ImageFormat::Unknown;
  std::size_t width = 0, height = 0, channels = 0;
};

bool sequence_safe(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

// Siril's rule: a '_' goes between the name and the numbers unless it ends in '_' or '-'.
std::string sequence_name(const std::string& prefix) {
  std::string name = prefix;
  if (!name.ends_with('_') && !name.ends_with('-')) name.push_back('_');
  return name;
}

// The folder of the first input ("lights" for lights/IMG_0001.CR2), made safe for a
// sequence name, or "light".
std::string default_prefix(const fs::path& first) {
  std::error_code ec;
  fs::path folder = fs::absolute(first, ec).parent_path().filename();
  std::string prefix = folder.string();
  for (char& c : prefix)
    if (!sequence_safe(c)) c = '_';
  if (prefix.empty() || prefix.find_first_not_of("._") == std::string::npos) return "light";
  return prefix;
}

void check_prefix(const std::string& prefix) {
  if (prefix.empty() || !std::all_of(prefix.begin(), prefix.end(), sequence_safe) ||
      prefix.find_first_not_of('.') == std::string::npos) {
    throw Error(ErrorKind::InvalidArgument,
                "--prefix '" + prefix +
                    "' must be letters, digits, '_', '-' or '.', as Siril sequence names are.");
  }
}

// What each input is and its size, from headers only, so that an unsupported or
// mismatched file stops the run before anything is written.
std::vector<Source> inspect(const std::vector<fs::path>& files) {
  std::vector<Source> sources;
  for (const fs::path& file : files) {
    Source s;
    s.file = file;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      if (!fs::exists(file, ec)) throw Error(ErrorKind::NotFound, file, "no such file.");
      throw Error(ErrorKind::InvalidInput, file, "is not a regular file.");
    }
    s.format = guess_image_format(file);
    if (s.format == ImageFormat::CameraRaw) {
      const RawInfo info = read_raw_info(file);
      s.width = info.width;
      s.height = info.height;
      s.channels = 1;
    } else if (s.format == ImageFormat::Fits) {
      const FitsInfo info = read_fits_info(file);
      s.width = info.layout.width;
      s.height = info.layout.height;
      s.channels = info.layout.channels;
    } else if (s.format == ImageFormat::Tiff) {
      const Image image = read_tiff(file);  // no header-only TIFF reader; TIFF inputs are rare
      s.width = image.width();
      s.height = image.height();
      s.channels = image.channels();
    } else {
      throw Error(ErrorKind::InvalidInput, file,
                  "is not a camera raw, FITS or TIFF file (unknown content and file name "
                  "extension).");
    }
    if (!sources.empty()) {
      const Source& first = sources.front();
      if (s.width != first.width || s.height != first.height || s.channels != first.channels) {
        std::string sentence = "is ";
        sentence.append(std::to_string(s.width)).append(" x ").append(std::to_string(s.height));
        sentence.append(" with ").append(std::to_string(s.channels)).append(" channel(s) but ");
        sentence.append(first.file.string()).append(" is ").append(std::to_string(first.width));
        sentence.append(" x ").append(std::to_string(first.height)).append(" with ");
        sentence.append(std::to_string(first.channels));
        sentence.append(" channel(s); a sequence needs frames of one size, so convert them "
                        "separately.");
        throw Error(ErrorKind::InvalidInput, file, sentence);
      }
    }
    sources.push_back(std::move(s));
  }
  return sources;
}

// True when every sample is a whole number of ADU in 0..65535, so 16 bits lose nothing.
bool fits_in_16_bits(const Image& image) {
  return std::all_of(image.samples().begin(), image.samples().end(), [](float v) {
    const double adu = static_cast<double>(v) * 65535.0;
    return adu >= 0.0 && adu <= 65535.0 && std::fabs(adu - std::nearbyint(adu)) < 1e-3;
  });
}

void copy_file_atomically(const fs::path& from, const fs::path& to) {
  OutputFile output(to);
  std::error_code ec;
  fs::copy_file(from, output.temporary(), fs::copy_options::overwrite_existing, ec);
  if (ec) throw Error(ErrorKind::Unwritable, to, "could not be written (" + ec.message() + ").");
  output.commit();
}

void convert_one(const Source& source, const fs::path& target) {
  if (source.format == ImageFormat::Fits) {
    copy_file_atomically(source.file, target);
    return;
  }
  Image image = source.format == ImageFormat::CameraRaw ? read_raw(source.file)
                                                         : read_tiff(source.file);
  std::string history = "astropack convert: from ";
  history.append(source.file.filename().string());
  if (source.format == ImageFormat::CameraRaw)
    history.append(" (").append(raw_library_version()).append(")");
  image.header().history.push_back(history);
  const SampleFormat format = source.format == ImageFormat::CameraRaw || fits_in_16_bits(image)
                                  ? SampleFormat::UInt16
                                  : SampleFormat::Float32;
  write_fits(target, image, format);
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

// Converts every source with a few worker threads (each frame is independent, so the
// files are the same whatever the count). The first failure in input order is thrown
// once all workers have stopped; files converted by then are recorded in `written`.
void convert_all(const std::vector<Source>& sources, const std::vector<fs::path>& targets,
                 int threads, Progress& progress, WrittenFiles& written) {
  // A 24 MP frame needs about 150 MB while it is converted; a few at a time is enough to
  // keep the disk busy.
  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t workers = std::min<std::size_t>(
      sources.size(), threads > 0 ? static_cast<std::size_t>(threads) : std::min(hardware, 4u));
  std::mutex mutex;  // guards everything below and the progress bar
  std::size_t next = 0, done = 0;
  std::vector<std::exception_ptr> failures(sources.size());
  bool stop = false;
  auto work = [&] {
    for (;;) {
      std::size_t index;
      {
        std::lock_guard lock(mutex);
        if (stop || next == sources.size()) return;
        if (progress.cancelled()) {
          stop = true;
          return;
        }
        index = next++;
      }
      try {
        convert_one(sources[index], targets[index]);
        std::lock_guard lock(mutex);
        written.add(targets[index]);
        ++done;
        progress.report(static_cast<double>(done) / static_cast<double>(sources.size()),
                        "converting");
      } catch (...) {
        std::lock_guard lock(mutex);
        failures[index] = std::current_exception();
        stop = true;
      }
    }
  };
  progress.report(0.0, "converting");
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < workers; ++i) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  for (const std::exception_ptr& failure : failures)
    if (failure) std::rethrow_exception(failure);
  throw_if_cancelled(progress);
}

void run_convert(const ConvertArgs& a, const GlobalOptions& global) {
  std::vector<fs::path> files = expand_inputs(a.inputs);
  // Siril's convert takes its inputs in natural order of their names (IMG_9 < IMG_10).
  std::stable_sort(files.begin(), files.end(), [](const fs::path& x, const fs::path& y) {
    return natural_less(x.filename().string(), y.filename().string());
  });
  if (!a.prefix.empty()) check_prefix(a.prefix);
  const std::string name =
      sequence_name(a.prefix.empty() ? default_prefix(files.front()) : a.prefix);

  std::error_code ec;
  if (fs::exists(a.output, ec) && !fs::is_directory(a.output, ec))
    throw Error(ErrorKind::InvalidArgument, a.output, "is a file; -o names the output folder.");
  if (!fs::exists(a.output, ec)) {
    fs::create_directories(a.output, ec);
    if (ec) {
      throw Error(ErrorKind::Unwritable, a.output,
                  "the output folder could not be created (" + ec.message() + ").");
    }
  }

  Sequence sequence;
  sequence.name = name;
  sequence.fixed_digits = 5;
  for (std::size_t i = 0; i < files.size(); ++i)
    sequence.frames.push_back({static_cast<int>(i + 1), true, {}, {}});
  std::vector<fs::path> targets;
  for (std::size_t i = 0; i < files.size(); ++i) {
    targets.push_back(a.output / sequence.frame_file_name(i));
    refuse_output_over_input(targets.back(), files);
  }
  const fs::path seq_file = seq_path(a.output, name);
  refuse_output_over_input(seq_file, files);

  TerminalProgress progress(!global.quiet);
  progress.report(0.0, "inspecting");
  const std::vector<Source> sources = inspect(files);
  sequence.layers = static_cast<int>(sources.front().channels);

  WrittenFiles written;
  convert_all(sources, targets, a.threads, progress, written);
  std::size_t raw_count = 0, fits_count = 0, tiff_count = 0;
  for (const Source& source : sources) {
    switch (source.format) {
      case ImageFormat::CameraRaw: ++raw_count; break;
      case ImageFormat::Fits: ++fits_count; break;
      default: ++tiff_count; break;
    }
  }
  write_seq(seq_file, sequence);
  written.keep();

  if (!global.quiet) {
    std::string kinds;
    auto count = [&kinds](std::size_t n, const char* what) {
      if (n == 0) return;
      if (!kinds.empty()) kinds.append(", ");
      kinds.append(std::to_string(n)).append(" ").append(what);
    };
    count(raw_count, "raw");
    count(fits_count, "FITS");
    count(tiff_count, "TIFF");
    std::printf("%s: %zu frame%s (%s) -> %s ... %s and %s\n", a.output.string().c_str(),
                sources.size(), sources.size() == 1 ? "" : "s", kinds.c_str(),
                targets.front().filename().string().c_str(),
                targets.back().filename().string().c_str(),
                seq_file.filename().string().c_str());
  }
}

}  // namespace

void add_convert_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<ConvertArgs>();
  CLI::App* sub = app.add_subcommand(
      "convert",
      "Turn camera raw files into 16-bit CFA FITS (no debayering, no black level removed) "
      "named <prefix>_00001.fit... plus a Siril .seq");
  sub->add_option("inputs", a->inputs, "Raw, FITS or TIFF files, or folders of them")->required();
  sub->add_option("-o,--output", a->output, "Output folder (created if missing)")->required();
  sub->add_option("--prefix", a->prefix,
                  "Sequence name (default: the first input's folder name, or 'light')");
  sub->add_option("--threads", a->threads,
                  "Frames converted at once (default: the number of cores, at most 4)")
      ->check(CLI::NonNegativeNumber);
  sub->callback([a, &global] { run_convert(*a, global); });
}

}  // namespace astropack::cli
