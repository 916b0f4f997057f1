// SPDX-License-Identifier: GPL-3.0-or-later
// Pixel math: a recursive-descent parser building a small tree, evaluated a
// row at a time (one buffer per node), rows in parallel.
#include "astropack/pixel_math.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "astropack/error.hpp"
#include "astropack/mtf_stretch.hpp"
#include "operation_support.hpp"

namespace astropack {

namespace {

enum class Kind { Number, Image, Negate, Add, Subtract, Multiply, Divide, Power, Call };
enum class Function { Min, Max, Pow, Sqrt, Abs, Exp, Log, Log10, Asinh, Mtf };

struct FunctionInfo {
  const char* name;
  Function function;
  std::size_t min_args, max_args;
};

constexpr FunctionInfo kFunctions[] = {
    {"min", Function::Min, 2, 64},   {"max", Function::Max, 2, 64},
    {"pow", Function::Pow, 2, 2},    {"sqrt", Function::Sqrt, 1, 1},
    {"abs", Function::Abs, 1, 1},    {"exp", Function::Exp, 1, 1},
    {"log", Function::Log, 1, 1},    {"log10", Function::Log10, 1, 1},
    {"asinh", Function::Asinh, 1, 1}, {"mtf", Function::Mtf, 2, 2},
};

const FunctionInfo* find_function(std::string_view name) {
  for (const FunctionInfo& f : kFunctions)
    if (name == f.name) return &f;
  return nullptr;
}

bool is_identifier_start(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}
bool is_identifier_char(char ch) { return is_identifier_start(ch) || (ch >= '0' && ch <= '9'); }
bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

}  // namespace

struct PixelMathExpression::Node {
  Kind kind = Kind::Number;
  double number = 0;
  std::string name;          // image name
  Function function = Function::Min;
  int channel = -1;          // selected channel of an image, -1 = the output channel
  std::size_t position = 1;  // 1-based character where the node starts
  std::vector<std::unique_ptr<Node>> children;
};

namespace {

using Node = PixelMathExpression::Node;

[[noreturn]] void syntax_error(std::string_view text, std::size_t index, std::string_view what) {
  std::string sentence = "pixel math: ";
  sentence.append(what).append(" at character ").append(std::to_string(index + 1));
  sentence.append(" of \"").append(text).append("\".");
  throw Error(ErrorKind::InvalidArgument, sentence);
}

std::string describe_char(char ch) {
  std::string text = "unexpected '";
  text.push_back(ch);
  text.append("'");
  return text;
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<std::string>& names) : m_text(text), m_names(names) {}

  std::unique_ptr<Node> parse() {
    skip_blanks();
    if (m_at == m_text.size()) syntax_error(m_text, m_at, "the expression is empty");
    auto node = expression();
    skip_blanks();
    if (m_at < m_text.size()) {
      if (m_text[m_at] == ')') syntax_error(m_text, m_at, "')' without a matching '('");
      syntax_error(m_text, m_at, describe_char(m_text[m_at]).append(" (an operator is missing?)"));
    }
    return node;
  }

 private:
  void skip_blanks() {
    while (m_at < m_text.size() && (m_text[m_at] == ' ' || m_text[m_at] == '\t')) ++m_at;
  }
  bool accept(char ch) {
    skip_blanks();
    if (m_at < m_text.size() && m_text[m_at] == ch) {
      ++m_at;
      return true;
    }
    return false;
  }
  static std::unique_ptr<Node> make(Kind kind, std::size_t index) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->position = index + 1;
    return node;
  }
  static std::unique_ptr<Node> binary(Kind kind, std::unique_ptr<Node> a, std::unique_ptr<Node> b,
                                      std::size_t index) {
    auto node = make(kind, index);
    node->children.push_back(std::move(a));
    node->children.push_back(std::move(b));
    return node;
  }

  std::unique_ptr<Node> expression() {
    auto node = term();
    for (;;) {
      skip_blanks();
      const std::size_t at = m_at;
      if (accept('+')) node = binary(Kind::Add, std::move(node), term(), at);
      else if (accept('-')) node = binary(Kind::Subtract, std::move(node), term(), at);
      else return node;
    }
  }

