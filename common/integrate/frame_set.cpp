// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/frame_set.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>

#include "astropack/cfa.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/image_file.hpp"
#include "astropack/raw.hpp"

namespace astropack {

namespace fs = std::filesystem;

namespace {

// Above this many frames a file is opened for each band and closed again,
// so the process never runs into the open-file limit.
constexpr std::size_t kMaxOpenFiles = 128;

std::string describe_geometry(const FitsLayout& layout) {
  std::string text = std::to_string(layout.width);
  text.append(" x ").append(std::to_string(layout.height));
  text.append(layout.channels == 3 ? " RGB" : " mono");
  return text;
}

// Geometry and header of any frame file. FITS streams band by band; camera raw
// and TIFF files have no partial reads, so they are decoded whole when a band
// is asked for (bands are few unless the memory budget is tiny).
FitsInfo frame_info(const fs::path& file) {
  switch (guess_image_format(file)) {
    case ImageFormat::Fits: return read_fits_info(file);
    case ImageFormat::CameraRaw: {
      RawInfo raw = read_raw_info(file);
      FitsInfo info;
      info.layout.width = raw.width;
      info.layout.height = raw.height;
      info.layout.channels = 1;
      info.header = std::move(raw.header);
      return info;
    }
    default: {
      Image image = read_image(file);
      FitsInfo info;
      info.layout.width = image.width();
      info.layout.height = image.height();
      info.layout.channels = image.channels();
      info.header = image.header();
      return info;
    }
  }
}

void copy_band(const Image& image, RowBand band, ImageView out) {
  for (std::size_t c = 0; c < image.channels(); ++c)
    for (std::size_t y = 0; y < band.rows; ++y)
      std::memcpy(out.row(c, y), image.row(c, band.first_row + y), image.width() * sizeof(float));
}

}  // namespace

struct FrameSet::State {
  std::size_t width = 0, height = 0, channels = 0;
  std::vector<fs::path> files;
  std::vector<bool> streams;  // FITS files are read band by band
  std::vector<Header> headers;
  std::vector<const Image*> images;
  // One slot per file when files stay open; each slot has its own lock.
  mutable std::vector<std::optional<FitsBandReader>> readers;
  mutable std::unique_ptr<std::mutex[]> reader_locks;
  std::shared_ptr<const Image> subtrahend;
  float constant = 0.0f;
  // Registered reading: the output grid, demosaiced headers, CFA phases.
  std::optional<FrameRegistration> registration;
  std::size_t out_width = 0, out_height = 0, out_channels = 0;
  std::vector<Header> out_headers;
  std::vector<CfaPattern> origins;

