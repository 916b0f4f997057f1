// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/frame_set.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>

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

  void read_raw_band(std::size_t frame, RowBand band, ImageView out) const;
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
std::size_t FrameSet::width() const noexcept { return m_state->width; }
std::size_t FrameSet::height() const noexcept { return m_state->height; }
std::size_t FrameSet::channels() const noexcept { return m_state->channels; }
const Header& FrameSet::header(std::size_t frame) const { return m_state->headers.at(frame); }

fs::path FrameSet::file(std::size_t frame) const {
  return m_state->files.empty() ? fs::path{} : m_state->files.at(frame);
}

bool FrameSet::keeps_files_open() const noexcept {
  return m_state->files.empty() || !m_state->readers.empty();
}

void FrameSet::subtract_on_read(std::shared_ptr<const Image> master, float constant,
                                const fs::path& master_file) {
  if (master && (master->width() != width() || master->height() != height() ||
                 master->channels() != channels())) {
    throw Error(ErrorKind::InvalidInput, master_file,
                "is " + std::to_string(master->width()) + " x " + std::to_string(master->height()) +
                    " but the frames are " + std::to_string(width()) + " x " +
                    std::to_string(height()) + "; a master must match the frames it corrects.");
  }
  m_state->subtrahend = std::move(master);
  m_state->constant = constant;
}

void FrameSet::read_band(std::size_t frame, RowBand band, ImageView out) const {
  const State& s = *m_state;
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
  Image image(m_state->width, m_state->height, m_state->channels);
  image.header() = header(frame);
  read_band(frame, {0, m_state->height}, image.view());
  return image;
}

}  // namespace astropack