  std::unique_ptr<Node> term() {
    auto node = unary();
    for (;;) {
      skip_blanks();
      const std::size_t at = m_at;
      if (accept('*')) node = binary(Kind::Multiply, std::move(node), unary(), at);
      else if (accept('/')) node = binary(Kind::Divide, std::move(node), unary(), at);
      else return node;
    }
  }

  std::unique_ptr<Node> unary() {
    skip_blanks();
    const std::size_t at = m_at;
    if (accept('-')) {
      auto node = make(Kind::Negate, at);
      node->children.push_back(unary());
      return node;
    }
    if (accept('+')) return unary();
    return power();
  }

  std::unique_ptr<Node> power() {
    auto base = primary();
    skip_blanks();
    const std::size_t at = m_at;
    if (accept('^')) return binary(Kind::Power, std::move(base), unary(), at);
    return base;
  }

  std::unique_ptr<Node> primary() {
    skip_blanks();
    if (m_at >= m_text.size())
      syntax_error(m_text, m_at, "the expression ends where a value was expected");
    const std::size_t at = m_at;
    const char ch = m_text[m_at];
    if (is_digit(ch) || ch == '.') return number();
    if (ch == '(') {
      ++m_at;
      auto node = expression();
      if (!accept(')')) expected_close(at);
      return node;
    }
    if (ch == '$') {
      ++m_at;
      if (m_at >= m_text.size() || !is_identifier_start(m_text[m_at]))
        syntax_error(m_text, m_at, "an image name must follow '$'");
      return image(at, identifier());
    }
    if (is_identifier_start(ch)) {
      std::string name = identifier();
      skip_blanks();
      if (m_at < m_text.size() && m_text[m_at] == '(') return call(at, name);
      return image(at, std::move(name));
    }
    if (ch == ')') syntax_error(m_text, at, "a value is missing before ')'");
    syntax_error(m_text, at, describe_char(ch).append(" where a value was expected"));
  }

  void expected_close(std::size_t open) {
    skip_blanks();
    std::string what = "expected ')' to close the '(' at character ";
    what.append(std::to_string(open + 1));
    if (m_at < m_text.size()) what.append(", found '").append(1, m_text[m_at]).append("'");
    syntax_error(m_text, m_at, what);
  }

  std::string identifier() {
    const std::size_t start = m_at;
    while (m_at < m_text.size() && is_identifier_char(m_text[m_at])) ++m_at;
    return std::string(m_text.substr(start, m_at - start));
  }

