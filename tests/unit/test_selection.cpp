// SPDX-License-Identifier: GPL-3.0-or-later
// Selection expressions (precedence, units, aggregates, errors with their
// position), selection of a measured set, the selection written into a Siril
// sequence, the JSON and CSV selection files and the plot.
#include <cairo.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "astropack/error.hpp"
#include "astropack/frame_selection.hpp"
#include "astropack/selection_expression.hpp"
#include "astropack/selection_file.hpp"
#include "astropack/selection_plot.hpp"
#include "astropack/seq.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

SelectionMetrics frame(double fwhm, double ecc, double stars, double scale = 0) {
  SelectionMetrics m;
  m.fwhm = fwhm;
  m.eccentricity = ecc;
  m.roundness = std::sqrt(1 - ecc * ecc);
  m.stars = stars;
  m.arcsec_per_px = scale;
  return m;
}

// The verdicts of `text` over `frames`, as a string of 0 and 1.
std::string verdicts(const std::string& text, std::vector<SelectionMetrics> frames) {
  for (std::size_t i = 0; i < frames.size(); ++i) frames[i].frame = double(i + 1);
  std::string out;
  for (const SelectionVerdict& v : SelectionExpression(text).evaluate(frames))
    out.push_back(v.matches ? '1' : '0');
  return out;
}