  void read_raw_band(std::size_t frame, RowBand band, ImageView out) const;
  void read_corrected_band(std::size_t frame, RowBand band, ImageView out) const;
  void read_registered_band(std::size_t frame, RowBand band, ImageView out) const;
  // The frame rows a registered read of output rows `band` takes.
  RowBand registered_source_rows(std::size_t frame, RowBand band) const;
};

FrameSet::FrameSet(std::unique_ptr<State> state) : m_state(std::move(state)) {}
FrameSet::FrameSet(FrameSet&&) noexcept = default;
FrameSet& FrameSet::operator=(FrameSet&&) noexcept = default;
FrameSet::~FrameSet() = default;

FrameSet FrameSet::from_files(std::vector<fs::path> files) {
  if (files.empty()) throw Error(ErrorKind::InvalidArgument, "no frames were given.");
  auto state = std::make_unique<State>();
  FitsLayout first;
  for (std::size_t i = 0; i < files.size(); ++i) {
    FitsInfo info = frame_info(files[i]);
    state->streams.push_back(guess_image_format(files[i]) == ImageFormat::Fits);
    if (i == 0) {
      first = info.layout;
    } else {
      if (info.layout.width != first.width || info.layout.height != first.height ||
          info.layout.channels != first.channels) {
        throw Error(ErrorKind::InvalidInput, files[i],
                    "is " + describe_geometry(info.layout) + " but " + files[0].string() +
                        " is " + describe_geometry(first) +
                        "; all frames of a stack must have the same size.");
      }
      if (info.header.bayer_pattern != state->headers[0].bayer_pattern) {
        throw Error(ErrorKind::InvalidInput, files[i],
                    "has Bayer pattern '" + info.header.bayer_pattern + "' but " +
                        files[0].string() + " has '" + state->headers[0].bayer_pattern +
                        "'; colour and mono frames, or different patterns, cannot be stacked together.");
      }
    }
    state->headers.push_back(std::move(info.header));
  }
  state->width = first.width;
  state->height = first.height;
  state->channels = first.channels;
  state->files = std::move(files);
  if (state->files.size() <= kMaxOpenFiles) {
    state->readers.resize(state->files.size());
    state->reader_locks = std::make_unique<std::mutex[]>(state->files.size());
  }
  return FrameSet(std::move(state));
}

FrameSet FrameSet::from_images(std::vector<const Image*> images) {
  if (images.empty()) throw Error(ErrorKind::InvalidArgument, "no frames were given.");
  auto state = std::make_unique<State>();
  const Image& first = *images.front();
  for (const Image* image : images) {
    if (image->width() != first.width() || image->height() != first.height() ||
        image->channels() != first.channels()) {
      throw Error(ErrorKind::InvalidInput, "the frames do not all have the same size.");
    }
    state->headers.push_back(image->header());
  }
  state->width = first.width();
  state->height = first.height();
  state->channels = first.channels();
  state->images = std::move(images);
  return FrameSet(std::move(state));
}

std::size_t FrameSet::size() const noexcept { return m_state->headers.size(); }
std::size_t FrameSet::width() const noexcept {
  return m_state->registration ? m_state->out_width : m_state->width;
}
std::size_t FrameSet::height() const noexcept {
  return m_state->registration ? m_state->out_height : m_state->height;
}
std::size_t FrameSet::channels() const noexcept {
  return m_state->registration ? m_state->out_channels : m_state->channels;
}
std::size_t FrameSet::source_width() const noexcept { return m_state->width; }
std::size_t FrameSet::source_height() const noexcept { return m_state->height; }
bool FrameSet::registered() const noexcept { return m_state->registration.has_value(); }

const Header& FrameSet::header(std::size_t frame) const {
  return m_state->out_headers.empty() ? m_state->headers.at(frame) : m_state->out_headers.at(frame);
}

fs::path FrameSet::file(std::size_t frame) const {
  return m_state->files.empty() ? fs::path{} : m_state->files.at(frame);
}

bool FrameSet::keeps_files_open() const noexcept {
  return m_state->files.empty() || !m_state->readers.empty();
}

void FrameSet::subtract_on_read(std::shared_ptr<const Image> master, float constant,
                                const fs::path& master_file) {
  const State& s = *m_state;
  if (master && (master->width() != s.width || master->height() != s.height ||
                 master->channels() != s.channels)) {
    throw Error(ErrorKind::InvalidInput, master_file,
                "is " + std::to_string(master->width()) + " x " + std::to_string(master->height()) +
                    " but the frames are " + std::to_string(s.width) + " x " +
                    std::to_string(s.height) + "; a master must match the frames it corrects.");
  }
  m_state->subtrahend = std::move(master);
  m_state->constant = constant;
}

void FrameSet::read_band(std::size_t frame, RowBand band, ImageView out) const {
  if (m_state->registration) m_state->read_registered_band(frame, band, out);
  else m_state->read_corrected_band(frame, band, out);
}

void FrameSet::State::read_corrected_band(std::size_t frame, RowBand band, ImageView out) const {
  const State& s = *this;
  s.read_raw_band(frame, band, out);
  if (!s.subtrahend && s.constant == 0.0f) return;
  for (std::size_t c = 0; c < s.channels; ++c) {
    for (std::size_t y = 0; y < band.rows; ++y) {
      float* row = out.row(c, y);
      const float* master = s.subtrahend ? s.subtrahend->row(c, band.first_row + y) : nullptr;
      for (std::size_t x = 0; x < s.width; ++x)
        row[x] -= (master ? master[x] : 0.0f) + s.constant;
    }
  }
}

void FrameSet::State::read_raw_band(std::size_t frame, RowBand band, ImageView out) const {
  const State& s = *this;
  if (!s.images.empty()) {
    const Image& image = *s.images[frame];
    copy_band(image, band, out);
    return;
  }
  if (!s.streams[frame]) {
    const Image image = read_image(s.files[frame]);
    if (image.width() != s.width || image.height() != s.height || image.channels() != s.channels)
      throw Error(ErrorKind::InvalidInput, s.files[frame], "changed size while it was being read.");
    copy_band(image, band, out);
    return;
  }
  if (s.readers.empty()) {
    FitsBandReader reader(s.files[frame]);
    reader.read_rows(band.first_row, out);
    return;
  }
  std::lock_guard lock(s.reader_locks[frame]);
  if (!s.readers[frame]) s.readers[frame].emplace(s.files[frame]);
  s.readers[frame]->read_rows(band.first_row, out);
}

Image FrameSet::read_frame(std::size_t frame) const {
  Image image(width(), height(), channels());
  image.header() = header(frame);
  read_band(frame, {0, height()}, image.view());
  return image;
}

void FrameSet::register_on_read(FrameRegistration registration) {
  State& s = *m_state;
  if (registration.transforms.size() != size()) {
    throw Error(ErrorKind::InvalidArgument, "registration was given " +
                                                std::to_string(registration.transforms.size()) +
                                                " transforms for " + std::to_string(size()) + " frames.");
  }
  if (!registration.lifts.empty() && registration.lifts.size() != size())
    throw Error(ErrorKind::InvalidArgument, "demosaicing lifts were given for a different number of frames.");
  if (registration.width == 0) registration.width = s.width;
  if (registration.height == 0) registration.height = s.height;
  s.out_headers.clear();
  s.origins.clear();
  s.out_channels = s.channels;
  if (registration.demosaic) {
    for (std::size_t i = 0; i < size(); ++i) {
      const std::optional<CfaPattern> origin = phase_at_origin(s.headers[i], s.height);
      if (!origin || s.channels != 1) {
        throw Error(ErrorKind::InvalidArgument, file(i),
                    "has no Bayer pattern (BAYERPAT), so it cannot be demosaiced before "
                    "registration; stack colour frames with a Bayer pattern, or mono frames without demosaicing.");
      }
      s.origins.push_back(*origin);
      Header header = s.headers[i];
      header.bayer_pattern.clear();
      header.bayer_offset_x = 0;
      header.bayer_offset_y = 0;
      s.out_headers.push_back(std::move(header));
    }
    s.out_channels = 3;
  }
  s.out_width = registration.width;
  s.out_height = registration.height;
  s.registration = std::move(registration);
}

RowBand FrameSet::State::registered_source_rows(std::size_t frame, RowBand band) const {
  const FrameRegistration& r = *registration;
  RowBand rows = source_rows_for(r.transforms[frame], band, out_width, width, height,
                                 r.resample.interpolation);
  if (rows.rows == 0 || !r.demosaic) return rows;
  // Rows near a band's cut edges demosaic differently from the whole frame's.
  const std::size_t first = rows.first_row > kDemosaicReach ? rows.first_row - kDemosaicReach : 0;
  const std::size_t end = std::min(height, rows.first_row + rows.rows + kDemosaicReach);
  return {first, end - first};
}

std::size_t FrameSet::read_scratch_bytes(std::size_t rows) const {
  const State& s = *m_state;
  if (!s.registration || rows == 0) return 0;
  rows = std::min(rows, s.out_height);
  // The source rows a band needs grow with rotation and scale: take the most
  // any frame needs at the top, middle and bottom of the grid.
  std::size_t most = 0;
  for (std::size_t f = 0; f < size(); ++f)
    for (const std::size_t first : {std::size_t{0}, (s.out_height - rows) / 2, s.out_height - rows})
      most = std::max(most, s.registered_source_rows(f, {first, rows}).rows);
  // Source samples; demosaicing adds its three planes and RCD's five work planes.
  const std::size_t per_pixel = s.registration->demosaic ? 1 + 3 + 5 : s.channels;
  return most * s.width * per_pixel * sizeof(float);
}

void FrameSet::State::read_registered_band(std::size_t frame, RowBand band, ImageView out) const {
  const FrameRegistration& r = *registration;
  const Transform& transform = r.transforms[frame];
  const auto& h = transform.matrix();
  if (!r.demosaic && out_width == width && out_height == height && h[0] == 1.0 && h[1] == 0.0 &&
      h[2] == 0.0 && h[3] == 0.0 && h[4] == 1.0 && h[5] == 0.0 && transform.is_affine()) {
    read_corrected_band(frame, band, out);  // the reference frame itself
    return;
  }
  const RowBand rows = registered_source_rows(frame, band);
  if (rows.rows == 0) {
    for (std::size_t c = 0; c < out.channels(); ++c)
      for (std::size_t y = 0; y < out.height(); ++y) std::fill_n(out.row(c, y), out.width(), 0.0f);
    return;
  }
  std::vector<float> source(rows.rows * width * channels);
  const ImageView source_view(source.data(), width, rows.rows, channels, width, width * rows.rows);
  read_corrected_band(frame, rows, source_view);
  if (!r.demosaic) {
    resample_band(source_view, rows, height, transform, band, out, r.resample);
    return;
  }
  const CfaPattern origin = rows.first_row % 2 ? shift_row(origins[frame]) : origins[frame];
  const float lift = r.lifts.empty() ? 0.0f : r.lifts[frame];
  const Image rgb = demosaic(source_view, origin, *r.demosaic, lift);
  resample_band(rgb.view(), rows, height, transform, band, out, r.resample);
}

}  // namespace astropack
