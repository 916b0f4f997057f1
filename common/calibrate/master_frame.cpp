// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/master_frame.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/image_file.hpp"
#include "astropack/raw.hpp"
#include "astropack/tiff.hpp"

namespace astropack {

namespace fs = std::filesystem;

MasterOptions default_master_options(MasterType type) {
  MasterOptions o;
  o.type = type;
  o.integration.combination = Combination::Mean;
  o.integration.weighting = Weighting::None;
  o.integration.normalisation =
      type == MasterType::Flat ? Normalisation::Multiplicative : Normalisation::None;
  return o;
}

bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      std::size_t i_end = i, j_end = j;
      while (i_end < a.size() && std::isdigit(static_cast<unsigned char>(a[i_end]))) ++i_end;
      while (j_end < b.size() && std::isdigit(static_cast<unsigned char>(b[j_end]))) ++j_end;
      // Compare as numbers: strip leading zeros, then length, then digits.
      std::size_t i_lead = i, j_lead = j;
      while (i_lead + 1 < i_end && a[i_lead] == '0') ++i_lead;
      while (j_lead + 1 < j_end && b[j_lead] == '0') ++j_lead;
      const auto na = a.substr(i_lead, i_end - i_lead), nb = b.substr(j_lead, j_end - j_lead);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = i_end;
      j = j_end;
      continue;
    }
    const int ca = std::tolower(static_cast<unsigned char>(a[i]));
    const int cb = std::tolower(static_cast<unsigned char>(b[j]));
    if (ca != cb) return ca < cb;
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

std::vector<fs::path> image_files_in(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw Error(ErrorKind::NotFound, folder, "no such folder.");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (!entry.is_regular_file()) continue;
    const fs::path& p = entry.path();
    if (p.filename().string().starts_with(".")) continue;  // hidden and partial files
    if (has_fits_extension(p) || has_tiff_extension(p) || has_raw_extension(p)) files.push_back(p);
  }
  if (ec) throw Error(ErrorKind::Unreadable, folder, "cannot be listed (" + ec.message() + ").");
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    return natural_less(a.filename().string(), b.filename().string());
  });
  return files;
}

namespace {

std::shared_ptr<const Image> load_master(const fs::path& file) {
  return std::make_shared<const Image>(read_image(file));
}

}  // namespace

MasterResult make_master(std::vector<fs::path> files, const MasterOptions& options,
                         Progress& progress) {
  if (files.empty()) throw Error(ErrorKind::InvalidArgument, "no frames were given for the master.");
  MasterResult result;
  FrameSet frames = FrameSet::from_files(std::move(files));

  result.mismatches = find_input_mismatches(options.type, frames);
  if (options.strict && !result.mismatches.empty()) {
    const InputMismatch& first = result.mismatches.front();
    throw Error(ErrorKind::InvalidInput, first.odd.front(),
                "does not match the other frames: " + describe(first) + " (--strict).");
  }

  IntegrationOptions integration = options.integration;
  if (options.auto_rejection && integration.combination == Combination::Mean) {
    const RejectionMethod method = auto_rejection_method(frames.size());
    const double poisson = integration.rejection.poisson_factor;
    integration.rejection = default_rejection_params(method);
    integration.rejection.poisson_factor = poisson;
  }
  result.rejection = integration.rejection;

  std::vector<std::string> corrections;
  if (options.type == MasterType::Flat) {
    std::shared_ptr<const Image> master;
    fs::path master_file;
    if (!options.darkflat.empty()) {
      master_file = options.darkflat;
      corrections.push_back("flats corrected by master dark-flat " + master_file.filename().string());
    } else if (!options.bias.empty()) {
      master_file = options.bias;
      corrections.push_back("flats corrected by master bias " + master_file.filename().string());
    }
    if (!master_file.empty()) master = load_master(master_file);
    const float offset = static_cast<float>(options.offset.value_or(0.0));
    if (options.offset) {
      corrections.push_back("flats corrected by a constant offset of " +
                            std::to_string(static_cast<long>(*options.offset * 65535.0 + 0.5)) + " ADU");
    }
    if (master || offset != 0.0f) frames.subtract_on_read(master, offset, master_file);
  } else if (!options.bias.empty() || !options.darkflat.empty() || options.offset) {
    throw Error(ErrorKind::InvalidArgument,
                "--bias, --darkflat and --offset correct flats; they are not used for a " +
                    std::string(to_string(options.type)) + " master.");
  }

  result.integration = integrate(frames, integration, progress);
  Header& header = result.integration.image.header();
  header.image_type = std::string(image_type_keyword(options.type));
  header.history.insert(header.history.begin(),
                        "astropack: master " + std::string(to_string(options.type)));
  for (const std::string& line : corrections) header.history.push_back("astropack: " + line);
  return result;
}

}  // namespace astropack
