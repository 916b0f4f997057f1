// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack pixelmath "EXPR" -o OUT name=FILE...`
#include <CLI/CLI.hpp>

#include <cctype>
#include <cstdio>
#include <memory>
#include <optional>

#include "astropack/pixel_math.hpp"
#include "commands.hpp"
#include "process_io.hpp"

namespace astropack::cli {

namespace {

struct PixelMathArgs {
  std::string expression;
  std::filesystem::path output;
  std::vector<std::string> bindings;
};

bool is_name(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
    return false;
  for (char ch : name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')) return false;
  return true;
}

}  // namespace

void add_pixelmath_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<PixelMathArgs>();
  CLI::App* sub = app.add_subcommand(
      "pixelmath",
      "Compute an image from an expression over named images, per pixel and channel");
  sub->footer(
      "Expressions: + - * / ^, unary minus, parentheses, numbers; min(a,b,...) max(a,b,...) "
      "pow(a,b) sqrt abs exp log log10 asinh mtf(m,x); images by name (ha or $ha), one channel "
      "with ha.r/.g/.b or ha[0]. Example:\n"
      "  astropack pixelmath \"0.6*ha + 0.4*oiii\" -o green.fit ha=Ha.fit oiii=OIII.fit");
  sub->add_option("expression", a->expression, "The expression, quoted")->required();
  sub->add_option("-o,--output", a->output, "Output file: FITS (32-bit float) or .tif/.tiff")
      ->required();
  sub->add_option("images", a->bindings, "name=FILE for each image the expression uses")
      ->required();
  sub->callback([a, &global] {
    const PixelMathExpression expression(a->expression);
    std::vector<std::string> names;
    std::vector<std::filesystem::path> files;
    for (const std::string& binding : a->bindings) {
      const auto equals = binding.find('=');
      if (equals == std::string::npos || !is_name(binding.substr(0, equals)) ||
          equals + 1 == binding.size()) {
        std::string sentence = "pixelmath: '";
        sentence.append(binding).append("' must be written name=FILE, the name made of letters, "
                                        "digits and '_'.");
        throw Error(ErrorKind::InvalidArgument, sentence);
      }
      names.push_back(binding.substr(0, equals));
      files.emplace_back(binding.substr(equals + 1));
    }
    check_output(a->output, files);
    std::vector<Image> images;
    images.reserve(files.size());
    for (const auto& file : files) images.push_back(read_input(file));
    std::vector<NamedImage> inputs;
    for (std::size_t i = 0; i < images.size(); ++i)
      inputs.push_back({names[i], ConstImageView(images[i].view())});
    Image out = expression.evaluate(inputs);
    // The header of the first image the expression names.
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == expression.image_names().front()) {
        out.header() = images[i].header();
        break;
      }
    std::string what = "pixelmath ";
    what.append(a->expression);
    write_output(a->output, out, what, files);
    if (!global.quiet)
      std::printf("%s: %s (%zu channel%s)\n", a->output.string().c_str(), a->expression.c_str(),
                  out.channels(), out.channels() == 1 ? "" : "s");
  });
}

}  // namespace astropack::cli
