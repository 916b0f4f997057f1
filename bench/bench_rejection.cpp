// SPDX-License-Identifier: GPL-3.0-or-later
// Time per pixel of each rejection kernel on synthetic bias-like stacks
// (Gaussian noise in 16-bit steps, one cosmic ray in about 2 % of the
// stacks), one thread. Prints CPU ns per pixel stack (thread CPU time, so a
// busy machine disturbs it less than wall time) and a checksum of the means,
// so a faster kernel can be checked to give the same result.
//
//   bench_rejection [FRAMES [PIXELS [METHOD]]]   defaults 50, 200000, every method
//
// METHOD keeps the methods whose name contains it ("winsorized").
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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
    double checksum = 0;
    std::uint64_t rejected = 0;
    const double start = thread_seconds();
    for (std::size_t p = 0; p < pixels; ++p) {
      for (std::size_t f = 0; f < frames; ++f) values[f] = stacks[p * frames + f];
      const RejectionOutcome o = rejector.reject(values, {}, workspace);
      checksum += o.mean;
      rejected += o.low + o.high;
    }
    const double seconds = thread_seconds() - start;
    std::printf("%-46s %8.1f ns/pixel  rejected %10llu  checksum %.17g\n",
                std::string(rejection_method_name(method)).c_str(), seconds * 1e9 / double(pixels),
                static_cast<unsigned long long>(rejected), checksum);
  }
  return 0;
}
