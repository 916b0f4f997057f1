// SPDX-License-Identifier: GPL-3.0-or-later
#include "random.hpp"

#include <cmath>

namespace astropack::simulate {

namespace {

constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

std::uint64_t rotate_left(std::uint64_t value, int bits) noexcept {
  return (value << bits) | (value >> (64 - bits));
}

double poisson_by_multiplication(Rng& rng, double mean) noexcept {
  // Counts uniforms until their product falls below exp(-mean).
  const double limit = std::exp(-mean);
  double product = rng.uniform();
  double count = 0.0;
  while (product > limit) {
    product *= rng.uniform();
    count += 1.0;
  }
  return count;
}

// W. Hormann, "The transformed rejection method for generating Poisson random
// variables", Insurance: Mathematics and Economics 12 (1993): algorithm PTRS,
// valid for mean >= 10.
double poisson_ptrs(Rng& rng, double mean) noexcept {
  const double root = std::sqrt(mean);
  const double b = 0.931 + 2.53 * root;
  const double a = -0.059 + 0.02483 * b;
  const double inverse_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double v_r = 0.9277 - 3.6224 / (b - 2.0);
  const double log_mean = std::log(mean);
  for (;;) {
    const double u = rng.uniform() - 0.5;
    const double v = rng.uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= v_r) return k;
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    const double lhs = std::log(v * inverse_alpha / (a / (us * us) + b));
    const double rhs = -mean + k * log_mean - std::lgamma(k + 1.0);
    if (lhs <= rhs) return k;
  }
}

}  // namespace

std::uint64_t mix64(std::uint64_t value) noexcept {
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

std::uint64_t stream_key(std::uint64_t seed, Stream purpose, std::uint64_t a, std::uint64_t b,
                         std::uint64_t c) noexcept {
  std::uint64_t key = mix64(seed + kGolden);
  key = mix64(key ^ (static_cast<std::uint64_t>(purpose) * kGolden));
  key = mix64(key ^ (a + 1) * 0xd1b54a32d192ed03ULL);
  key = mix64(key ^ (b + 1) * 0xabc98388fb8fac03ULL);
  return mix64(key ^ (c + 1) * 0x8cb92ba72f3d8dd7ULL);
}

Rng::Rng(std::uint64_t key) noexcept {
  // splitmix64 fills the state; it never yields four zero words.
  for (auto& word : m_state) {
    key += kGolden;
    word = mix64(key);
  }
}

std::uint64_t Rng::next() noexcept {
  // xoshiro256** (Blackman and Vigna).
  const std::uint64_t result = rotate_left(m_state[1] * 5, 7) * 9;
  const std::uint64_t t = m_state[1] << 17;
  m_state[2] ^= m_state[0];
  m_state[3] ^= m_state[1];
  m_state[1] ^= m_state[2];
  m_state[0] ^= m_state[3];
  m_state[2] ^= t;
  m_state[3] = rotate_left(m_state[3], 45);
  return result;
}

double Rng::uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

std::uint64_t Rng::below(std::uint64_t n) noexcept {
  // Rejection keeps the result exactly uniform.
  const std::uint64_t limit = (~std::uint64_t{0} / n) * n;
  std::uint64_t value = next();
  while (value >= limit) value = next();
  return value % n;
}

double Rng::normal() noexcept {
  if (m_has_spare) {
    m_has_spare = false;
    return m_spare_normal;
  }
  // Marsaglia's polar form of Box-Muller: a point uniform in the unit disc
  // gives two independent deviates without trigonometry.
  double u, v, s;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  m_spare_normal = v * factor;
  m_has_spare = true;
  return u * factor;
}

double Rng::poisson(double mean) noexcept {
  if (!(mean > 0.0)) return 0.0;
  return mean < 10.0 ? poisson_by_multiplication(*this, mean) : poisson_ptrs(*this, mean);
}

}  // namespace astropack::simulate
