// SPDX-License-Identifier: GPL-3.0-or-later
#include "sequence_input.hpp"

#include <algorithm>
#include <set>
#include <system_error>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "input_files.hpp"
#include "sequence_names.hpp"

namespace astropack::cli {

namespace fs = std::filesystem;

namespace {

fs::path folder_of(const fs::path& file) {
  return file.has_parent_path() ? file.parent_path() : fs::path(".");
}

SequenceInput from_seq(const fs::path& seq_file) {
  SequenceInput in;
  Sequence seq = read_seq(seq_file);
  if (seq.type != SeqType::Regular) {
    throw Error(ErrorKind::Unsupported, seq_file,
                "is a FITS cube, SER or film sequence; astropack reads sequences of one FITS "
                "file per frame.");
  }
  if (seq.frames.empty()) throw Error(ErrorKind::InvalidInput, seq_file, "lists no frames.");
  for (std::size_t i = 0; i < seq.frames.size(); ++i)
    in.files.push_back(sequence_frame_file(folder_of(seq_file), seq, i));
  in.sequence = std::move(seq);
  in.seq_file = seq_file;
  in.existing = true;
  return in;
}

SequenceInput from_files(const std::vector<fs::path>& files) {
  SequenceInput in;
  in.files = files;
  const fs::path folder = folder_of(files.front());
  const std::string ext = files.front().extension().string();
  const bool alike = std::all_of(files.begin(), files.end(), [&](const fs::path& f) {
    return folder_of(f) == folder && has_fits_extension(f) && f.extension().string() == ext;
  });
  if (!alike) return in;
  const OutputNames names = output_names(files, "", folder, /*renumber=*/false);
  if (!names.is_sequence) return in;
  in.seq_file = seq_path(folder, names.sequence.name);
  std::error_code ec;
  if (!fs::exists(in.seq_file, ec)) {
    in.sequence = names.sequence;
    in.sequence->layers = FitsBandReader(files.front()).layout().channels >= 3 ? 3 : 1;
    return in;
  }
  // The .seq already there is used when it lists exactly these frames.
  Sequence existing = read_seq(in.seq_file);
  std::set<int> listed, given;
  for (const SeqFrame& f : existing.frames) listed.insert(f.file_number);
  for (const SeqFrame& f : names.sequence.frames) given.insert(f.file_number);
  if (listed != given || existing.type != SeqType::Regular ||
      existing.fixed_digits != names.sequence.fixed_digits) {
    in.note = in.seq_file.string();
    in.note.append(" lists other frames than those given and is left as it is (name the .seq "
                   "itself to use it)");
    in.seq_file.clear();
    return in;
  }
  in.files.clear();
  for (std::size_t i = 0; i < existing.frames.size(); ++i)
    in.files.push_back(folder / existing.frame_file_name(i, ext));
  in.sequence = std::move(existing);
  in.existing = true;
  return in;
}

}  // namespace

fs::path sequence_frame_file(const fs::path& folder, const Sequence& sequence,
                             std::size_t index) {
  for (const char* ext : {".fit", ".fits", ".fts"}) {
    std::error_code ec;
    const fs::path candidate = folder / sequence.frame_file_name(index, ext);
    if (fs::exists(candidate, ec)) return candidate;
  }
  return folder / sequence.frame_file_name(index);
}

SequenceInput sequence_input(const std::vector<fs::path>& args) {
  if (args.size() == 1 && args.front().extension() == ".seq") return from_seq(args.front());
  const std::vector<fs::path> files = expand_inputs(args);
  if (files.empty())
    throw Error(ErrorKind::InvalidArgument, "no frames given; name files, a folder or a .seq.");
  return from_files(files);
}

}  // namespace astropack::cli
