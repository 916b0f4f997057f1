// SPDX-License-Identifier: GPL-3.0-or-later
// Selection expressions: a tokenizer, a recursive-descent parser that checks
// types (condition or number) and dimensions (width or plain) as it builds the
// tree, and an evaluator whose aggregates are computed once per set.
#include "astropack/selection_expression.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <map>

#include "astropack/error.hpp"
#include "astropack/statistics.hpp"

namespace astropack {

namespace {

constexpr SelectionMetricInfo kMetricTable[] = {
    {"fwhm", &SelectionMetrics::fwhm, true, "median FWHM of the stars, px"},
    {"ecc", &SelectionMetrics::eccentricity, false, "median eccentricity, 0 (round) to 1"},
    {"eccentricity", &SelectionMetrics::eccentricity, false, "the same as ecc"},
    {"roundness", &SelectionMetrics::roundness, false, "minor / major axis, as Siril's"},
    {"stars", &SelectionMetrics::stars, false, "stars with a good PSF fit"},
    {"detected", &SelectionMetrics::detected, false, "all detections"},
    {"background", &SelectionMetrics::background, false, "median background, ADU / 65535"},
    {"noise", &SelectionMetrics::noise, false, "background noise, ADU / 65535"},
    {"snr", &SelectionMetrics::snr, false, "signal-to-noise estimate of the frame"},
    {"snr_weight", &SelectionMetrics::snr_weight, false, "snr squared"},
    {"psf_weight", &SelectionMetrics::psf_weight, false, "(typical star peak / noise) squared"},
    {"weight", &SelectionMetrics::weight, false, "the weight in use, relative to the mean"},
    {"frame", &SelectionMetrics::frame, false, "1-based position in the set"},
};

enum class Aggregate { Median, Mean, Min, Max, Mad };

struct AggregateInfo {
  const char* name;
  Aggregate aggregate;
};

constexpr AggregateInfo kAggregates[] = {
    {"median", Aggregate::Median}, {"mean", Aggregate::Mean}, {"min", Aggregate::Min},
    {"max", Aggregate::Max},       {"mad", Aggregate::Mad},
};

}  // namespace

const std::span<const SelectionMetricInfo> kSelectionMetrics(kMetricTable);

namespace {

enum class Kind {
  Number, Metric, Aggregate, Negate, Not, Add, Subtract, Multiply, Divide,
  Less, LessEqual, Greater, GreaterEqual, Equal, NotEqual, And, Or
};
enum class Type { Condition, Number };
// Free: a bare number, which takes the dimension of what it meets.
enum class Dimension { Plain, Width, Free };

}  // namespace

struct SelectionExpression::Node {
  Kind kind = Kind::Number;
  Type type = Type::Number;
  Dimension dimension = Dimension::Free;
  double value = 0;                         // Number
  bool arcsec = false;                      // Number: value in arcsec
  const SelectionMetricInfo* metric = nullptr;
  Aggregate aggregate = Aggregate::Median;
  std::size_t begin = 0, end = 0;           // source range [begin, end)
  std::vector<std::unique_ptr<Node>> children;
};

namespace {

using Node = SelectionExpression::Node;

enum class TokenKind { Number, Name, Operator, Open, Close, End };

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;
  double number = 0;
  std::size_t begin = 0, end = 0;
};

std::string cat(std::initializer_list<std::string_view> parts) {
  std::string text;
  for (std::string_view part : parts) text.append(part);
  return text;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : m_text(text) { tokenize(); }

  std::unique_ptr<Node> parse() {
    if (m_tokens.front().kind == TokenKind::End) fail(0, "the expression is empty");
    std::unique_ptr<Node> root = parse_or();
    const Token& t = peek();
    if (t.kind == TokenKind::Close)
      fail(t.begin, "unbalanced parentheses: this ')' has no matching '('");
    if (t.kind != TokenKind::End)
      fail(t.begin, cat({"unexpected '", t.text, "' after a complete expression (trailing "
                         "input; join conditions with && or ||)"}));
    if (root->type != Type::Condition)
      fail(root->begin, "the expression is a number, not a condition; compare it, as in "
                        "'fwhm > 6'");
    return root;
  }

  bool uses_arcsec() const noexcept { return m_uses_arcsec; }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    std::string sentence = "selection expression: ";
    sentence.append(what).append(" at character ").append(std::to_string(at + 1));
    sentence.append(" of \"").append(m_text).append("\".");
    throw Error(ErrorKind::InvalidArgument, sentence);
  }