// The message of the error `text` raises, or "" when it parses.
std::string parse_error(const std::string& text) {
  try {
    SelectionExpression e(text);
  } catch (const Error& e) {
    ck_assert_int_eq(int(e.kind()), int(ErrorKind::InvalidArgument));
    return e.sentence();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

FrameQuality quality(double fwhm, double ecc, std::size_t stars, double snr_weight,
                     double psf_weight) {
  FrameQuality q;
  q.fwhm = fwhm;
  q.eccentricity = ecc;
  q.stars = stars;
  q.detected = stars + 10;
  q.fitted = stars ? stars - 1 : 0;
  q.snr_weight = snr_weight;
  q.snr = std::sqrt(snr_weight);
  q.psf_weight = psf_weight;
  q.noise = 0.001;
  q.background = 0.03;
  q.arcsec_per_px = 1.6157;
  q.fwhm_arcsec = fwhm * q.arcsec_per_px;
  return q;
}

// Six frames: four good ones, a blurred, a trailed one and one without stars.
struct MeasuredSet {
  std::vector<fs::path> files;
  std::vector<FrameQuality> quality;
};

MeasuredSet measured_set(const fs::path& folder) {
  MeasuredSet s;
  s.quality = {quality(2.8, 0.10, 60, 5.0, 1000), quality(2.7, 0.05, 62, 6.0, 1100),
               quality(5.3, 0.12, 35, 5.5, 90),   quality(2.9, 0.08, 58, 6.5, 950),
               quality(4.5, 0.88, 55, 5.2, 250),  quality(0, 0, 0, 0, 0),
               quality(2.75, 0.2, 64, 4.0, 1050)};
  for (std::size_t i = 0; i < s.quality.size(); ++i)
    s.files.push_back(folder / ("light_" + std::to_string(i + 1) + ".fit"));
  return s;
}

}  // namespace

START_TEST(precedence_of_operators) {
  const std::vector<SelectionMetrics> frames = {frame(4, 0.1, 100), frame(2, 0.6, 5),
                                                frame(2, 0.6, 100), frame(4.2, 0, 0),
                                                frame(3.9, 0, 0)};
  // && binds tighter than ||.
  ck_assert_str_eq(verdicts("fwhm > 3 || ecc > 0.5 && stars < 10", frames).c_str(), "11011");
  ck_assert_str_eq(verdicts("(fwhm > 3 || ecc > 0.5) && stars < 10", frames).c_str(), "01011");
  // * before +, parentheses first, unary minus, comparisons after arithmetic.
  ck_assert_str_eq(verdicts("fwhm > 1 + 2 * 1.5", frames).c_str(), "00010");
  ck_assert_str_eq(verdicts("fwhm > (1 + 2) * 1.5", frames).c_str(), "00000");
  ck_assert_str_eq(verdicts("-fwhm < -3", frames).c_str(), "10011");
  ck_assert_str_eq(verdicts("fwhm / 2 >= 2", frames).c_str(), "10010");
  // '!' negates a whole comparison.
  ck_assert_str_eq(verdicts("!fwhm > 3", frames).c_str(), "01100");
  ck_assert_str_eq(verdicts("!(fwhm > 3) && !(ecc > 0.5)", frames).c_str(), "00000");
  ck_assert_str_eq(verdicts("stars == 100 || stars != stars", frames).c_str(), "10100");
  ck_assert_str_eq(verdicts("ecc <= 0.1 && eccentricity >= 0.1", frames).c_str(), "10000");
}
END_TEST

START_TEST(units_and_image_scale) {
  // 1.6 arcsec per px: 4 arcsec is 2.5 px.
  const std::vector<SelectionMetrics> frames = {frame(2.6, 0, 1, 1.6), frame(2.4, 0, 1, 1.6),
                                                frame(3.1, 0, 1, 1.6)};
  ck_assert_str_eq(verdicts("fwhm > 4 arcsec", frames).c_str(), "101");
  ck_assert_str_eq(verdicts("fwhm > 3px", frames).c_str(), "001");
  ck_assert_str_eq(verdicts("fwhm > 3 px", frames).c_str(), "001");
  ck_assert_str_eq(verdicts("fwhm - 1 arcsec > 2", frames).c_str(), "001");
  ck_assert_str_eq(verdicts("fwhm / median(fwhm) > 1.1", frames).c_str(), "001");
  ck_assert(SelectionExpression("fwhm > 4 arcsec").uses_arcsec());
  ck_assert(!SelectionExpression("fwhm > 4 px").uses_arcsec());
  // A frame without an image scale cannot take a limit in arcsec.
  const std::vector<SelectionMetrics> unscaled = {frame(2.6, 0, 1, 1.6), frame(2.6, 0, 1, 0)};
  try {
    SelectionExpression("fwhm > 4 arcsec").evaluate(unscaled);
    ck_abort_msg("no error for a frame without image scale");
  } catch (const Error& e) {
    ck_assert_msg(contains(e.sentence(), "frame 2") && contains(e.sentence(), "FOCALLEN") &&
                      contains(e.sentence(), "px instead"),
                  "%s", e.what());
  }
  ck_assert_str_eq(verdicts("fwhm > 4", unscaled).c_str(), "00");
}
END_TEST

START_TEST(aggregates_over_the_set) {
  const std::vector<SelectionMetrics> frames = {frame(2.0, 0.1, 40), frame(2.1, 0.2, 44),
                                                frame(2.2, 0.3, 42), frame(4.0, 0.4, 10)};
  // median 2.15: 1.5 x = 3.225.
  ck_assert_str_eq(verdicts("fwhm > 1.5 * median(fwhm)", frames).c_str(), "0001");
  ck_assert_str_eq(verdicts("stars < 0.5 * median(stars)", frames).c_str(), "0001");
  ck_assert_str_eq(verdicts("fwhm == max(fwhm) || fwhm == min(fwhm)", frames).c_str(), "1001");
  // mean 2.575; mad of {2, 2.1, 2.2, 4} around 2.15 = median{0.15, 0.05, 0.05, 1.85} = 0.1.
  ck_assert_str_eq(verdicts("fwhm > mean(fwhm)", frames).c_str(), "0001");
  ck_assert_str_eq(verdicts("fwhm > median(fwhm) + 3 * mad(fwhm)", frames).c_str(), "0001");
  ck_assert_str_eq(verdicts("fwhm > median(fwhm) + 0.4 * mad(fwhm)", frames).c_str(), "0011");
  ck_assert_str_eq(verdicts("frame == 2", frames).c_str(), "0100");
  // The reason names the part that is true with its values.
  const auto v = SelectionExpression("fwhm > 1.5 * median(fwhm) || ecc > 0.7").evaluate(frames);
  ck_assert_str_eq(v[3].reason.c_str(), "fwhm > 1.5 * median(fwhm) (fwhm 4 px, median(fwhm) 2.15 px)");
  ck_assert_str_eq(v[0].reason.c_str(), "");
  const auto both = SelectionExpression("fwhm > 3 || stars < 20 || ecc > 0.9").evaluate(frames);
  ck_assert_str_eq(both[3].reason.c_str(), "fwhm > 3 (fwhm 4 px); stars < 20 (stars 10)");
}
END_TEST

START_TEST(errors_name_the_position) {
  const struct {
    const char* text;
    const char* words;
    int position;
  } cases[] = {
      {"fwhmm > 3", "unknown metric 'fwhmm'", 1},
      {"fwhm > 3 && (ecc > 0.5", "unbalanced parentheses: this '(' is never closed", 13},
      {"(fwhm > 3", "unbalanced parentheses", 1},
      {"fwhm > 3)", "unbalanced parentheses: this ')' has no matching '('", 9},
      {"fwhm > 3 ecc", "unexpected 'ecc' after a complete expression (trailing input", 10},
      {"", "the expression is empty", 1},
      {"   ", "the expression is empty", 1},
      {"fwhm", "the expression is a number, not a condition", 1},
      {"ecc > 0.5 px", "compares a width (px) with a plain number", 5},
      {"fwhm px > 3", "the unit 'px' must follow a number, not a metric", 6},
      {"fwhm + ecc > 3", "mixes a width (px) and a plain number", 6},
      {"fwhm = 3", "'=' alone is not an operator; compare with '=='", 6},
      {"fwhm > 3 & ecc > 1", "'&' alone is not an operator; use '&&'", 10},
      {"fwhm > 3 | ecc > 1", "'|' alone is not an operator; use '||'", 10},
      {"foo(fwhm) > 1", "unknown function 'foo'", 1},
      {"median(median(fwhm)) > 1", "'median' inside another aggregate", 8},
      {"fwhm > 3 > 2", "comparisons cannot be chained", 10},
      {"fwhm > ()", "a number or metric is missing before ')'", 9},
      {"3 > 2 || fwhm", "'||' needs a condition on its right", 7},
      {"fwhm * fwhm > 9", "'*' multiplies two widths", 6},
      {"fwhm > 3 &&", "the expression ends where a number or metric was expected", 12},
      {"fwhm > 2 $", "unexpected character '$'", 10},
      {"ecc > 1.2.3", "'1.2.3' is not a number", 7},
      {"px > 3", "the unit 'px' must follow a number", 1},
      {"median(ecc > 1) > 0", "'median' takes a number, not a condition", 1},
  };
  for (const auto& c : cases) {
    const std::string message = parse_error(c.text);
    const std::string where = "at character " + std::to_string(c.position) + " of \"";
    ck_assert_msg(contains(message, c.words) && contains(message, where),
                  "\"%s\": expected '%s' %s, got: %s", c.text, c.words, where.c_str(),
                  message.c_str());
  }
  ck_assert_str_eq(parse_error(std::string(kDefaultRejection)).c_str(), "");
  ck_assert_str_eq(parse_error("fwhm > 6 || ecc > 0.7").c_str(), "");
}
END_TEST

START_TEST(selection_of_a_measured_set) {
  const fs::path folder = test::scratch_folder("selection-set");
  MeasuredSet s = measured_set(folder);
  SelectionOptions options;
  const FrameSelection sel = select_measured(s.files, s.quality, options);
  ck_assert_uint_eq(sel.frames.size(), 7);
  const bool expected_kept[] = {true, true, false, true, false, false, true};
  for (std::size_t i = 0; i < 7; ++i)
    ck_assert_msg(sel.frames[i].kept == expected_kept[i], "frame %zu: %s", i + 1,
                  sel.frames[i].reason.c_str());
  ck_assert(contains(sel.frames[2].reason, "fwhm > 1.5 * median(fwhm)"));
  ck_assert(contains(sel.frames[4].reason, "ecc > 0.7 (ecc 0.88)"));
  ck_assert_str_eq(sel.frames[5].reason.c_str(), "no stars measured");
  ck_assert_uint_eq(sel.kept_count(), 4);
  // SNR weights of the kept frames, scaled to a mean of 1; the best one is the reference.
  const double sum = 5.0 + 6.0 + 6.5 + 4.0;
  double mean = 0;
  for (std::size_t i : {0, 1, 3, 6}) {
    ck_assert(std::fabs(sel.frames[i].weight - s.quality[i].snr_weight * 4 / sum) < 1e-12);
    mean += sel.frames[i].weight / 4;
  }
  ck_assert(std::fabs(mean - 1) < 1e-12);
  ck_assert(sel.frames[2].weight == 0 && sel.frames[5].weight == 0);
  ck_assert_int_eq(sel.reference, 3);
  // Before selection the weights are relative to every measured frame.
  ck_assert(std::fabs(sel.frames[2].metrics.weight - 5.5 * 6 / (sum + 5.5 + 5.2)) < 1e-12);

  options.weight = WeightMode::Psf;
  ck_assert_int_eq(select_measured(s.files, s.quality, options).reference, 1);
  options.weight = WeightMode::None;  // equal weights: the sharpest frame
  const FrameSelection none = select_measured(s.files, s.quality, options);
  ck_assert_int_eq(none.reference, 1);
  ck_assert(none.frames[6].weight == 1.0);
  options.reference = 6;
  ck_assert_int_eq(select_measured(s.files, s.quality, options).reference, 6);
  options.reference = 2;  // the blurred frame
  try {
    select_measured(s.files, s.quality, options);
    ck_abort_msg("a rejected frame was accepted as the reference");
  } catch (const Error& e) {
    ck_assert(e.file() == s.files[2] && contains(e.sentence(), "cannot be the reference"));
  }
  options.reference = 7;
  try {
    select_measured(s.files, s.quality, options);
    ck_abort_msg("a reference beyond the set was accepted");
  } catch (const Error& e) {
    ck_assert(contains(e.sentence(), "from 1 to 7"));
  }
  // Absolute limits as practitioners write them.
  options.reference = -1;
  options.reject = "fwhm > 6 || ecc > 0.7";
  const FrameSelection absolute = select_measured(s.files, s.quality, options);
  ck_assert(absolute.frames[2].kept && !absolute.frames[4].kept);
  // A limit in arcsec needs every measured frame's image scale.
  options.reject = "fwhm > 6 arcsec";
  s.quality[3].arcsec_per_px = 0;
  try {
    select_measured(s.files, s.quality, options);
    ck_abort_msg("a frame without image scale was accepted");
  } catch (const Error& e) {
    ck_assert(e.file() == s.files[3] && contains(e.sentence(), "arcsec"));
  }
  fs::remove_all(folder);
}
END_TEST

START_TEST(selection_written_into_a_sequence) {
  const fs::path folder = test::scratch_folder("selection-seq");
  const MeasuredSet s = measured_set(folder);
  const FrameSelection sel = select_measured(s.files, s.quality, {});
  Sequence seq;
  seq.name = "light_";
  seq.layers = 1;
  for (int n = 1; n <= 7; ++n) {
    SeqFrame f;
    f.file_number = n;
    f.registration = {SeqRegistration{double(n), -2.0 * n, 0, 0, 0, 0}};
    seq.frames.push_back(f);
  }
  apply_selection(seq, sel);
  write_seq(seq_path(folder, seq.name), seq);
  const Sequence back = read_seq(seq_path(folder, seq.name));
  ck_assert_int_eq(back.reference, 3);
  ck_assert_int_eq(back.selected_count(), 4);
  for (std::size_t i = 0; i < 7; ++i) {
    const SeqRegistration& r = back.frames[i].registration.at(0);
    ck_assert(back.frames[i].included == sel.frames[i].kept);
    ck_assert(std::fabs(r.shift_x - double(i + 1)) < 1e-6 && std::fabs(r.shift_y + 2.0 * double(i + 1)) < 1e-6);
    ck_assert_msg(std::fabs(r.fwhm - s.quality[i].fwhm) < 1e-4, "fwhm %g", r.fwhm);
    const double roundness = s.quality[i].fitted
                                 ? std::sqrt(1 - std::pow(s.quality[i].eccentricity, 2))
                                 : 0.0;
    ck_assert_msg(std::fabs(r.roundness - roundness) < 1e-4, "roundness %g", r.roundness);
    // Siril's weighted FWHM: the reference has 58 stars.
    const double missing = std::max(0.0, 58.0 - double(s.quality[i].stars)) / 58.0;
    ck_assert_msg(std::fabs(r.weighted_fwhm - s.quality[i].fwhm * (1 + 2 * missing)) < 1e-4,
                  "wfwhm %g", r.weighted_fwhm);
  }
  // A set without registration data gets R lines of zero shift.
  Sequence plain;
  plain.name = "plain_";
  plain.layers = 3;
  for (int n = 1; n <= 7; ++n) plain.frames.push_back(SeqFrame{n, true, {}, {}});
  apply_selection(plain, sel);
  ck_assert_uint_eq(plain.frames[0].registration.size(), 3);
  ck_assert(plain.frames[0].registration[2].shift_x == 0 && plain.frames[0].registration[2].fwhm == 2.8);
  plain.frames.pop_back();
  try {
    apply_selection(plain, sel);
    ck_abort_msg("a sequence of another length was accepted");
  } catch (const Error& e) {
    ck_assert(contains(e.sentence(), "6 frames"));
  }
  fs::remove_all(folder);
}
END_TEST

START_TEST(selection_files_round_trip) {
  const fs::path folder = test::scratch_folder("selection-files");
  const MeasuredSet s = measured_set(folder / "lights");
  const FrameSelection sel = select_measured(s.files, s.quality, {});
  const fs::path json = folder / "out" / "selection.json";
  fs::create_directories(json.parent_path());
  write_selection_json(json, sel);
  std::ifstream in(json);
  std::stringstream text;
  text << in.rdbuf();
  // Names relative to the JSON file's folder.
  ck_assert_msg(contains(text.str(), "\"file\": \"../lights/light_3.fit\""), "%s",
                text.str().c_str());
  ck_assert(contains(text.str(), "\"reference\": \"../lights/light_4.fit\""));
  const FrameSelection back = read_selection_json(json);
  ck_assert_int_eq(back.reference, sel.reference);
  ck_assert_str_eq(back.expression.c_str(), sel.expression.c_str());
  ck_assert(back.weight_mode == WeightMode::Snr);
  ck_assert_uint_eq(back.frames.size(), sel.frames.size());
  for (std::size_t i = 0; i < sel.frames.size(); ++i) {
    const SelectedFrame& a = sel.frames[i];
    const SelectedFrame& b = back.frames[i];
    ck_assert(fs::absolute(b.file) == fs::absolute(a.file).lexically_normal());
    ck_assert(a.kept == b.kept && a.reason == b.reason);
    ck_assert(std::fabs(a.weight - b.weight) < 1e-12);
    ck_assert(std::fabs(a.metrics.weight - b.metrics.weight) < 1e-12);
    ck_assert(a.quality.stars == b.quality.stars && a.quality.fitted == b.quality.fitted);
    ck_assert(a.quality.fwhm == b.quality.fwhm && a.quality.eccentricity == b.quality.eccentricity);
    ck_assert(a.quality.psf_weight == b.quality.psf_weight);
  }
  // Frames are found by path, or by name when the path differs.
  ck_assert(find_selected(back, s.files[3]) == &back.frames[3]);
  ck_assert(find_selected(back, "elsewhere/light_5.fit") == &back.frames[4]);
  ck_assert(find_selected(back, "light_99.fit") == nullptr);

  const fs::path csv = folder / "out" / "selection.csv";
  write_selection_csv(csv, sel);
  std::ifstream csv_in(csv);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(csv_in, line)) lines.push_back(line);
  ck_assert_uint_eq(lines.size(), 8);
  ck_assert(lines[0].rfind("index,file,kept,weight,", 0) == 0);
  ck_assert(lines[3].rfind("3,\"../lights/light_3.fit\",0,0,", 0) == 0);
  ck_assert(contains(lines[6], "\"no stars measured\""));

  // Broken files are named with what is wrong.
  const fs::path broken = folder / "broken.json";
  std::ofstream(broken) << "{\"format\": \"astropack-selection\", \"version\": 1, \"frames\": [";
  try {
    read_selection_json(broken);
    ck_abort_msg("truncated JSON accepted");
  } catch (const Error& e) {
    ck_assert(e.file() == broken && contains(e.sentence(), "not valid JSON"));
  }
  std::ofstream(broken, std::ios::trunc) << "{\"format\": \"other\", \"frames\": []}";
  try {
    read_selection_json(broken);
    ck_abort_msg("another format accepted");
  } catch (const Error& e) {
    ck_assert(contains(e.sentence(), "\"format\""));
  }
  std::ofstream(broken, std::ios::trunc)
      << "{\"format\": \"astropack-selection\", \"version\": 1, \"frames\": "
         "[{\"file\": \"a.fit\", \"kept\": true, \"stars\": \"many\"}]}";
  try {
    read_selection_json(broken);
    ck_abort_msg("a text star count accepted");
  } catch (const Error& e) {
    ck_assert_msg(contains(e.sentence(), "frame 1: \"stars\" is not a number"), "%s", e.what());
  }
  fs::remove_all(folder);
}
END_TEST

