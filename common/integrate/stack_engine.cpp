// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/stack_engine.hpp"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <new>

#include "astropack/band_plan.hpp"
#include "astropack/error.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef __linux__
#include <sys/mman.h>
#endif

namespace astropack {

namespace {

// Pixels gathered and combined at a time: the stacks of a block (frames x
// kBlock values) stay in the first-level caches between the two steps.
constexpr std::size_t kBlock = 64;

// Band buffer size beyond which taller bands gain nothing (see below).
constexpr std::size_t kPreferredBandBytes = std::size_t{256} << 20;
// Registered bands also re-read the rows their neighbours need (rotation and
// the kernel's reach): taller bands waste less.
constexpr std::size_t kPreferredRegisteredBandBytes = std::size_t{1} << 30;

// Rows per band such that the band buffer of every frame plus each thread's
// read scratch fit the budget (at least 1).
std::size_t registered_band_rows(const FrameSet& frames, std::size_t budget, int threads) {
  const std::size_t per_row = frames.width() * frames.channels() * frames.size() * sizeof(float);
  const auto cost = [&](std::size_t rows) {
    return rows * per_row + static_cast<std::size_t>(threads) * frames.read_scratch_bytes(rows);
  };
  std::size_t low = 1, high = std::max<std::size_t>(1, frames.height());
  if (cost(high) <= budget) return high;
  while (low + 1 < high) {  // cost(low) fits or low is 1; cost(high) does not
    const std::size_t middle = low + (high - low) / 2;
    (cost(middle) <= budget ? low : high) = middle;
  }
  return low;
}

// The band buffer: left uninitialised (every read fills it whole) and, on
// Linux, backed by transparent huge pages where the system grants them on
// request. Touching gigabytes of fresh memory 4 KiB at a time costs seconds
// of page faults, more than zeroing it.
class BandBuffer {
 public:
  explicit BandBuffer(std::size_t samples) {
    constexpr std::size_t kHugePage = std::size_t{2} << 20;
    const std::size_t bytes = (samples * sizeof(float) + kHugePage - 1) / kHugePage * kHugePage;
    m_data = static_cast<float*>(std::aligned_alloc(kHugePage, std::max(bytes, kHugePage)));
    if (m_data == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    ::madvise(m_data, bytes, MADV_HUGEPAGE);  // a hint: failure only costs speed
#endif
  }
  ~BandBuffer() { std::free(m_data); }
  BandBuffer(const BandBuffer&) = delete;
  BandBuffer& operator=(const BandBuffer&) = delete;
  float* get() const noexcept { return m_data; }

 private:
  float* m_data = nullptr;
};

// Reads one band of every frame into `buffer`, frame after frame.
void read_band_of_all_frames(const FrameSet& frames, RowBand band, float* buffer, int threads) {
  const std::size_t plane = frames.width() * band.rows;
  const std::size_t frame_size = plane * frames.channels();
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (std::size_t f = 0; f < frames.size(); ++f) {
    try {
      ImageView view(buffer + f * frame_size, frames.width(), band.rows,
                     frames.channels(), frames.width(), plane);
      frames.read_band(f, band, view);
    } catch (...) {
#pragma omp critical(astropack_band_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

int worker_threads(int requested) noexcept {
#ifdef _OPENMP
  return requested > 0 ? requested : omp_get_max_threads();
#else
  (void)requested;
  return 1;
#endif
}

// For registered frames the band budget also holds the threads' read scratch
// (source rows with the margin rotation and the kernel need): run_stack_engine
// fits both into it.
std::size_t band_budget_within(std::size_t total, const FrameSet& frames, bool rejection_maps,
                               int threads) {
  // The program, its libraries, CFITSIO's buffers, the headers of thousands of frames.
  constexpr std::size_t kProcessReserve = std::size_t{32} << 20;
  constexpr std::size_t kHugePage = std::size_t{2} << 20;
  const std::size_t width = frames.width(), n = frames.size();
  const std::size_t image =
      width * frames.height() * frames.channels() * sizeof(float) * (rejection_maps ? 3 : 1);
  // Stacks of a whole line (the most a combiner gets), line results, the FITS
  // read buffer and the rejection workspace.
  const std::size_t per_thread =
      (width * n + 2 * width) * sizeof(float) + kHugePage + n * 64;
  const std::size_t fixed = image + per_thread * static_cast<std::size_t>(worker_threads(threads)) +
                            kHugePage + kProcessReserve;
  return total > fixed ? total - fixed : 1;  // 1 byte: one row per band, the least there is
}

StackEngineResult run_stack_engine(const FrameSet& frames, const StackEngineSetup& setup,
                                   Progress& progress) {
  const std::size_t n = frames.size();
  const std::size_t width = frames.width(), height = frames.height(), channels = frames.channels();
  if (!setup.combine && !setup.combine_line) throw Error(ErrorKind::Internal, "no pixel combiner was given.");
  if (!setup.scaling.empty() && setup.scaling.size() != n)
    throw Error(ErrorKind::Internal, "normalisation was given for a different number of frames.");
  if (!setup.weights.empty() && setup.weights.size() != n)
    throw Error(ErrorKind::Internal, "weights were given for a different number of frames.");
  if (n > 65535) throw Error(ErrorKind::InvalidArgument, "at most 65535 frames can be stacked at once.");

  const int threads = worker_threads(setup.threads);
  BandPlanInput plan_input;
  plan_input.width = width;
  plan_input.height = height;
  plan_input.channels = channels;
  plan_input.frames = n;
  plan_input.budget_bytes = setup.memory_budget ? setup.memory_budget : default_memory_budget();
  // The budget is a bound, not a target: past a few hundred MB taller bands
  // only cost more fresh memory to fault in (seconds for gigabytes), unless
  // every band has to open the files again.
  if (frames.keeps_files_open()) {
    plan_input.budget_bytes = std::min(plan_input.budget_bytes, frames.registered()
                                                                    ? kPreferredRegisteredBandBytes
                                                                    : kPreferredBandBytes);
  }
  plan_input.buffers = 1;
  if (frames.registered()) {
    // Reading a registered band takes working memory per thread: the band
    // height is chosen for buffers and scratch together.
    const std::size_t rows = registered_band_rows(frames, plan_input.budget_bytes, threads);
    plan_input.budget_bytes = rows * width * channels * n * sizeof(float);
  }
  const std::vector<RowBand> bands = plan_bands(plan_input);

  StackEngineResult result;
  result.image = Image(width, height, channels);
  if (setup.rejection_maps) {
    result.low_map = Image(width, height, channels);
    result.high_map = Image(width, height, channels);
  }
  result.band_count = bands.size();

  std::size_t tallest = 0;
  for (const RowBand& band : bands) tallest = std::max(tallest, band.rows);
  const BandBuffer buffer(n * channels * width * tallest);
  const std::span<const float> weights(setup.weights);
  std::size_t rows_done = 0;
  for (const RowBand& band : bands) {
    throw_if_cancelled(progress);
    read_band_of_all_frames(frames, band, buffer.get(), threads);

    const std::size_t plane = width * band.rows;
    const std::size_t frame_size = plane * channels;
    std::uint64_t low_total = 0, high_total = 0;
    const std::size_t lines = channels * band.rows;
#pragma omp parallel num_threads(threads) reduction(+ : low_total, high_total)
    {
      // Pixel stacks side by side: the frames of pixel x at [x*n, x*n + n). A
      // line combiner sees the whole line; pixel combiners go block by block.
      const std::size_t span = setup.combine_line ? width : std::min(width, kBlock);
      std::vector<float> stacks(span * n);
      std::vector<float> line_out(width);
      std::vector<std::uint16_t> low(width), high(width);
      const bool scaled = !setup.scaling.empty();
      // Stacks of pixels [x0, x0 + count) of the line starting at `base`.
      auto gather = [&](std::size_t c, std::size_t base, std::size_t x0, std::size_t count) {
        for (std::size_t f = 0; f < n; ++f) {
          const float* in = buffer.get() + f * frame_size + base + x0;
          const LinearScaling s = scaled ? setup.scaling[f][c] : LinearScaling{};
          for (std::size_t x = 0; x < count; ++x) {
            const float v = in[x];
            stacks[x * n + f] = (scaled && v != 0.0f) ? s.multiplier * v + s.offset : v;
          }
        }
      };
#pragma omp for schedule(static)
      for (std::size_t line = 0; line < lines; ++line) {
        const std::size_t c = line / band.rows, y = line % band.rows;
        const std::size_t base = c * plane + y * width;
        if (setup.combine_line) {
          gather(c, base, 0, width);
          setup.combine_line(stacks, n, weights, line_out, low, high);
        } else {
          for (std::size_t x0 = 0; x0 < width; x0 += span) {
            const std::size_t count = std::min(span, width - x0);
            gather(c, base, x0, count);
            for (std::size_t x = 0; x < count; ++x) {
              const PixelOutcome o =
                  setup.combine(std::span<float>(stacks).subspan(x * n, n), weights);
              line_out[x0 + x] = o.value;
              low[x0 + x] = o.rejected_low;
              high[x0 + x] = o.rejected_high;
            }
          }
        }
        const std::size_t row = band.first_row + y;
        std::copy(line_out.begin(), line_out.end(), result.image.row(c, row));
        for (std::size_t x = 0; x < width; ++x) {
          low_total += low[x];
          high_total += high[x];
        }
        if (setup.rejection_maps) {
          for (std::size_t x = 0; x < width; ++x) {
            result.low_map.at(c, row, x) = float(low[x]) / float(n);
            result.high_map.at(c, row, x) = float(high[x]) / float(n);
          }
        }
      }
    }
    result.rejected_low += low_total;
    result.rejected_high += high_total;
    rows_done += band.rows;
    progress.report(double(rows_done) / double(height), "Integrating");
  }
  return result;
}

}  // namespace astropack