  void tokenize() {
    std::size_t at = 0;
    const std::size_t n = m_text.size();
    auto is_name_start = [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    };
    auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    while (at < n) {
      const char c = m_text[at];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++at;
        continue;
      }
      Token t;
      t.begin = at;
      if (is_digit(c) || (c == '.' && at + 1 < n && is_digit(m_text[at + 1]))) {
        std::size_t stop = at;
        while (stop < n && (is_digit(m_text[stop]) || m_text[stop] == '.')) ++stop;
        // An exponent only when digits follow, so '3e' stays a number and a name.
        if (stop < n && (m_text[stop] == 'e' || m_text[stop] == 'E')) {
          std::size_t e = stop + 1;
          if (e < n && (m_text[e] == '+' || m_text[e] == '-')) ++e;
          if (e < n && is_digit(m_text[e])) {
            stop = e;
            while (stop < n && is_digit(m_text[stop])) ++stop;
          }
        }
        const auto [ptr, ec] = std::from_chars(m_text.data() + at, m_text.data() + stop, t.number);
        if (ec != std::errc() || ptr != m_text.data() + stop)
          fail(at, cat({"'", m_text.substr(at, stop - at), "' is not a number"}));
        t.kind = TokenKind::Number;
        at = stop;
      } else if (is_name_start(c)) {
        std::size_t stop = at;
        while (stop < n && (is_name_start(m_text[stop]) || is_digit(m_text[stop]))) ++stop;
        t.kind = TokenKind::Name;
        at = stop;
      } else if (c == '(' || c == ')') {
        t.kind = c == '(' ? TokenKind::Open : TokenKind::Close;
        ++at;
      } else {
        const std::string_view two = m_text.substr(at, 2);
        static constexpr std::string_view kTwo[] = {"<=", ">=", "==", "!=", "&&", "||"};
        if (std::find(std::begin(kTwo), std::end(kTwo), two) != std::end(kTwo)) {
          at += 2;
        } else if (std::string_view("<>!+-*/").find(c) != std::string_view::npos) {
          ++at;
        } else if (c == '=') {
          fail(at, "'=' alone is not an operator; compare with '=='");
        } else if (c == '&' || c == '|') {
          const std::string one(1, c), two(2, c);
          fail(at, cat({"'", one, "' alone is not an operator; use '", two, "'"}));
        } else {
          fail(at, cat({"unexpected character '", std::string(1, c), "'"}));
        }
        t.kind = TokenKind::Operator;
      }
      t.end = at;
      t.text = std::string(m_text.substr(t.begin, t.end - t.begin));
      m_tokens.push_back(std::move(t));
    }
    Token end;
    end.begin = end.end = n;
    end.text = "the end";
    m_tokens.push_back(end);
  }

  const Token& peek() const { return m_tokens[m_next]; }
  const Token& take() { return m_tokens[m_next++]; }
  bool next_is(std::string_view op) const {
    return peek().kind == TokenKind::Operator && peek().text == op;
  }

  static std::unique_ptr<Node> join(Kind kind, std::unique_ptr<Node> a, std::unique_ptr<Node> b) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->begin = a->begin;
    node->end = b->end;
    node->children.push_back(std::move(a));
    node->children.push_back(std::move(b));
    return node;
  }

  void need_condition(const Node& node, const Token& op, const char* side) const {
    if (node.type != Type::Condition)
      fail(op.begin, cat({"'", op.text, "' needs a condition on its ", side,
                          ", such as 'fwhm > 6', not a number"}));
  }
  void need_number(const Node& node, const Token& op, const char* side) const {
    if (node.type != Type::Number)
      fail(op.begin, cat({"'", op.text, "' needs a number on its ", side,
                          ", not a condition (group conditions with && and ||)"}));
  }

  std::unique_ptr<Node> parse_or() { return parse_joined("||", Kind::Or, &Parser::parse_and); }
  std::unique_ptr<Node> parse_and() { return parse_joined("&&", Kind::And, &Parser::parse_not); }

  // Conditions joined by `op`, each parsed by `operand`.
  std::unique_ptr<Node> parse_joined(std::string_view op_text, Kind kind,
                                     std::unique_ptr<Node> (Parser::*operand)()) {
    std::unique_ptr<Node> node = (this->*operand)();
    while (next_is(op_text)) {
      const Token op = take();
      std::unique_ptr<Node> right = (this->*operand)();
      need_condition(*node, op, "left");
      need_condition(*right, op, "right");
      node = join(kind, std::move(node), std::move(right));
      node->type = Type::Condition;
    }
    return node;
  }

  std::unique_ptr<Node> parse_not() {
    if (!next_is("!")) return parse_comparison();
    const Token op = take();
    auto node = std::make_unique<Node>();
    node->kind = Kind::Not;
    node->type = Type::Condition;
    node->begin = op.begin;
    node->children.push_back(parse_not());
    node->end = node->children.back()->end;
    need_condition(*node->children.back(), op, "right");
    return node;
  }

  std::unique_ptr<Node> parse_comparison() {
    std::unique_ptr<Node> node = parse_sum();
    static const std::map<std::string, Kind, std::less<>> kComparisons = {
        {"<", Kind::Less},     {"<=", Kind::LessEqual}, {">", Kind::Greater},
        {">=", Kind::GreaterEqual}, {"==", Kind::Equal}, {"!=", Kind::NotEqual}};
    if (peek().kind != TokenKind::Operator) return node;
    const auto found = kComparisons.find(peek().text);
    if (found == kComparisons.end()) return node;
    const Token op = take();
    std::unique_ptr<Node> right = parse_sum();
    need_number(*node, op, "left");
    need_number(*right, op, "right");
    if ((node->dimension == Dimension::Width && right->dimension == Dimension::Plain) ||
        (node->dimension == Dimension::Plain && right->dimension == Dimension::Width))
      fail(op.begin, cat({"'", op.text, "' compares a width (px) with a plain number"}));
    node = join(found->second, std::move(node), std::move(right));
    node->type = Type::Condition;
    if (peek().kind == TokenKind::Operator && kComparisons.count(peek().text))
      fail(peek().begin, "comparisons cannot be chained; join them with && or ||");
    return node;
  }

  static Dimension sum_dimension(Dimension a, Dimension b, bool& ok) {
    ok = true;
    if (a == Dimension::Free) return b;
    if (b == Dimension::Free || a == b) return a;
    ok = false;
    return a;
  }

  std::unique_ptr<Node> parse_sum() {
    std::unique_ptr<Node> node = parse_product();
    while (next_is("+") || next_is("-")) {
      const Token op = take();
      std::unique_ptr<Node> right = parse_product();
      need_number(*node, op, "left");
      need_number(*right, op, "right");
      bool ok = true;
      const Dimension d = sum_dimension(node->dimension, right->dimension, ok);
      if (!ok) fail(op.begin, cat({"'", op.text, "' mixes a width (px) and a plain number"}));
      node = join(op.text == "+" ? Kind::Add : Kind::Subtract, std::move(node), std::move(right));
      node->dimension = d;
    }
    return node;
  }

  std::unique_ptr<Node> parse_product() {
    std::unique_ptr<Node> node = parse_unary();
    while (next_is("*") || next_is("/")) {
      const Token op = take();
      std::unique_ptr<Node> right = parse_unary();
      need_number(*node, op, "left");
      need_number(*right, op, "right");
      const Dimension a = node->dimension, b = right->dimension;
      Dimension d = Dimension::Plain;
      if (op.text == "*") {
        if (a == Dimension::Width && b == Dimension::Width)
          fail(op.begin, "'*' multiplies two widths; compare widths or their ratio instead");
        d = (a == Dimension::Width || b == Dimension::Width) ? Dimension::Width
            : (a == Dimension::Free && b == Dimension::Free) ? Dimension::Free
                                                             : Dimension::Plain;
      } else {
        if (b == Dimension::Width && a != Dimension::Width)
          fail(op.begin, "'/' divides by a width; only a width divided by a width is plain");
        d = (a == Dimension::Width && b == Dimension::Width) ? Dimension::Plain
            : (a == Dimension::Free && b == Dimension::Free) ? Dimension::Free
                                                             : a;
      }
      node = join(op.text == "*" ? Kind::Multiply : Kind::Divide, std::move(node),
                  std::move(right));
      node->dimension = d;
    }
    return node;
  }

  std::unique_ptr<Node> parse_unary() {
    if (!next_is("-")) return parse_primary();
    const Token op = take();
    auto node = std::make_unique<Node>();
    node->kind = Kind::Negate;
    node->begin = op.begin;
    node->children.push_back(parse_unary());
    need_number(*node->children.back(), op, "right");
    node->dimension = node->children.back()->dimension;
    node->end = node->children.back()->end;
    return node;
  }

  std::unique_ptr<Node> parse_primary() {
    const Token t = take();
    auto node = std::make_unique<Node>();
    node->begin = t.begin;
    node->end = t.end;
    switch (t.kind) {
      case TokenKind::Number:
        node->kind = Kind::Number;
        node->value = t.number;
        if (peek().kind == TokenKind::Name && (peek().text == "px" || peek().text == "arcsec")) {
          const Token unit = take();
          node->dimension = Dimension::Width;
          node->arcsec = unit.text == "arcsec";
          m_uses_arcsec |= node->arcsec;
          node->end = unit.end;
        }
        return node;
      case TokenKind::Name: return name(t, std::move(node));
      case TokenKind::Open: {
        std::unique_ptr<Node> inner = parse_or();
        if (peek().kind != TokenKind::Close)
          fail(t.begin, unclosed());
        inner->begin = t.begin;
        inner->end = take().end;
        return inner;
      }
      case TokenKind::Close:
        fail(t.begin, open_before(m_next - 1) > 0
                          ? "a number or metric is missing before ')'"
                          : "unbalanced parentheses: this ')' has no matching '('");
      case TokenKind::Operator:
        fail(t.begin, cat({"unexpected '", t.text, "' where a number or metric was expected"}));
      case TokenKind::End: break;
    }
    fail(t.begin, "the expression ends where a number or metric was expected");
  }

  // Parentheses still open before token `index`.
  long open_before(std::size_t index) const {
    long depth = 0;
    for (std::size_t k = 0; k < index; ++k)
      depth += m_tokens[k].kind == TokenKind::Open ? 1 : m_tokens[k].kind == TokenKind::Close ? -1 : 0;
    return depth;
  }

  // What stands where a ')' should close a '('.
  std::string unclosed() const {
    if (peek().kind == TokenKind::End)
      return "unbalanced parentheses: this '(' is never closed (the expression ends first)";
    const std::string at = std::to_string(peek().begin + 1);
    return cat({"unbalanced parentheses: this '(' is not closed ('", peek().text,
                "' at character ", at, " stands where its ')' should be)"});
  }

  static std::string metric_names() {
    std::string names;
    for (const SelectionMetricInfo& m : kMetricTable) {
      if (!names.empty()) names.append(", ");
      names.append(m.name);
    }
    return names;
  }

  std::unique_ptr<Node> name(const Token& t, std::unique_ptr<Node> node) {
    if (peek().kind == TokenKind::Open) {
      const auto found = std::find_if(std::begin(kAggregates), std::end(kAggregates),
                                      [&](const AggregateInfo& a) { return t.text == a.name; });
      if (found == std::end(kAggregates))
        fail(t.begin, cat({"unknown function '", t.text,
                           "'; the functions are median, mean, min, max and mad"}));
      if (m_in_aggregate) fail(t.begin, cat({"'", t.text, "' inside another aggregate"}));
      const Token open = take();
      m_in_aggregate = true;
      std::unique_ptr<Node> inner = parse_or();
      m_in_aggregate = false;
      if (inner->type != Type::Number)
        fail(t.begin, cat({"'", t.text, "' takes a number, not a condition"}));
      if (peek().kind != TokenKind::Close)
        fail(open.begin, unclosed());
      node->kind = Kind::Aggregate;
      node->aggregate = found->aggregate;
      node->dimension = inner->dimension == Dimension::Free ? Dimension::Plain : inner->dimension;
      node->end = take().end;
      node->children.push_back(std::move(inner));
      return node;
    }
    if (t.text == "px" || t.text == "arcsec")
      fail(t.begin, cat({"the unit '", t.text, "' must follow a number, as in '3 ", t.text, "'"}));
    const auto found = std::find_if(std::begin(kMetricTable), std::end(kMetricTable),
                                    [&](const SelectionMetricInfo& m) { return t.text == m.name; });
    if (found == std::end(kMetricTable))
      fail(t.begin, cat({"unknown metric '", t.text, "' (the metrics are ", metric_names(), ")"}));
    node->kind = Kind::Metric;
    node->metric = found;
    node->dimension = found->width ? Dimension::Width : Dimension::Plain;
    if (peek().kind == TokenKind::Name && (peek().text == "px" || peek().text == "arcsec"))
      fail(peek().begin, cat({"the unit '", peek().text, "' must follow a number, not a metric (",
                              t.text, " is in ", found->width ? "px" : "no unit", ")"}));
    return node;
  }

  std::string_view m_text;
  std::vector<Token> m_tokens;
  std::size_t m_next = 0;
  bool m_uses_arcsec = false;
  bool m_in_aggregate = false;
};

