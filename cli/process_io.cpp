// SPDX-License-Identifier: GPL-3.0-or-later
#include "process_io.hpp"

#include <cmath>
#include <cstdio>

#include "astropack/fits.hpp"
#include "astropack/image_file.hpp"
#include "astropack/output_file.hpp"
#include "astropack/tiff.hpp"

namespace astropack::cli {

Image read_input(const std::filesystem::path& file) { return read_image(file); }

void check_output(const std::filesystem::path& output,
                  std::span<const std::filesystem::path> inputs) {
  refuse_output_over_input(output, inputs);
  OutputFile probe(output);  // fails early when the folder is missing or read-only
}

void write_output(const std::filesystem::path& output, Image& image, std::string_view what,
                  std::span<const std::filesystem::path> inputs) {
  refuse_output_over_input(output, inputs);
  std::string line = "astropack ";
  line.append(what);
  image.header().history.push_back(line);
  float peak = 0.0f;
  for (float v : image.samples())
    if (std::isfinite(v) && v > peak) peak = v;
  if (peak > 2.0f && !has_tiff_extension(output)) {
    // siril-compat.md 1.2: Siril takes such float files for 0..65535 data.
    std::fprintf(stderr,
                 "astropack: warning: %s: values reach %.3g; Siril reads float FITS files with "
                 "values above 2 as 0..65535 data and divides them by 65535.\n",
                 output.string().c_str(), double(peak));
  }
  if (has_tiff_extension(output))
    write_tiff(output, image.view(), image.header(), SampleFormat::Float32);
  else
    write_fits(output, image.view(), image.header(), SampleFormat::Float32);
}

}  // namespace astropack::cli
