// SPDX-License-Identifier: GPL-3.0-or-later
// Registration transforms: construction, composition, inversion, models.
#include <cmath>

#include "astropack/error.hpp"
#include "astropack/transform.hpp"
#include "check_main.hpp"

using namespace astropack;

START_TEST(shift_moves_points) {
  const Point2 p = Transform::shift(2.5, -1.25).apply({10, 20});
  ck_assert_double_eq_tol(p.x, 12.5, 1e-12);
  ck_assert_double_eq_tol(p.y, 18.75, 1e-12);
  ck_assert(Transform::shift(2.5, -1.25).is_shift());
}
END_TEST

START_TEST(similarity_rotates_about_centre) {
  // A quarter turn about (100, 50): (110, 50) goes to (100, 60), the centre stays.
  const Transform t = Transform::similarity(1.0, 90.0, {100, 50}, 0, 0);
  const Point2 centre = t.apply({100, 50});
  ck_assert_double_eq_tol(centre.x, 100, 1e-9);
  ck_assert_double_eq_tol(centre.y, 50, 1e-9);
  const Point2 p = t.apply({110, 50});
  ck_assert_double_eq_tol(p.x, 100, 1e-9);
  ck_assert_double_eq_tol(p.y, 60, 1e-9);
  ck_assert(!t.is_shift(1e-6));
  ck_assert_double_eq_tol(Transform::similarity(2.0, 30, {0, 0}, 0, 0).area_scale({5, 5}), 4.0,
                          1e-12);
}
END_TEST

START_TEST(inverse_and_composition_round_trip) {
  const Transform h = Transform::from_matrix({1.01, 0.02, 3.0, -0.015, 0.99, -7.0, 1e-6, -2e-6, 1});
  const Transform back = h.inverse();
  for (const Point2 p : {Point2{0, 0}, Point2{1000, 20}, Point2{-50, 700}}) {
    const Point2 q = back.apply(h.apply(p));
    ck_assert_double_eq_tol(q.x, p.x, 1e-9);
    ck_assert_double_eq_tol(q.y, p.y, 1e-9);
  }
  const Transform a = Transform::shift(1, 2);
  const Transform b = Transform::similarity(1.0, 90.0, {0, 0}, 0, 0);
  // a then b: (1, 0) -> (2, 2) -> (-2, 2)
  const Point2 p = a.then(b).apply({1, 0});
  ck_assert_double_eq_tol(p.x, -2, 1e-12);
  ck_assert_double_eq_tol(p.y, 2, 1e-12);
  // Matrices are normalised to h22 = 1.
  const Transform scaled = Transform::from_matrix({2, 0, 4, 0, 2, 6, 0, 0, 2});
  ck_assert_double_eq_tol(scaled.apply({1, 1}).x, 3, 1e-12);
  ck_assert_double_eq_tol(scaled.matrix()[8], 1, 1e-15);
}
END_TEST

START_TEST(singular_transform_is_refused) {
  bool thrown = false;
  try {
    (void)Transform::from_matrix({1, 2, 0, 2, 4, 0, 0, 0, 1}).inverse();
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidArgument;
  }
  ck_assert(thrown);
}
END_TEST

START_TEST(models_parse_and_name) {
  ck_assert(parse_transform_model("affine") == TransformModel::Affine);
  ck_assert(to_string(TransformModel::Similarity) == "similarity");
  ck_assert_int_eq(minimum_pairs(TransformModel::Homography), 4);
  bool thrown = false;
  try {
    (void)parse_transform_model("rigid");
  } catch (const Error&) {
    thrown = true;
  }
  ck_assert(thrown);
}
END_TEST

int main() {
  Suite* suite = suite_create("transform");
  TCase* tc = tcase_create("core");
  ADD_TEST(tc, shift_moves_points);
  ADD_TEST(tc, similarity_rotates_about_centre);
  ADD_TEST(tc, inverse_and_composition_round_trip);
  ADD_TEST(tc, singular_transform_is_refused);
  ADD_TEST(tc, models_parse_and_name);
  suite_add_tcase(suite, tc);
  return astropack::test::run_suite(suite);
}