  std::unique_ptr<Node> number() {
    const std::size_t start = m_at;
    while (m_at < m_text.size() && is_digit(m_text[m_at])) ++m_at;
    if (m_at < m_text.size() && m_text[m_at] == '.') {
      ++m_at;
      while (m_at < m_text.size() && is_digit(m_text[m_at])) ++m_at;
    }
    if (m_at < m_text.size() && (m_text[m_at] == 'e' || m_text[m_at] == 'E')) {
      std::size_t exp = m_at + 1;
      if (exp < m_text.size() && (m_text[exp] == '+' || m_text[exp] == '-')) ++exp;
      if (exp < m_text.size() && is_digit(m_text[exp])) {
        m_at = exp;
        while (m_at < m_text.size() && is_digit(m_text[m_at])) ++m_at;
      }
    }
    const std::string_view digits = m_text.substr(start, m_at - start);
    double value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size())
      syntax_error(m_text, start, "a malformed number");
    auto node = make(Kind::Number, start);
    node->number = value;
    return node;
  }

  std::unique_ptr<Node> image(std::size_t at, std::string name) {
    if (find_function(name)) {
      std::string what = "'";
      what.append(name).append("' is a function and needs '(' after it");
      syntax_error(m_text, m_at, what);
    }
    auto node = make(Kind::Image, at);
    if (std::find(m_names.begin(), m_names.end(), name) == m_names.end()) m_names.push_back(name);
    node->name = std::move(name);
    // No blanks inside a channel selection: "ha.r", "img[0]".
    if (m_at < m_text.size() && m_text[m_at] == '.') {
      const std::size_t dot = m_at;
      ++m_at;
      const std::string channel = m_at < m_text.size() && is_identifier_start(m_text[m_at])
                                      ? identifier()
                                      : std::string();
      if (channel == "r" || channel == "R") node->channel = 0;
      else if (channel == "g" || channel == "G") node->channel = 1;
      else if (channel == "b" || channel == "B") node->channel = 2;
      else syntax_error(m_text, dot, "a channel selection must be .r, .g or .b");
    } else if (m_at < m_text.size() && m_text[m_at] == '[') {
      const std::size_t open = m_at;
      ++m_at;
      const std::size_t start = m_at;
      while (m_at < m_text.size() && is_digit(m_text[m_at])) ++m_at;
      if (m_at == start || m_at >= m_text.size() || m_text[m_at] != ']' || m_at - start > 3)
        syntax_error(m_text, open, "a channel index must be written [0], [1] or [2]");
      node->channel = std::stoi(std::string(m_text.substr(start, m_at - start)));
      ++m_at;
    }
    return node;
  }

  std::unique_ptr<Node> call(std::size_t at, const std::string& name) {
    const FunctionInfo* info = find_function(name);
    if (!info) {
      std::string what = "unknown function '";
      what.append(name).append("' (known: min, max, pow, sqrt, abs, exp, log, log10, asinh, mtf)");
      syntax_error(m_text, at, what);
    }
    auto node = make(Kind::Call, at);
    node->function = info->function;
    const std::size_t open = m_at;
    accept('(');
    node->children.push_back(expression());
    while (accept(',')) node->children.push_back(expression());
    if (!accept(')')) expected_close(open);
    const std::size_t n = node->children.size();
    if (n < info->min_args || n > info->max_args) {
      std::string what = name;
      what.append("() takes ");
      if (info->min_args == info->max_args) what.append(std::to_string(info->min_args));
      else what.append("at least ").append(std::to_string(info->min_args));
      what.append(info->max_args == 1 ? " argument" : " arguments");
      what.append(", not ").append(std::to_string(n));
      syntax_error(m_text, at, what);
    }
    return node;
  }

  std::string_view m_text;
  std::vector<std::string>& m_names;
  std::size_t m_at = 0;
};

struct Context {
  std::map<std::string, ConstImageView, std::less<>> images;
  std::size_t width = 0;
};

// Checks bindings and channels; returns the channel count the node produces.
std::size_t check(const Node& node, const Context& context, const std::string& text) {
  if (node.kind == Kind::Image) {
    const auto found = context.images.find(node.name);
    if (found == context.images.end()) {
      std::string what = "the image '";
      what.append(node.name).append("' is not given (add ").append(node.name).append("=FILE)");
      syntax_error(text, node.position - 1, what);
    }
    const std::size_t channels = found->second.channels();
    if (node.channel >= 0 && static_cast<std::size_t>(node.channel) >= channels) {
      std::string what = "'";
      what.append(node.name).append("' has ").append(std::to_string(channels));
      what.append(channels == 1 ? " channel" : " channels").append(", so channel ");
      what.append(std::to_string(node.channel)).append(" does not exist");
      syntax_error(text, node.position - 1, what);
    }
    return node.channel >= 0 ? 1 : channels;
  }
  std::size_t channels = 1;
  for (const auto& child : node.children) channels = std::max(channels, check(*child, context, text));
  return channels;
}

double apply_function(Function f, const double* args, std::size_t n) {
  switch (f) {
    case Function::Min: return *std::min_element(args, args + n);
    case Function::Max: return *std::max_element(args, args + n);
    case Function::Pow: return std::pow(args[0], args[1]);
    case Function::Sqrt: return std::sqrt(args[0]);
    case Function::Abs: return std::fabs(args[0]);
    case Function::Exp: return std::exp(args[0]);
    case Function::Log: return std::log(args[0]);
    case Function::Log10: return std::log10(args[0]);
    case Function::Asinh: return std::asinh(args[0]);
    case Function::Mtf: return mtf(args[1], args[0]);
  }
  return 0.0;
}

