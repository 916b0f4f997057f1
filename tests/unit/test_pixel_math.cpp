// SPDX-License-Identifier: GPL-3.0-or-later
// Pixel math: precedence and associativity, functions, channels, and errors
// that name the character position.
#include <cmath>
#include <string>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/pixel_math.hpp"
#include "check_main.hpp"

using namespace astropack;

namespace {

struct Fixture {
  Image a{2, 2, 1, 1.0f}, b{2, 2, 1, 2.0f}, c{2, 2, 1, 3.0f}, rgb{2, 2, 3}, small{1, 2, 1, 1.0f};
  Fixture() {
    for (std::size_t ch = 0; ch < 3; ++ch)
      for (std::size_t i = 0; i < 4; ++i) rgb.plane(ch)[i] = float(0.1 * double(ch + 1));
  }
  std::vector<NamedImage> inputs() const {
    return {{"a", a.view()}, {"b", b.view()}, {"c", c.view()}, {"rgb", rgb.view()},
            {"small", small.view()}};
  }
};

Image eval(const std::string& expression) {
  const Fixture f;
  return pixel_math(expression, f.inputs());
}

double value(const std::string& expression) { return eval(expression).at(0, 1, 1); }

// The error text of evaluating `expression`, or "" when it succeeds.
std::string error_of(const std::string& expression) {
  try {
    eval(expression);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::InvalidArgument) return "wrong kind";
    return e.what();
  }
  return "";
}

bool error_at(const std::string& expression, int character, const std::string& words) {
  const std::string text = error_of(expression);
  const std::string where = "at character " + std::to_string(character) + " ";
  const bool ok = text.find(where) != std::string::npos && text.find(words) != std::string::npos;
  if (!ok) std::fprintf(stderr, "%s -> %s\n", expression.c_str(), text.c_str());
  return ok;
}

}  // namespace

START_TEST(precedence_and_associativity) {
  ck_assert_double_eq_tol(value("a + b * c"), 7.0, 1e-12);
  ck_assert_double_eq_tol(value("(a + b) * c"), 9.0, 1e-12);
  ck_assert_double_eq_tol(value("a - b - c"), -4.0, 1e-12);   // left to right
  ck_assert_double_eq_tol(value("c / b / b"), 0.75, 1e-7);    // (3/2)/2
  ck_assert_double_eq_tol(value("-b^2"), -4.0, 1e-12);        // -(b^2)
  ck_assert_double_eq_tol(value("b^c^b"), 512.0, 1e-12);      // 2^(3^2), right-associative
  ck_assert_double_eq_tol(value("b * -c"), -6.0, 1e-12);
  ck_assert_double_eq_tol(value("-(-a) + +b"), 3.0, 1e-12);
  ck_assert_double_eq_tol(value("1e-3*c + .5*b + 2.*a"), 3.003, 1e-7);
  ck_assert_double_eq_tol(value("\t(a)\t*  ( b+c ) "), 5.0, 1e-12);
}
END_TEST

START_TEST(functions) {
  ck_assert_double_eq_tol(value("min(c, a, b)"), 1.0, 1e-12);
  ck_assert_double_eq_tol(value("max(a, c, b)"), 3.0, 1e-12);
  ck_assert_double_eq_tol(value("pow(b, c)"), 8.0, 1e-12);
  ck_assert_double_eq_tol(value("sqrt(4*a)"), 2.0, 1e-12);
  ck_assert_double_eq_tol(value("abs(a - c)"), 2.0, 1e-12);
  ck_assert_double_eq_tol(value("log(exp(b))"), 2.0, 1e-6);
  ck_assert_double_eq_tol(value("log10(100*a)"), 2.0, 1e-6);
  ck_assert_double_eq_tol(value("asinh(a-a)"), 0.0, 1e-12);
  ck_assert_double_eq_tol(value("mtf(0.25, a/4)"), 0.5, 1e-6);  // MTF(0.25; m = 0.25)
  ck_assert(std::isinf(value("a/(b-b)")));                     // IEEE, not clamped
  ck_assert_double_eq_tol(value("$a + $b"), 3.0, 1e-12);
}
END_TEST

START_TEST(channels) {
  Image out = eval("rgb + a");
  ck_assert_uint_eq(out.channels(), 3);
  for (std::size_t ch = 0; ch < 3; ++ch)
    ck_assert_double_eq_tol(out.at(ch, 0, 0), 1.0 + 0.1 * double(ch + 1), 1e-6);
  out = eval("rgb.g");
  ck_assert_uint_eq(out.channels(), 1);
  ck_assert_double_eq_tol(out.at(0, 0, 0), 0.2, 1e-7);
  ck_assert_double_eq_tol(value("rgb[2] * b"), 0.6, 1e-6);
  ck_assert_double_eq_tol(value("rgb.R + rgb.B"), 0.4, 1e-6);
  out = eval("rgb.g + $rgb");
  ck_assert_uint_eq(out.channels(), 3);
  ck_assert_double_eq_tol(out.at(2, 1, 0), 0.5, 1e-6);
  ck_assert_uint_eq(eval("a[0] * 2").channels(), 1);
}
END_TEST

START_TEST(syntax_errors_name_the_position) {
  ck_assert(error_at("a +* b", 4, "'*' where a value was expected"));
  ck_assert(error_at("(a + b", 7, "expected ')' to close the '(' at character 1"));
  ck_assert(error_at("a + b)", 6, "')' without a matching '('"));
  ck_assert(error_at("foo(a)", 1, "unknown function 'foo'"));
  ck_assert(error_at("min(a)", 1, "min() takes at least 2 arguments, not 1"));
  ck_assert(error_at("pow(a, b, c)", 1, "pow() takes 2 arguments, not 3"));
  ck_assert(error_at("a.x", 2, ".r, .g or .b"));
  ck_assert(error_at("a[x]", 2, "[0], [1] or [2]"));
  ck_assert(error_at("", 1, "empty"));
  ck_assert(error_at("a b", 3, "unexpected 'b'"));
  ck_assert(error_at("a + $", 6, "must follow '$'"));
  ck_assert(error_at("a * (b + )", 10, "a value is missing before ')'"));
  ck_assert(error_at("2 * sqrt", 9, "is a function"));
  ck_assert(error_at("a + ", 5, "ends where a value was expected"));
  ck_assert(error_at("a # b", 3, "unexpected '#'"));
}
END_TEST

START_TEST(evaluation_errors) {
  ck_assert(error_at("a + nebula", 5, "'nebula' is not given"));
  ck_assert(error_at("b * a[1]", 5, "'a' has 1 channel, so channel 1 does not exist"));
  ck_assert(error_at("rgb[3]", 1, "has 3 channels"));
  ck_assert(error_of("a + small").find("differ in size: a is 2x2 but small is 1x2") !=
            std::string::npos);
  ck_assert(error_of("1 + 2").find("uses no image") != std::string::npos);
  const PixelMathExpression e("x*2 + $y - x");
  ck_assert_uint_eq(e.image_names().size(), 2);
  ck_assert_str_eq(e.image_names()[0].c_str(), "x");
  ck_assert_str_eq(e.image_names()[1].c_str(), "y");
}
END_TEST

int main() {
  Suite* s = suite_create("pixel_math");
  TCase* tc = tcase_create("pixel_math");
  ADD_TEST(tc, precedence_and_associativity);
  ADD_TEST(tc, functions);
  ADD_TEST(tc, channels);
  ADD_TEST(tc, syntax_errors_name_the_position);
  ADD_TEST(tc, evaluation_errors);
  suite_add_tcase(s, tc);
  return astropack::test::run_suite(s);
}
