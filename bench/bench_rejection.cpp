// SPDX-License-Identifier: GPL-3.0-or-later
// Time per pixel of each rejection kernel on synthetic bias-like stacks
// (Gaussian noise in 16-bit steps, one cosmic ray in about 2 % of the
// stacks), one thread. Prints CPU ns per pixel stack (thread CPU time, so a
// busy machine disturbs it less than wall time) and a checksum of the means,
// so a faster kernel can be checked to give the same result. Each method is
// also timed through Rejector::reject_many, whose results must be identical.
//
//   bench_rejection [FRAMES [PIXELS [METHOD]]]   defaults 50, 200000, every method
//
// METHOD keeps the methods whose name contains it ("winsorized").
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "astropack/rejection.hpp"

using namespace astropack;

namespace {

double thread_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t frames = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 50;
  const std::size_t pixels = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 200000;
  if (frames == 0 || pixels == 0) {
    std::fprintf(stderr, "usage: bench_rejection [FRAMES [PIXELS [METHOD]]]\n");
    return 2;
  }
  std::mt19937_64 random(42);
  std::normal_distribution<double> noise(2048.0, 12.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<float> stacks(frames * pixels);
  for (std::size_t p = 0; p < pixels; ++p) {
    for (std::size_t f = 0; f < frames; ++f)
      stacks[p * frames + f] = float(std::round(noise(random)) / 65535.0);
    if (uniform(random) < 0.02)
      stacks[p * frames + random() % frames] += float((2000.0 + 40000.0 * uniform(random)) / 65535.0);
  }

  const RejectionMethod methods[] = {
      RejectionMethod::None,       RejectionMethod::Percentile, RejectionMethod::Sigma,
      RejectionMethod::Mad,        RejectionMethod::SigmaMedian, RejectionMethod::Winsorized,
      RejectionMethod::LinearFit,  RejectionMethod::Gesdt,      RejectionMethod::AveragedSigma};
  std::printf("%zu frames, %zu pixel stacks\n", frames, pixels);
  const std::string only = argc > 3 ? argv[3] : "";
  for (RejectionMethod method : methods) {
    if (std::string(rejection_method_name(method)).find(only) == std::string::npos) continue;
    RejectionParams params = default_rejection_params(method);
    if (method == RejectionMethod::AveragedSigma) params.poisson_factor = poisson_factor_from_gain(1.0);
    const Rejector rejector(params, frames);
    RejectionWorkspace workspace(frames);
    std::vector<float> values(frames);
    std::vector<float> one(pixels), many(pixels);
    std::vector<std::uint16_t> low(pixels), high(pixels);
    double checksum = 0;
    std::uint64_t rejected = 0;
    double start = thread_seconds();
    for (std::size_t p = 0; p < pixels; ++p) {
      for (std::size_t f = 0; f < frames; ++f) values[f] = stacks[p * frames + f];
      const RejectionOutcome o = rejector.reject(values, {}, workspace);
      checksum += o.mean;
      rejected += o.low + o.high;
      one[p] = static_cast<float>(o.mean);
    }
    const double seconds = thread_seconds() - start;
    // The same stacks a line of 6000 pixels at a time, as the stack engine hands them over.
    constexpr std::size_t kLine = 6000;
    std::uint64_t rejected_many = 0;
    start = thread_seconds();
    for (std::size_t p = 0; p < pixels; p += kLine) {
      const std::size_t count = std::min(kLine, pixels - p);
      rejector.reject_many(std::span<const float>(stacks).subspan(p * frames, count * frames), {},
                           workspace, std::span<float>(many).subspan(p, count),
                           std::span<std::uint16_t>(low).subspan(p, count),
                           std::span<std::uint16_t>(high).subspan(p, count));
    }
    const double seconds_many = thread_seconds() - start;
    std::size_t different = 0;
    for (std::size_t p = 0; p < pixels; ++p) {
      rejected_many += low[p] + high[p];
      if (std::memcmp(&one[p], &many[p], sizeof(float)) != 0) ++different;
    }
    std::printf("%-46s %8.1f ns/pixel  rejected %10llu  checksum %.17g\n",
                std::string(rejection_method_name(method)).c_str(), seconds * 1e9 / double(pixels),
                static_cast<unsigned long long>(rejected), checksum);
    std::printf("%-46s %8.1f ns/pixel  rejected %10llu  %s\n", "  the same, many stacks at once",
                seconds_many * 1e9 / double(pixels), static_cast<unsigned long long>(rejected_many),
                different == 0 && rejected_many == rejected ? "identical" : "DIFFERENT");
  }
  return 0;
}