// Fills out[0..width) with the node's values for row y of output channel c.
void evaluate_row(const Node& node, const Context& context, std::size_t y, std::size_t c,
                  double* out) {
  const std::size_t width = context.width;
  switch (node.kind) {
    case Kind::Number:
      std::fill(out, out + width, node.number);
      return;
    case Kind::Image: {
      const ConstImageView& view = context.images.find(node.name)->second;
      const std::size_t channel =
          node.channel >= 0 ? static_cast<std::size_t>(node.channel)
                            : (view.channels() == 1 ? 0 : c);
      const float* row = view.row(channel, y);
      for (std::size_t x = 0; x < width; ++x) out[x] = row[x];
      return;
    }
    case Kind::Negate:
      evaluate_row(*node.children[0], context, y, c, out);
      for (std::size_t x = 0; x < width; ++x) out[x] = -out[x];
      return;
    case Kind::Call: {
      const std::size_t n = node.children.size();
      std::vector<double> values(n * width);
      for (std::size_t i = 0; i < n; ++i)
        evaluate_row(*node.children[i], context, y, c, values.data() + i * width);
      std::vector<double> args(n);
      for (std::size_t x = 0; x < width; ++x) {
        for (std::size_t i = 0; i < n; ++i) args[i] = values[i * width + x];
        out[x] = apply_function(node.function, args.data(), n);
      }
      return;
    }
    default:
      break;
  }
  evaluate_row(*node.children[0], context, y, c, out);
  std::vector<double> right(width);
  evaluate_row(*node.children[1], context, y, c, right.data());
  switch (node.kind) {
    case Kind::Add:
      for (std::size_t x = 0; x < width; ++x) out[x] += right[x];
      break;
    case Kind::Subtract:
      for (std::size_t x = 0; x < width; ++x) out[x] -= right[x];
      break;
    case Kind::Multiply:
      for (std::size_t x = 0; x < width; ++x) out[x] *= right[x];
      break;
    case Kind::Divide:
      for (std::size_t x = 0; x < width; ++x) out[x] /= right[x];
      break;
    case Kind::Power:
      for (std::size_t x = 0; x < width; ++x) out[x] = std::pow(out[x], right[x]);
      break;
    default:
      break;
  }
}

}  // namespace

PixelMathExpression::PixelMathExpression(std::string_view text) : m_text(text) {
  m_root = Parser(m_text, m_names).parse();
}

PixelMathExpression::~PixelMathExpression() = default;
PixelMathExpression::PixelMathExpression(PixelMathExpression&&) noexcept = default;
PixelMathExpression& PixelMathExpression::operator=(PixelMathExpression&&) noexcept = default;

Image PixelMathExpression::evaluate(std::span<const NamedImage> inputs) const {
  if (m_names.empty())
    throw Error(ErrorKind::InvalidArgument,
                "pixel math: the expression uses no image, so the output size is unknown.");
  Context context;
  for (const NamedImage& input : inputs) context.images.insert_or_assign(input.name, input.image);
  const std::size_t channels = check(*m_root, context, m_text);
  // Every image used must have the size of the first one.
  const ConstImageView first = context.images.find(m_names.front())->second;
  for (const std::string& name : m_names) {
    const ConstImageView& view = context.images.find(name)->second;
    if (view.width() != first.width() || view.height() != first.height()) {
      std::string sentence = "pixel math: the images differ in size: ";
      sentence.append(m_names.front()).append(" is ").append(std::to_string(first.width()));
      sentence.append("x").append(std::to_string(first.height())).append(" but ").append(name);
      sentence.append(" is ").append(std::to_string(view.width())).append("x");
      sentence.append(std::to_string(view.height())).append(".");
      throw Error(ErrorKind::InvalidArgument, sentence);
    }
  }
  context.width = first.width();
  Image out(first.width(), first.height(), channels);
  const Node& root = *m_root;
  for (std::size_t c = 0; c < channels; ++c) {
    process_detail::for_each_row(first.height(), 16 * first.pixel_count(), [&](std::size_t y) {
      std::vector<double> row(context.width);
      evaluate_row(root, context, y, c, row.data());
      float* dst = out.row(c, y);
      for (std::size_t x = 0; x < context.width; ++x) dst[x] = static_cast<float>(row[x]);
    });
  }
  return out;
}

}  // namespace astropack