class Evaluator {
 public:
  explicit Evaluator(std::span<const SelectionMetrics> frames) : m_frames(frames) {}

  void prepare(const Node& node) {
    for (const auto& child : node.children) prepare(*child);
    if (node.kind != Kind::Aggregate) return;
    std::vector<float> values;
    for (std::size_t i = 0; i < m_frames.size(); ++i) {
      const double v = value(*node.children.front(), i);
      if (std::isfinite(v)) values.push_back(float(v));
    }
    double result = NAN;
    if (!values.empty()) {
      switch (node.aggregate) {
        case Aggregate::Median: result = median_in_place(values); break;
        case Aggregate::Mean: {
          double sum = 0;
          for (float v : values) sum += v;
          result = sum / double(values.size());
          break;
        }
        case Aggregate::Min: result = *std::min_element(values.begin(), values.end()); break;
        case Aggregate::Max: result = *std::max_element(values.begin(), values.end()); break;
        case Aggregate::Mad: {
          const double m = median_in_place(values);
          result = mad_about(values, m);
          break;
        }
      }
    }
    m_aggregates[&node] = result;
  }

  // Numbers and conditions alike: a condition is 1 or 0.
  double value(const Node& node, std::size_t frame) const {
    auto child = [&](std::size_t k) { return value(*node.children[k], frame); };
    switch (node.kind) {
      case Kind::Number:
        return node.arcsec ? node.value / m_frames[frame].arcsec_per_px : node.value;
      case Kind::Metric: return m_frames[frame].*(node.metric->member);
      case Kind::Aggregate: return m_aggregates.at(&node);
      case Kind::Negate: return -child(0);
      case Kind::Not: return child(0) != 0 ? 0.0 : 1.0;
      case Kind::Add: return child(0) + child(1);
      case Kind::Subtract: return child(0) - child(1);
      case Kind::Multiply: return child(0) * child(1);
      case Kind::Divide: return child(0) / child(1);
      case Kind::Less: return child(0) < child(1);
      case Kind::LessEqual: return child(0) <= child(1);
      case Kind::Greater: return child(0) > child(1);
      case Kind::GreaterEqual: return child(0) >= child(1);
      case Kind::Equal: return child(0) == child(1);
      case Kind::NotEqual: return child(0) != child(1);
      case Kind::And: return child(0) != 0 && child(1) != 0;
      case Kind::Or: return child(0) != 0 || child(1) != 0;
    }
    return NAN;
  }