START_TEST(plot_marks_rejected_frames) {
  const fs::path folder = test::scratch_folder("selection-plot");
  const MeasuredSet s = measured_set(folder);
  const FrameSelection sel = select_measured(s.files, s.quality, {});
  const fs::path png = folder / "selection.png";
  write_selection_plot(png, sel);
  cairo_surface_t* image = cairo_image_surface_create_from_png(png.c_str());
  ck_assert_int_eq(cairo_surface_status(image), CAIRO_STATUS_SUCCESS);
  const int width = cairo_image_surface_get_width(image);
  ck_assert_int_eq(width, 1400);
  ck_assert_int_eq(cairo_image_surface_get_height(image), 1100);
  const unsigned char* data = cairo_image_surface_get_data(image);
  const int stride = cairo_image_surface_get_stride(image);
  // Columns of the frames, near the top of the first panel: a pale red band only
  // where the frame was rejected.
  auto pixel = [&](int x, int y) {
    const auto* p = reinterpret_cast<const std::uint32_t*>(data + y * stride) + x;
    return std::array<int, 3>{int((*p >> 16) & 255), int((*p >> 8) & 255), int(*p & 255)};
  };
  for (std::size_t i = 0; i < sel.frames.size(); ++i) {
    const int x = int(120 + (double(i) + 0.5) * 1190 / 7) + 12;
    const auto c = pixel(x, 113);
    const bool band = c[0] > 240 && c[1] > 215 && c[1] < 240 && c[2] > 215 && c[2] < 240;
    ck_assert_msg(band == !sel.frames[i].kept, "frame %zu at x %d: %d %d %d", i + 1, x, c[0],
                  c[1], c[2]);
  }
  cairo_surface_destroy(image);
  fs::remove_all(folder);
}
END_TEST

int main() {
  Suite* suite = suite_create("selection");
  TCase* expressions = tcase_create("expressions");
  ADD_TEST(expressions, precedence_of_operators);
  ADD_TEST(expressions, units_and_image_scale);
  ADD_TEST(expressions, aggregates_over_the_set);
  ADD_TEST(expressions, errors_name_the_position);
  suite_add_tcase(suite, expressions);
  TCase* sets = tcase_create("sets");
  ADD_TEST(sets, selection_of_a_measured_set);
  ADD_TEST(sets, selection_written_into_a_sequence);
  ADD_TEST(sets, selection_files_round_trip);
  ADD_TEST(sets, plot_marks_rejected_frames);
  suite_add_tcase(suite, sets);
  return astropack::test::run_suite(suite);
}
