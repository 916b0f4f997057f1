// SPDX-License-Identifier: GPL-3.0-or-later
// siril-cli reads the TIFF files astropack writes with the same orientation
// rule (the top TIFF row is the last stored row): astropack writes 16-bit and
// float TIFF, mono and RGB, Siril loads each and saves it as FITS, and the
// FITS pixels must equal the stored pixels astropack started from.
// Exit status: 0 pass, 1 fail, 77 skip (siril-cli missing and CI is not "true").
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "siril_runner.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/tiff.hpp"

using namespace astropack;
namespace fs = std::filesystem;
using astropack::siril_runner::find_siril;
using astropack::siril_runner::run_siril;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s - %s\n", ok ? "ok" : "FAILED", what.c_str());
  if (!ok) ++failures;
}

std::string joined(const std::string& a, const std::string& b) {
  std::string text = a;
  text.append(b);
  return text;
}

// Odd sizes and a different ramp per axis and channel, so flips and transposes show.
Image pattern_image(std::size_t channels) {
  Image image(37, 23, channels);
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t y = 0; y < image.height(); ++y)
      for (std::size_t x = 0; x < image.width(); ++x)
        image.at(c, y, x) = static_cast<float>((1.0 + 611.0 * y + 17.0 * x + 9000.0 * c) / 65535.0);
  image.at(0, 0, 0) = static_cast<float>(60000.0 / 65535.0);  // the first stored pixel
  return image;
}



struct Sample {
  std::string name;
  std::size_t channels;
  SampleFormat format;
};

}  // namespace

int main() {
  const std::string siril = find_siril();
  if (siril.empty()) {
    const char* ci = std::getenv("CI");
    if (ci && std::string(ci) == "true") {
      std::printf("FAILED - siril-cli not found, and CI=true requires it\n");
      return 1;
    }
    std::printf("SKIP - siril-cli not found\n");
    return 77;
  }
  const fs::path root = fs::temp_directory_path() /
                        joined("astropack-siril-tiff-", std::to_string(::getpid()));
  fs::remove_all(root);
  const fs::path home = root / "home";
  const fs::path work = root / "work";
  fs::create_directories(home);
  fs::create_directories(work);

  const std::vector<Sample> samples = {{"mono16", 1, SampleFormat::UInt16},
                                       {"rgb16", 3, SampleFormat::UInt16},
                                       {"mono32", 1, SampleFormat::Float32},
                                       {"rgb32", 3, SampleFormat::Float32}};
  try {
    std::string script = "requires 1.0.0\n";
    for (const Sample& s : samples) {
      const Image image = pattern_image(s.channels);
      write_tiff(work / joined(s.name, ".tif"), image.view(), image.header(), s.format);
      script.append("load ").append(s.name).append(".tif\n");
      script.append("save fits_").append(s.name).append("\n");
    }
    check(run_siril(siril, work, home, "script", script) == 0, "siril-cli loaded every TIFF");

    for (const Sample& s : samples) {
      const fs::path saved = work / joined(joined("fits_", s.name), ".fit");
      if (!fs::exists(saved)) {
        check(false, joined(s.name, ": Siril saved the FITS"));
        continue;
      }
      const Image expected = pattern_image(s.channels);
      const Image got = read_fits(saved);
      bool same_shape = got.width() == expected.width() && got.height() == expected.height() &&
                        got.channels() == expected.channels();
      check(same_shape, joined(s.name, ": same size and channels"));
      if (!same_shape) continue;
      double worst = 0.0;
      for (std::size_t i = 0; i < got.samples().size(); ++i) {
        worst = std::max(worst, std::abs(double(got.samples()[i]) - expected.samples()[i]));
      }
      char text[64];
      std::snprintf(text, sizeof text, "%.3g", worst);
      // Every value is a whole number of 16-bit steps, so both formats are exact.
      check(worst < 1e-7, joined(joined(s.name, ": Siril's stored pixels equal ours, worst "),
                                 text));
    }
  } catch (const std::exception& e) {
    check(false, joined("no exception: ", e.what()));
  }

  if (failures == 0) {
    fs::remove_all(root);
  } else {
    std::printf("files kept in %s\n", root.c_str());
  }
  return failures == 0 ? 0 : 1;
}