 private:
  std::span<const SelectionMetrics> m_frames;
  std::map<const Node*, double> m_aggregates;
};

void disjuncts(const Node& node, std::vector<const Node*>& out) {
  if (node.kind == Kind::Or) {
    disjuncts(*node.children[0], out);
    disjuncts(*node.children[1], out);
  } else {
    out.push_back(&node);
  }
}

// Metrics and aggregates of a subtree, in source order.
void quantities(const Node& node, std::vector<const Node*>& out) {
  if (node.kind == Kind::Metric || node.kind == Kind::Aggregate) {
    out.push_back(&node);
    return;
  }
  for (const auto& child : node.children) quantities(*child, out);
}

std::string format_value(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);
  return text;
}

}  // namespace

SelectionExpression::SelectionExpression(std::string_view text) : m_text(text) {
  Parser parser(m_text);
  m_root = parser.parse();
  m_uses_arcsec = parser.uses_arcsec();
}

SelectionExpression::~SelectionExpression() = default;
SelectionExpression::SelectionExpression(SelectionExpression&&) noexcept = default;
SelectionExpression& SelectionExpression::operator=(SelectionExpression&&) noexcept = default;

std::vector<SelectionVerdict> SelectionExpression::evaluate(
    std::span<const SelectionMetrics> frames) const {
  if (m_uses_arcsec)
    for (std::size_t i = 0; i < frames.size(); ++i)
      if (!(frames[i].arcsec_per_px > 0))
        throw Error(ErrorKind::InvalidArgument,
                    cat({"the selection expression gives a width in arcsec, but frame ",
                         std::to_string(i + 1),
                         " has no image scale (its header lacks the pixel size XPIXSZ or the "
                         "focal length FOCALLEN); give the limit in px instead."}));
  Evaluator evaluator(frames);
  evaluator.prepare(*m_root);
  std::vector<const Node*> parts;
  disjuncts(*m_root, parts);
  std::vector<SelectionVerdict> verdicts(frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    SelectionVerdict& verdict = verdicts[i];
    verdict.matches = evaluator.value(*m_root, i) != 0;
    if (!verdict.matches) continue;
    for (const Node* part : parts) {
      if (evaluator.value(*part, i) == 0) continue;
      if (!verdict.reason.empty()) verdict.reason.append("; ");
      verdict.reason.append(m_text, part->begin, part->end - part->begin);
      std::vector<const Node*> shown;
      quantities(*part, shown);
      std::vector<std::string> seen;
      for (const Node* q : shown) {
        std::string name = m_text.substr(q->begin, q->end - q->begin);
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
        verdict.reason.append(seen.empty() ? " (" : ", ");
        seen.push_back(name);
        verdict.reason.append(name).append(" ").append(format_value(evaluator.value(*q, i)));
        if (q->dimension == Dimension::Width) verdict.reason.append(" px");
      }
      if (!seen.empty()) verdict.reason.append(")");
    }
  }
  return verdicts;
}

}  // namespace astropack
