// SPDX-License-Identifier: GPL-3.0-or-later
// The frames of one integration: FITS files read band by band (with a bounded
// number of open files, whatever the frame count), or images already in
// memory (tests, and small jobs). All frames share one geometry.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "astropack/band_plan.hpp"
#include "astropack/debayer.hpp"
#include "astropack/image.hpp"
#include "astropack/resample.hpp"
#include "astropack/transform.hpp"

namespace astropack {

// How a light stack reads its frames: each band resampled onto the output
// grid through the frame's transform (output grid -> frame coordinates).
struct FrameRegistration {
  std::vector<Transform> transforms;  // one per frame
  ResampleOptions resample;
  std::size_t width = 0, height = 0;  // the output grid (0: the frames' own size)
  // CFA frames are demosaiced before they are resampled (channels() becomes 3) ...
  std::optional<DemosaicMethod> demosaic;
  // ... each with its whole frame's demosaic_lift(), so that every band of a
  // frame is demosaiced alike whatever the band layout; empty: 0 for all.
  std::vector<float> lifts;
};

class FrameSet {
 public:
  // Reads every header; throws Error naming the first frame whose size,
  // channel count or Bayer pattern differs from the first frame's.
  static FrameSet from_files(std::vector<std::filesystem::path> files);
  // Borrows the images; they must outlive the set.
  static FrameSet from_images(std::vector<const Image*> images);

  FrameSet(FrameSet&&) noexcept;
  FrameSet& operator=(FrameSet&&) noexcept;
  ~FrameSet();

  std::size_t size() const noexcept;
  std::size_t width() const noexcept;
  std::size_t height() const noexcept;
  std::size_t channels() const noexcept;
  const Header& header(std::size_t frame) const;
  // Empty for in-memory frames.
  std::filesystem::path file(std::size_t frame) const;
  // False when there are too many files to keep open, so each read_band
  // opens its file again (then fewer, taller bands read faster).
  bool keeps_files_open() const noexcept;

  // Every frame read from now on has `master` (if given) and `constant`
  // subtracted: how flats are bias- or dark-flat-corrected on the fly.
  // Throws Error naming the master when its geometry differs from the frames'.
  void subtract_on_read(std::shared_ptr<const Image> master, float constant,
                        const std::filesystem::path& master_file = {});

  // From now on every band is read registered: the source rows the band needs
  // (plus the demosaicing margin) are read, corrected as above, demosaiced and
  // resampled; width(), height(), channels() and header() describe the output
  // grid (a demosaiced header has no BAYERPAT). Throws Error(InvalidArgument)
  // when the transforms do not match the frames or demosaicing is asked for
  // frames without a Bayer pattern.
  void register_on_read(FrameRegistration registration);
  bool registered() const noexcept;
  // The frames' own size, before registration.
  std::size_t source_width() const noexcept;
  std::size_t source_height() const noexcept;
  // Working memory one read_band of a band `rows` tall takes besides `out`
  // (the source rows, demosaiced planes); 0 when not registered.
  std::size_t read_scratch_bytes(std::size_t rows) const;

  // Fills `out` (width x band.rows x channels) with the band of one frame.
  // Safe to call from several threads for different frames.
  void read_band(std::size_t frame, RowBand band, ImageView out) const;
  // The whole frame (used for per-frame statistics before streaming).
  Image read_frame(std::size_t frame) const;

 private:
  struct State;
  explicit FrameSet(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

}  // namespace astropack
