// SPDX-License-Identifier: GPL-3.0-or-later
// The simulator's own random numbers: xoshiro256** seeded through splitmix64,
// with normal (Marsaglia's polar method) and Poisson samplers written here, so that a seed
// gives the same numbers with every compiler and standard library (the
// std:: distributions do not promise that). Every frame, row or object draws
// from its own stream, named by a key, so results never depend on the order
// or the number of threads that draw them.
#pragma once

#include <cstdint>

namespace astropack::simulate {

// What a stream is used for; part of every stream key so that streams of
// different purposes never coincide.
enum class Stream : std::uint64_t {
  Camera = 1,  // fixed sensor maps: bias pattern, PRNU, dark current, defects
  Optics = 2,  // vignetting centre and dust motes
  Stars = 3,   // the star catalogue
  Nebula = 4,  // nebula shapes and texture
  Frame = 5,   // per-frame parameters: dithers, seeing, transparency, artefacts
  Pixels = 6,  // per-row photon, dark and read noise of one frame
};

// splitmix64's output function: a strong 64-bit mix.
std::uint64_t mix64(std::uint64_t value) noexcept;

// A key naming one stream: the session seed, a purpose and up to three indices.
std::uint64_t stream_key(std::uint64_t seed, Stream purpose, std::uint64_t a = 0,
                         std::uint64_t b = 0, std::uint64_t c = 0) noexcept;

class Rng {
 public:
  explicit Rng(std::uint64_t key) noexcept;

  std::uint64_t next() noexcept;
  // Uniform in [0, 1), 53 random bits.
  double uniform() noexcept;
  double uniform(double low, double high) noexcept { return low + (high - low) * uniform(); }
  // Uniform integer in [0, n); n > 0.
  std::uint64_t below(std::uint64_t n) noexcept;
  // Standard normal deviate.
  double normal() noexcept;
  double normal(double mean, double sigma) noexcept { return mean + sigma * normal(); }
  // Poisson deviate with the given mean (>= 0): exact for every mean, by
  // multiplication of uniforms below 10 and Hormann's PTRS above.
  double poisson(double mean) noexcept;

 private:
  std::uint64_t m_state[4];
  double m_spare_normal = 0.0;
  bool m_has_spare = false;
};

}  // namespace astropack::simulate
