// SPDX-License-Identifier: GPL-3.0-or-later
// Siril .seq files: the exact text written, round trips, hand-written files in
// the forms Siril 1.0 and 1.2 write (siril-compat.md section 2), and malformed files.
#include <clocale>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "astropack/error.hpp"
#include "astropack/seq.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

const std::string kComments =
    "#Siril sequence file. Contains list of files (images), selection, and registration data\n"
    "#S 'sequence_name' start_index nb_images nb_selected fixed_len reference_image version\n";

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void spit(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

SeqRegistration reg(double dx, double dy, double fwhm = 0, double wfwhm = 0, double round = 0,
                    double quality = 0) {
  SeqRegistration r;
  r.shift_x = dx;
  r.shift_y = dy;
  r.fwhm = fwhm;
  r.weighted_fwhm = wfwhm;
  r.roundness = round;
  r.quality = quality;
  return r;
}

Sequence three_frames() {
  Sequence seq;
  seq.name = "light_";
  seq.fixed_digits = 5;
  seq.reference = 1;
  seq.layers = 1;
  seq.frames = {{1, true, {}, {}}, {2, false, {}, {}}, {4, true, {}, {}}};
  return seq;
}

// Check's string macro keeps only the pointer, so temporaries are compared here.
void check_text(const std::string& actual, const std::string& expected) {
  ck_assert_str_eq(actual.c_str(), expected.c_str());
}

// |a - b| within `relative` of b (exact when b is 0).
void check_close(double a, double b, double relative) {
  ck_assert_msg(std::abs(a - b) <= relative * std::abs(b), "%.17g differs from %.17g", a, b);
}

void check_same(const Sequence& a, const Sequence& b) {
  check_text(a.name, b.name);
  ck_assert_int_eq(static_cast<int>(a.type), static_cast<int>(b.type));
  ck_assert_int_eq(a.fixed_digits, b.fixed_digits);
  ck_assert_int_eq(a.reference, b.reference);
  ck_assert_int_eq(a.layers, b.layers);
  ck_assert_double_eq(a.upscale, b.upscale);
  ck_assert_uint_eq(a.frames.size(), b.frames.size());
  for (std::size_t i = 0; i < a.frames.size(); ++i) {
    ck_assert_int_eq(a.frames[i].file_number, b.frames[i].file_number);
    ck_assert_int_eq(a.frames[i].included, b.frames[i].included);
    ck_assert_uint_eq(a.frames[i].registration.size(), b.frames[i].registration.size());
    for (std::size_t l = 0; l < a.frames[i].registration.size(); ++l) {
      const SeqRegistration& x = a.frames[i].registration[l];
      const SeqRegistration& y = b.frames[i].registration[l];
      // Shifts are written with 6 decimals, the rest with 6 significant digits.
      ck_assert_double_eq_tol(x.shift_x, y.shift_x, 5e-7);
      ck_assert_double_eq_tol(x.shift_y, y.shift_y, 5e-7);
      check_close(x.fwhm, y.fwhm, 5e-6);
      check_close(x.weighted_fwhm, y.weighted_fwhm, 5e-6);
      check_close(x.roundness, y.roundness, 5e-6);
      check_close(x.quality, y.quality, 5e-6);
    }
  }
}

// Expects read_seq to fail with InvalidInput naming the file; returns the message.
std::string expect_malformed(const fs::path& dir, const std::string& name,
                             const std::string& text) {
  const fs::path file = dir / name;
  spit(file, text);
  try {
    read_seq(file);
  } catch (const Error& e) {
    ck_assert_msg(e.kind() == ErrorKind::InvalidInput, "%s: wrong kind: %s", name.c_str(),
                  e.what());
    ck_assert(e.file() == file);
    ck_assert(std::string(e.what()).find(file.string()) != std::string::npos);
    return e.sentence();
  }
  ck_abort_msg("%s was accepted", name.c_str());
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void expect_refused(const fs::path& file, const Sequence& seq) {
  bool thrown = false;
  try {
    write_seq(file, seq);
  } catch (const Error& e) {
    thrown = true;
    ck_assert_int_eq(static_cast<int>(e.kind()), static_cast<int>(ErrorKind::InvalidArgument));
    ck_assert(e.file() == file);
  }
  ck_assert(thrown);
  ck_assert(!fs::exists(file));
}

}  // namespace

START_TEST(frame_names_and_counts) {
  Sequence seq = three_frames();
  check_text(seq.frame_file_name(0), "light_00001.fit");
  check_text(seq.frame_file_name(2, ".fits"), "light_00004.fits");
  seq.frames.push_back({123456, true, {}, {}});  // longer than the padding: written in full
  check_text(seq.frame_file_name(3), "light_123456.fit");
  seq.fixed_digits = 0;
  check_text(seq.frame_file_name(2), "light_4.fit");
  ck_assert_int_eq(seq.first_number(), 1);
  ck_assert_int_eq(seq.selected_count(), 3);
  seq.frames = {{9, false, {}, {}}, {3, true, {}, {}}, {5, true, {}, {}}};
  ck_assert_int_eq(seq.first_number(), 3);  // the lowest, whatever the order
  ck_assert_int_eq(seq.selected_count(), 2);
  bool thrown = false;
  try {
    seq.frame_file_name(3);
  } catch (const Error&) {
    thrown = true;
  }
  ck_assert(thrown);
  seq.type = SeqType::FitsCube;
  seq.name = "cv";
  check_text(seq.frame_file_name(1), "cv.fit");  // one file for all frames
  check_text(seq_path("/data/night", "pp_light_").string(), "/data/night/pp_light_.seq");
  ck_assert_int_eq(Sequence{}.first_number(), 0);
}
END_TEST

START_TEST(written_text_is_exact) {
  const fs::path dir = test::scratch_folder("seq-text");
  Sequence seq = three_frames();
  write_seq(dir / "light_.seq", seq);
  const std::string frames =
      "S 'light_' 1 3 2 5 1 3\n"
      "L 1\n"
      "I 1 1\n"
      "I 2 0\n"
      "I 4 1\n";
  check_text(slurp(dir / "light_.seq"), kComments + frames);

  seq.frames[0].registration = {reg(0, 0, 2.5, 2.75, 0.9, 0.123456789)};
  seq.frames[1].registration = {reg(-7, -4)};
  seq.frames[2].registration = {reg(-14.5, 8.25, 3.1e6, 1e-5, 1, -2)};
  write_seq(dir / "light_.seq", seq);  // replaces the file
  const std::string shifts =
      "R0 0.000000 0.000000 2.5 2.75 0.9 0.123457\n"
      "R0 -7.000000 -4.000000 0 0 0 0\n"
      "R0 -14.500000 8.250000 3.1e+06 1e-05 1 -2\n";
  check_text(slurp(dir / "light_.seq"), kComments + frames + shifts);
  ck_assert_int_eq(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}
END_TEST

START_TEST(rgb_text_groups_r_lines_by_layer) {
  const fs::path dir = test::scratch_folder("seq-rgb");
  Sequence seq;
  seq.name = "pp_light_";
  seq.layers = 3;
  seq.reference = -1;
  seq.frames = {{1, true, {reg(0, 0), reg(0, 0, 2), reg(0, 0)}, {}},
                {2, true, {reg(1, -1), reg(1, -1, 3), reg(1, -1)}, {}}};
  write_seq(dir / "pp_light_.seq", seq);
  const std::string expected =
      "S 'pp_light_' 1 2 2 5 -1 3\n"
      "L 3\n"
      "I 1 1\n"
      "I 2 1\n"
      "R0 0.000000 0.000000 0 0 0 0\n"
      "R0 1.000000 -1.000000 0 0 0 0\n"
      "R1 0.000000 0.000000 2 0 0 0\n"
      "R1 1.000000 -1.000000 3 0 0 0\n"
      "R2 0.000000 0.000000 0 0 0 0\n"
      "R2 1.000000 -1.000000 0 0 0 0\n";
  check_text(slurp(dir / "pp_light_.seq"), kComments + expected);
  fs::remove_all(dir);
}
END_TEST

START_TEST(round_trips) {
  const fs::path dir = test::scratch_folder("seq-round");
  // Without registration, selection and reference kept.
  Sequence plain = three_frames();
  write_seq(dir / "a.seq", plain);
  check_same(read_seq(dir / "a.seq"), plain);

  // Mono with registration, awkward numbers.
  Sequence mono = three_frames();
  mono.reference = 2;
  mono.frames[0].registration = {reg(0.123456, -99.5, 2.34567, 2.5, 0.875, 0.0314159)};
  mono.frames[1].registration = {reg(-1234.000001, 0.000001, 1e-7, 123456, 1, 7)};
  mono.frames[2].registration = {reg(12, 13, 0, 0, 0, 0)};
  write_seq(dir / "b.seq", mono);
  check_same(read_seq(dir / "b.seq"), mono);

  // RGB, three layers with different data, no padding, large numbers.
  Sequence rgb;
  rgb.name = "r_pp_light-";
  rgb.fixed_digits = 0;
  rgb.layers = 3;
  rgb.reference = 0;
  for (int i = 0; i < 4; ++i) {
    SeqFrame f;
    f.file_number = 100 + 10 * i;
    f.included = i != 2;
    for (int l = 0; l < 3; ++l) {
      f.registration.push_back(reg(i + 0.5 * l, -i, 2 + l, 3 + l, 0.5, i));
    }
    rgb.frames.push_back(f);
  }
  write_seq(dir / "c.seq", rgb);
  const Sequence back = read_seq(dir / "c.seq");
  check_same(back, rgb);
  ck_assert_int_eq(back.selected_count(), 3);
  ck_assert_int_eq(back.first_number(), 100);

  // A FITS cube drizzled by 2 (TF and U lines).
  Sequence cube;
  cube.name = "cube";
  cube.type = SeqType::FitsCube;
  cube.fixed_digits = 0;
  cube.layers = -1;
  cube.upscale = 2.0;
  cube.frames = {{0, true, {}, {}}, {1, true, {}, {}}, {2, false, {}, {}}};
  write_seq(dir / "cube.seq", cube);
  ck_assert(contains(slurp(dir / "cube.seq"), "S 'cube' 0 3 2 0 -1 3\nTF\nU 2.000000\nL -1\n"));
  check_same(read_seq(dir / "cube.seq"), cube);
  fs::remove_all(dir);
}
END_TEST

START_TEST(text_does_not_follow_the_process_locale) {
  // A GIMP plug-in runs with the user's locale; a decimal comma would break Siril.
  const fs::path dir = test::scratch_folder("seq-locale");
  const char* chosen = nullptr;
  for (const char* name : {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE.utf8", "fr_FR.utf8"}) {
    if (std::setlocale(LC_ALL, name)) {
      chosen = name;
      break;
    }
  }
  Sequence seq = three_frames();
  for (auto& f : seq.frames) f.registration = {reg(-7.25, 4.5, 2.5, 2.75, 0.5, 0.25)};
  write_seq(dir / "l.seq", seq);
  const std::string text = slurp(dir / "l.seq");
  ck_assert(contains(text, "R0 -7.250000 4.500000 2.5 2.75 0.5 0.25\n"));
  check_same(read_seq(dir / "l.seq"), seq);
  std::setlocale(LC_ALL, "C");
  static_cast<void>(chosen);  // without such a locale the test still checks the C text
  fs::remove_all(dir);
}
END_TEST

START_TEST(reads_files_as_siril_writes_them) {
  const fs::path dir = test::scratch_folder("seq-siril");
  // Siril 1.0 after stacking: M lines with cached statistics (ignored).
  spit(dir / "light_.seq",
       std::string(kComments) +
           "S 'light_' 1 5 5 5 -1 3\n"
           "L 1\n"
           "I 1 1\nI 2 1\nI 3 1\nI 4 1\nI 5 1\n"
           "M0-0 4800 4800 0.05 0.049 0.01 0.008 0.007 0.009 0.049 0.0093 0.01 0.9 1 0.0101\n"
           "M0-1 4800 4800 -999999 -999999 -999999 -999999 -999999 -999999 -999999 -999999 "
           "-999999 -999999 1 -999999\n");
  Sequence seq = read_seq(dir / "light_.seq");
  ck_assert_str_eq(seq.name.c_str(), "light_");
  ck_assert_uint_eq(seq.frames.size(), 5);
  ck_assert_int_eq(seq.frames[4].file_number, 5);
  ck_assert_int_eq(seq.reference, -1);
  ck_assert_int_eq(seq.fixed_digits, 5);
  ck_assert_int_eq(seq.selected_count(), 5);
  ck_assert(seq.frames[0].registration.empty());

  // Hand-written registration as in experiment E9, with an excluded frame and
  // a selected count that does not match (Siril recounts it).
  spit(dir / "star_.seq",
       std::string(kComments) +
           "S 'star_' 1 3 3 5 0 3\n"
           "L 1\n"
           "I 1 1\nI 2 1\nI 3 0\n"
           "R0 0 0 0 0 0 0\n"
           "R0 -7 -4 0 0 0 0\n"
           "R0 -14.000523 -7.999998 2.61 2.7 0.93 0.0045\n");
  seq = read_seq(dir / "star_.seq");
  ck_assert_int_eq(seq.selected_count(), 2);
  ck_assert(!seq.frames[2].included);
  ck_assert_double_eq(seq.frames[1].registration[0].shift_x, -7.0);
  ck_assert_double_eq(seq.frames[1].registration[0].shift_y, -4.0);
  ck_assert_double_eq(seq.frames[2].registration[0].shift_x, -14.000523);
  ck_assert_double_eq(seq.frames[2].registration[0].roundness, 0.93);
  ck_assert_double_eq(seq.frames[2].registration[0].quality, 0.0045);

  // `convert -fitseq` (E8): a FITS cube, layers unknown, unquoted name, CR-LF.
  spit(dir / "cv.seq",
       "#Siril sequence file\r\nS cv 0 3 3 0 -1 3\r\nTF\r\nL -1\r\nI 0 1\r\nI 1 1\r\nI 2 1\r\n");
  seq = read_seq(dir / "cv.seq");
  ck_assert_str_eq(seq.name.c_str(), "cv");
  ck_assert_int_eq(static_cast<int>(seq.type), static_cast<int>(SeqType::FitsCube));
  ck_assert_int_eq(seq.layers, -1);
  ck_assert_int_eq(seq.frames[0].file_number, 0);
  check_text(seq.frame_file_name(2), "cv.fit");

  // SER and film sequences are recorded, and a drizzle factor is kept.
  spit(dir / "movie.seq", "S 'movie' 0 2 2 0 -1 3\nTS\nU 2\nL 1\nI 0 1\nI 1 1\nR* 1 2 0 0 0 0\n");
  seq = read_seq(dir / "movie.seq");
  ck_assert_int_eq(static_cast<int>(seq.type), static_cast<int>(SeqType::Ser));
  ck_assert_double_eq(seq.upscale, 2.0);
  ck_assert(seq.frames[0].registration.empty());  // R* (CFA data) is not ours
  spit(dir / "film.seq", "S 'film' 0 1 1 0 -1 3\nTA\nL 3\nI 0 1\n");
  ck_assert_int_eq(static_cast<int>(read_seq(dir / "film.seq").type),
                   static_cast<int>(SeqType::Film));

  // A colour sequence registered on green only: R1 lines stand for all layers.
  spit(dir / "rgb_.seq",
       "S 'rgb_' 1 2 2 5 1 3\nL 3\nI 1 1\nI 2 1\n"
       "R1 3.000000 -2.000000 2.1 2.2 0.8 0.5\nR1 0.000000 0.000000 2.0 2.1 0.9 0.6\n");
  seq = read_seq(dir / "rgb_.seq");
  ck_assert_uint_eq(seq.frames[0].registration.size(), 3);
  for (std::size_t l = 0; l < 3; ++l) {
    ck_assert_double_eq(seq.frames[0].registration[l].shift_x, 3.0);
    ck_assert_double_eq(seq.frames[0].registration[l].shift_y, -2.0);
    ck_assert_double_eq(seq.frames[1].registration[l].quality, 0.6);
  }

  // Pre-0.99 files: I lines with ten statistics, version 2 R lines (no weighted FWHM).
  spit(dir / "old.seq",
       "S 'old_' 1 2 2 4 0 2\nL 1\n"
       "I 1 1 0.1 0.1 0.01 0.01 0.01 0.01 0.1 0.01 0 1\nI 2 1 0.1 0.1 0.01 0.01 0.01 0.01 0.1 "
       "0.01 0 1\n"
       "R0 0.000000 0.000000 2.5 0.9 0.4\nR0 5.000000 6.000000 2.6 0.8 0.3\n");
  seq = read_seq(dir / "old.seq");
  ck_assert_double_eq(seq.frames[1].registration[0].shift_y, 6.0);
  ck_assert_double_eq(seq.frames[1].registration[0].roundness, 0.8);
  ck_assert_double_eq(seq.frames[1].registration[0].quality, 0.3);
  ck_assert_double_eq(seq.frames[1].registration[0].weighted_fwhm, 0.0);
  fs::remove_all(dir);
}
END_TEST

START_TEST(reads_version_4_leniently) {
  const fs::path dir = test::scratch_folder("seq-v4");
  spit(dir / "v4.seq",
       "#Siril sequence file. Contains list of images, selection, registration data and "
       "statistics\n"
       "#S 'sequence_name' start_index nb_images nb_selected fixed_len reference_image version "
       "variable_size fz_flag\n"
       "S 'light_' 1 3 3 5 0 4 0 0\n"
       "L 1\n"
       "I 1 1\nI 2 1\nI 3 1 600,400\n"
       "R0 2.5 2.6 0.9 0.8 0.01 42 H 1 0 0 0 1 0 0 0 1\n"
       "R0 2.4 2.5 0.91 0.7 0.01 40 H 1 0 -7 0 1 4 0 0 1\n"
       "R0 3.5 3.6 0.7 0.6 0.02 30 H 0.99 -0.01 3 0.01 0.99 2 0 0 1\n");
  const Sequence seq = read_seq(dir / "v4.seq");
  ck_assert_uint_eq(seq.frames.size(), 3);
  const SeqRegistration& second = seq.frames[1].registration[0];
  ck_assert_double_eq(second.fwhm, 2.4);  // not mistaken for shifts, unlike Siril 1.0 (E15)
  ck_assert_double_eq(second.weighted_fwhm, 2.5);
  ck_assert_double_eq(second.roundness, 0.91);
  ck_assert_double_eq(second.quality, 0.7);
  ck_assert_double_eq(second.shift_x, -7.0);  // a pure translation: H = [[1,0,dx],[0,1,-dy]]
  ck_assert_double_eq(second.shift_y, -4.0);
  const SeqRegistration& rotated = seq.frames[2].registration[0];
  ck_assert_double_eq(rotated.shift_x, 0.0);  // not a translation: no shift
  ck_assert_double_eq(rotated.shift_y, 0.0);
  ck_assert_double_eq(rotated.fwhm, 3.5);

  // Version 5 and later add lines of other kinds; they are skipped.
  spit(dir / "v7.seq",
       "S 'light_' 1 2 2 5 0 7 0 0 0\nL 1\nI 1 1\nI 2 1\nD0 0\nE ref.fit 0 10 10\n"
       "R0 2.5 2.6 0.9 0.8 0.01 42 H 1 0 0 0 1 0 0 0 1\n"
       "R0 2.5 2.6 0.9 0.8 0.01 42 H 1 0 1.5 0 1 -2.5 0 0 1\n"
       "O0 0 1 0 0 0 0 10 10 100 0.1 0.1 0.01 0.01 0.1 0.1 0.01 0.01\n");
  const Sequence v7 = read_seq(dir / "v7.seq");
  ck_assert_double_eq(v7.frames[1].registration[0].shift_x, 1.5);
  ck_assert_double_eq(v7.frames[1].registration[0].shift_y, 2.5);
  fs::remove_all(dir);
}
END_TEST

START_TEST(malformed_files_are_refused) {
  const fs::path dir = test::scratch_folder("seq-bad");
  const std::string s_line = "S 'x_' 1 2 2 5 0 3\n";
  std::string why;

  why = expect_malformed(dir, "empty.seq", "");
  ck_assert(contains(why, "no S line"));
  why = expect_malformed(dir, "comments.seq", "# only comments\n#S 'x' 1 1 1 5 0 3\n");
  ck_assert(contains(why, "no S line"));
  why = expect_malformed(dir, "i-first.seq", "L 1\nI 1 1\n" + s_line);
  ck_assert(contains(why, "line 2"));
  why = expect_malformed(dir, "zero.seq", "S 'x_' 1 0 0 5 -1 3\nL 1\n");
  ck_assert(contains(why, "0 images"));
  expect_malformed(dir, "negative.seq", "S 'x_' 1 -3 0 5 -1 3\nL 1\n");
  why = expect_malformed(dir, "short-s.seq", "S 'x_' 1 2 2 5\nL 1\nI 1 1\nI 2 1\n");
  ck_assert(contains(why, "six numbers"));
  why = expect_malformed(dir, "word.seq", "S 'x_' 1 two 2 5 0 3\nL 1\nI 1 1\nI 2 1\n");
  ck_assert(contains(why, "'two'"));
  expect_malformed(dir, "quote.seq", "S 'x_ 1 2 2 5 0 3\nL 1\nI 1 1\nI 2 1\n");
  expect_malformed(dir, "two-s.seq", s_line + s_line + "L 1\nI 1 1\nI 2 1\n");
  expect_malformed(dir, "reference.seq", "S 'x_' 1 2 2 5 2 3\nL 1\nI 1 1\nI 2 1\n");
  expect_malformed(dir, "layers.seq", s_line + "L 2\nI 1 1\nI 2 1\n");
  expect_malformed(dir, "bad-i.seq", s_line + "L 1\nI 1 1\nI x 1\n");
  expect_malformed(dir, "short-i.seq", s_line + "L 1\nI 1\nI 2 1\n");
  why = expect_malformed(dir, "few-i.seq", s_line + "L 1\nI 1 1\n");
  ck_assert(contains(why, "declares 2 images but 1 I lines"));
  why = expect_malformed(dir, "many-i.seq", s_line + "L 1\nI 1 1\nI 2 1\nI 3 1\n");
  ck_assert(contains(why, "line 5"));
  why = expect_malformed(dir, "r-before-l.seq",
                         s_line + "I 1 1\nI 2 1\nR0 0 0 0 0 0 0\nR0 1 1 0 0 0 0\nL 1\n");
  ck_assert(contains(why, "L line"));
  expect_malformed(dir, "r-unknown-layers.seq",
                   s_line + "L -1\nI 1 1\nI 2 1\nR0 0 0 0 0 0 0\nR0 1 1 0 0 0 0\n");
  expect_malformed(dir, "r-layer.seq", s_line + "L 1\nI 1 1\nI 2 1\nR1 0 0 0 0 0 0\n");
  why = expect_malformed(dir, "r-short.seq", s_line + "L 1\nI 1 1\nI 2 1\nR0 0 0 0 0\n");
  ck_assert(contains(why, "line 5"));
  expect_malformed(dir, "r-nan.seq",
                   s_line + "L 1\nI 1 1\nI 2 1\nR0 nan 0 0 0 0 0\nR0 0 0 0 0 0 0\n");
  expect_malformed(dir, "r-text.seq", s_line + "L 1\nI 1 1\nI 2 1\nR0 1,5 0 0 0 0 0\n");
  why = expect_malformed(dir, "r-count.seq", s_line + "L 1\nI 1 1\nI 2 1\nR0 0 0 0 0 0 0\n");
  ck_assert(contains(why, "1 R0 lines for 2 images"));
  expect_malformed(dir, "r-many.seq", s_line +
                                          "L 1\nI 1 1\nI 2 1\nR0 0 0 0 0 0 0\nR0 0 0 0 0 0 0\n"
                                          "R0 0 0 0 0 0 0\n");
  expect_malformed(dir, "type.seq", s_line + "TX\nL 1\nI 1 1\nI 2 1\n");
  expect_malformed(dir, "upscale.seq", s_line + "U -2\nL 1\nI 1 1\nI 2 1\n");
  expect_malformed(dir, "v4-h.seq",
                   "S 'x_' 1 1 1 5 0 4 0 0\nL 1\nI 1 1\nR0 2 2 1 1 0 3 H 1 0 0\n");
  expect_malformed(dir, "binary.seq", std::string("\0\x01\x02S\xff", 5));

  bool not_found = false;
  try {
    read_seq(dir / "absent.seq");
  } catch (const Error& e) {
    not_found = e.kind() == ErrorKind::NotFound && e.file() == dir / "absent.seq";
  }
  ck_assert(not_found);
  fs::remove_all(dir);
}
END_TEST

START_TEST(invalid_sequences_are_not_written) {
  const fs::path dir = test::scratch_folder("seq-refuse");
  Sequence seq = three_frames();
  seq.name = "it's";
  expect_refused(dir / "q.seq", seq);
  seq.name = "a/b";
  expect_refused(dir / "s.seq", seq);
  seq.name = "";
  expect_refused(dir / "e.seq", seq);

  seq = three_frames();
  seq.frames.clear();
  expect_refused(dir / "none.seq", seq);

  seq = three_frames();
  seq.reference = 3;
  expect_refused(dir / "ref.seq", seq);
  seq.reference = -2;
  expect_refused(dir / "ref.seq", seq);

  seq = three_frames();
  seq.frames[0].registration = {reg(1, 1)};  // only one frame registered
  expect_refused(dir / "partial.seq", seq);
  seq.frames[1].registration = {reg(1, 1)};
  seq.frames[2].registration = {reg(1, 1), reg(1, 1)};  // two entries, one layer
  expect_refused(dir / "layers.seq", seq);
  seq.frames[2].registration = {reg(1, std::nan(""))};
  expect_refused(dir / "nan.seq", seq);

  seq = three_frames();
  seq.frames[2].file_number = 1;
  expect_refused(dir / "twice.seq", seq);
  seq.frames[2].file_number = -4;
  expect_refused(dir / "negative.seq", seq);
  seq = three_frames();
  seq.layers = 2;
  expect_refused(dir / "two.seq", seq);
  ck_assert(fs::is_empty(dir));

  // A missing folder: Unwritable, nothing created.
  bool thrown = false;
  try {
    write_seq(dir / "absent" / "x.seq", three_frames());
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::Unwritable;
  }
  ck_assert(thrown);
  ck_assert(fs::is_empty(dir));
  fs::remove_all(dir);
}
END_TEST

START_TEST(transforms_round_trip_in_comment_lines) {
  const fs::path dir = test::scratch_folder("seq-transform");
  Sequence seq = three_frames();
  seq.frames[0].transform = Transform();
  seq.frames[2].transform = Transform::from_matrix(
      {1.0000123456789012, -0.0031415926535897, 12.345678901234567, 0.0031415, 0.99999,
       -7.25, 1.5e-7, -2.5e-8, 1});
  seq.frames[0].registration = {reg(0, 0, 2.5)};
  seq.frames[1].registration = {reg(0, 0)};
  seq.frames[2].registration = {reg(0, 0, 3)};
  write_seq(dir / "light_.seq", seq);
  const std::string text = slurp(dir / "light_.seq");
  // Version 3 stays, the transforms follow as comments Siril 1.0 skips.
  ck_assert(contains(text, "S 'light_' 1 3 2 5 1 3\n"));
  ck_assert(contains(text, "R0 0.000000 0.000000 3 0 0 0\n#astropack-H index h00 "));
  ck_assert(contains(text, "\n#astropack-H 0 1 0 0 0 1 0 0 0 1\n"
                           "#astropack-H 2 1.0000123456789012 "));
  ck_assert(!contains(text, "#astropack-H 1 "));
  const Sequence back = read_seq(dir / "light_.seq");
  check_same(back, seq);
  ck_assert(back.frames[0].transform.has_value());
  ck_assert(!back.frames[1].transform.has_value());
  ck_assert(back.frames[2].transform.has_value());
  for (std::size_t k = 0; k < 9; ++k) {
    ck_assert(back.frames[0].transform->matrix()[k] == seq.frames[0].transform->matrix()[k]);
    ck_assert(back.frames[2].transform->matrix()[k] == seq.frames[2].transform->matrix()[k]);
  }
  // Without transforms no such line is written.
  write_seq(dir / "plain_.seq", three_frames());
  ck_assert(!contains(slurp(dir / "plain_.seq"), "astropack"));

  // Hand-written transform lines: bad ones are refused, like any malformed line.
  const std::string head = "S 'x_' 1 2 2 5 0 3\nL 1\nI 1 1\nI 2 1\n";
  std::string why =
      expect_malformed(dir, "h-short.seq", head + "#astropack-H 1 1 0 0 0 1 0 0 0\n");
  ck_assert(contains(why, "nine numbers"));
  why = expect_malformed(dir, "h-index.seq", head + "#astropack-H 2 1 0 0 0 1 0 0 0 1\n");
  ck_assert(contains(why, "transform for frame 2 of 2"));
  expect_malformed(dir, "h-negative.seq", head + "#astropack-H -1 1 0 0 0 1 0 0 0 1\n");
  expect_malformed(dir, "h-nan.seq", head + "#astropack-H 0 1 0 nan 0 1 0 0 0 1\n");
  expect_malformed(dir, "h-twice.seq",
                   head + "#astropack-H 0 1 0 0 0 1 0 0 0 1\n#astropack-H 0 1 0 0 0 1 0 0 0 1\n");
  // Other comments stay comments.
  spit(dir / "ok.seq", head + "#astropack-Hello\n#astropack-H index h00\n");
  ck_assert(!read_seq(dir / "ok.seq").frames[0].transform.has_value());

  seq.frames[2].transform = Transform::from_matrix({1, 0, std::nan(""), 0, 1, 0, 0, 0, 1});
  expect_refused(dir / "refused.seq", seq);
  fs::remove_all(dir);
}
END_TEST

int main() {
  Suite* suite = suite_create("seq");
  TCase* tc = tcase_create("core");
  ADD_TEST(tc, frame_names_and_counts);
  ADD_TEST(tc, written_text_is_exact);
  ADD_TEST(tc, rgb_text_groups_r_lines_by_layer);
  ADD_TEST(tc, round_trips);
  ADD_TEST(tc, text_does_not_follow_the_process_locale);
  ADD_TEST(tc, reads_files_as_siril_writes_them);
  ADD_TEST(tc, reads_version_4_leniently);
  ADD_TEST(tc, malformed_files_are_refused);
  ADD_TEST(tc, invalid_sequences_are_not_written);
  ADD_TEST(tc, transforms_round_trip_in_comment_lines);
  suite_add_tcase(suite, tc);
  return astropack::test::run_suite(suite);
}
