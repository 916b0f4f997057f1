// SPDX-License-Identifier: GPL-3.0-or-later
// Pixel math: an expression evaluated per pixel and per channel over named
// images, enough for bicolour palettes and Siril-style formulas, e.g.
//   "0.5*ha + 0.5*oiii"     "max(ha, oiii.g)"     "pow($img[0], 0.8) - 0.01"
//
// Grammar (recursive descent; blanks are ignored):
//   expr    := term (('+' | '-') term)*
//   term    := unary (('*' | '/') unary)*
//   unary   := ('-' | '+') unary | power
//   power   := primary ('^' unary)?          (right-associative; -a^2 = -(a^2))
//   primary := number | image | function '(' expr (',' expr)* ')' | '(' expr ')'
//   image   := ('$')? identifier channel?     channel := '.r' | '.g' | '.b' | '[' digits ']'
// Functions: min(a, b, ...), max(a, b, ...), pow(a, b), sqrt, abs, exp,
// log (natural), log10, asinh, and mtf(m, x) (the midtones transfer function).
// An identifier is an image bound by the caller (name=file on the command
// line); `$name` is the same as `name`.
//
// Channels: the result has 3 channels when any image used without a channel
// selection is RGB, otherwise 1. Channel c of the result uses channel c of each
// RGB image; mono images and selected channels are the same for every c.
// All images must have the same width and height.
// Arithmetic follows IEEE (x/0 gives inf or NaN); nothing is clamped.
// Errors name the character position (1-based) in the expression.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "astropack/image.hpp"

namespace astropack {

struct NamedImage {
  std::string name;
  ConstImageView image;
};

class PixelMathExpression {
 public:
  // Parses; throws Error(InvalidArgument) "... at character N ..." on a syntax error.
  explicit PixelMathExpression(std::string_view text);
  ~PixelMathExpression();
  PixelMathExpression(PixelMathExpression&&) noexcept;
  PixelMathExpression& operator=(PixelMathExpression&&) noexcept;

  const std::string& text() const noexcept { return m_text; }
  // The image names the expression uses, without '$', in order of first use.
  const std::vector<std::string>& image_names() const noexcept { return m_names; }

  // Throws Error(InvalidArgument) for an unbound name, a channel an image does
  // not have, or images of different sizes.
  Image evaluate(std::span<const NamedImage> inputs) const;

  struct Node;

 private:
  std::string m_text;
  std::vector<std::string> m_names;
  std::unique_ptr<Node> m_root;
};

inline Image pixel_math(std::string_view expression, std::span<const NamedImage> inputs) {
  return PixelMathExpression(expression).evaluate(inputs);
}

}  // namespace astropack
