// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/star_matching.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <tuple>

#include "point_tree.hpp"
#include "star_triangles.hpp"

namespace astropack {

namespace {

using Pairs = std::vector<std::pair<std::size_t, std::size_t>>;

// A star pair proposed by the triangle votes.
struct Candidate {
  std::uint32_t votes = 0;
  std::uint32_t reference = 0, frame = 0;
  bool mirrored = false;
};

// Widest descriptor tolerance: triangles whose ratios are less certain than
// this carry too little information to vote.
constexpr double kMaxTolerance = 0.03;
constexpr double kMinTolerance = 0.002;

// Star pairs ranked by the votes of similar triangles, best first.
std::vector<Candidate> vote(std::span<const Point2> reference, std::span<const Point2> frame,
                            std::size_t count, const MatchOptions& options) {
  const std::vector<StarTriangle> ref_triangles =
      star_triangles(reference, count, options.min_side_px);
  const std::vector<StarTriangle> frame_triangles =
      star_triangles(frame, count, options.min_side_px);
  const std::size_t nr = std::min(count, reference.size());
  const std::size_t nf = std::min(count, frame.size());
  // votes[mirrored][reference star][frame star]
  std::vector<std::uint32_t> votes(2 * nr * nf, 0);
  for (const StarTriangle& probe : frame_triangles) {
    for_each_similar(
        ref_triangles, probe, kMaxTolerance,
        [&](const StarTriangle& t) {
          // Ratios of a triangle of longest side a move by about 2 sigma / a.
          const double tol =
              options.position_error_px * (1 / probe.longest + 1 / t.longest);
          return std::clamp(tol, kMinTolerance, kMaxTolerance);
        },
        [&](const StarTriangle& t) {
          const std::size_t mirrored = t.clockwise != probe.clockwise ? 1 : 0;
          for (std::size_t v = 0; v < 3; ++v)
            ++votes[(mirrored * nr + t.vertex[v]) * nf + probe.vertex[v]];
        });
  }
  std::vector<Candidate> candidates;
  for (std::size_t m = 0; m < 2; ++m)
    for (std::size_t i = 0; i < nr; ++i)
      for (std::size_t j = 0; j < nf; ++j) {
        const std::uint32_t v = votes[(m * nr + i) * nf + j];
        if (v >= 2) candidates.push_back({v, std::uint32_t(i), std::uint32_t(j), m == 1});
      }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(b.votes, a.mirrored, a.reference, a.frame) <
           std::tie(a.votes, b.mirrored, b.reference, b.frame);
  });
  // The true pairs collect votes from every common triangle they belong to;
  // chance coincidences rarely rise above the first few dozen.
  candidates.resize(std::min(candidates.size(), std::max<std::size_t>(2 * count, 30)));
  return candidates;
}

// The similarity (mirrored or not) taking p1 to q1 and p2 to q2.
std::optional<Transform> two_point_similarity(Point2 p1, Point2 p2, Point2 q1, Point2 q2,
                                              bool mirrored, double min_side) {
  double px = p2.x - p1.x, py = p2.y - p1.y;
  const double qx = q2.x - q1.x, qy = q2.y - q1.y;
  const double p_len2 = px * px + py * py, q_len2 = qx * qx + qy * qy;
  if (p_len2 < min_side * min_side || q_len2 < min_side * min_side) return std::nullopt;
  // Scale changes beyond 20 x are not registration any more.
  if (q_len2 > 400 * p_len2 || p_len2 > 400 * q_len2) return std::nullopt;
  if (mirrored) py = -py;
  // a = (q2 - q1) / (p2 - p1) as complex numbers (p conjugated for a mirror).
  const double ar = (qx * px + qy * py) / p_len2;
  const double ai = (qy * px - qx * py) / p_len2;
  Transform::Matrix h = mirrored ? Transform::Matrix{ar, ai, 0, ai, -ar, 0, 0, 0, 1}
                                 : Transform::Matrix{ar, -ai, 0, ai, ar, 0, 0, 0, 1};
  h[2] = q1.x - (h[0] * p1.x + h[1] * p1.y);
  h[5] = q1.y - (h[3] * p1.x + h[4] * p1.y);
  return Transform::from_matrix(h);
}

// How many reference stars land within the radius of some frame star.
std::size_t consensus(const Transform& t, std::span<const Point2> reference,
                      const PointTree& tree, double radius) {
  std::size_t count = 0;
  for (const Point2& p : reference)
    if (tree.nearest(t.apply(p), radius)) ++count;
  return count;
}

// One frame star per reference star and the other way round: each frame star
// goes to the reference star predicted closest to it.
Pairs pair_stars(const Transform& t, std::span<const Point2> reference,
                 std::span<const Point2> frame, const PointTree& tree, double radius) {
  std::vector<std::optional<std::size_t>> claim(frame.size());
  std::vector<double> claim_distance(frame.size());
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const Point2 q = t.apply(reference[i]);
    const auto j = tree.nearest(q, radius);
    if (!j) continue;
    const double d = std::hypot(frame[*j].x - q.x, frame[*j].y - q.y);
    if (!claim[*j] || d < claim_distance[*j]) {
      claim[*j] = i;
      claim_distance[*j] = d;
    }
  }
  Pairs pairs;
  for (std::size_t j = 0; j < frame.size(); ++j)
    if (claim[j]) pairs.emplace_back(*claim[j], j);
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

struct Hypothesis {
  Transform transform;
  std::size_t score = 0;
};

// RANSAC over couples of candidate pairs: every couple when there are few,
// otherwise `ransac_iterations` couples drawn by a seeded generator.
Hypothesis best_hypothesis(const std::vector<Candidate>& candidates,
                           std::span<const Point2> reference, std::span<const Point2> frame,
                           const PointTree& tree, const MatchOptions& options) {
  Hypothesis best;
  auto consider = [&](const Candidate& a, const Candidate& b) {
    if (a.mirrored != b.mirrored || a.reference == b.reference || a.frame == b.frame) return;
    const auto t = two_point_similarity(reference[a.reference], reference[b.reference],
                                        frame[a.frame], frame[b.frame], a.mirrored,
                                        options.min_side_px);
    if (!t) return;
    const std::size_t score = consensus(*t, reference, tree, options.match_radius_px);
    if (score > best.score) best = {*t, score};
  };
  const std::size_t n = candidates.size();
  if (n < 2) return best;
  if (n * (n - 1) / 2 <= std::size_t(std::max(options.ransac_iterations, 0))) {
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = a + 1; b < n; ++b) consider(candidates[a], candidates[b]);
  } else {
    // The generator's output sequence is fixed by the standard; the modulo
    // bias is irrelevant here and keeps the draws the same on every platform.
    std::mt19937_64 random(options.seed);
    for (int i = 0; i < options.ransac_iterations; ++i) {
      const std::size_t a = std::size_t(random() % n), b = std::size_t(random() % n);
      if (a != b) consider(candidates[a], candidates[b]);
    }
  }
  return best;
}

// The pairs' positions and weights, 1 / (sigma_r^2 + sigma_f^2) when sigmas are known.
struct PairPoints {
  std::vector<Point2> reference, frame;
  std::vector<double> weight;
};

PairPoints split(const Pairs& pairs, std::span<const Point2> reference,
                 std::span<const Point2> frame, std::span<const double> reference_sigma,
                 std::span<const double> frame_sigma) {
  PairPoints out;
  const bool weighted = !reference_sigma.empty() && !frame_sigma.empty();
  for (const auto& [i, j] : pairs) {
    out.reference.push_back(reference[i]);
    out.frame.push_back(frame[j]);
    if (weighted) {
      const double variance =
          reference_sigma[i] * reference_sigma[i] + frame_sigma[j] * frame_sigma[j];
      out.weight.push_back(1 / variance);
    }
  }
  return out;
}

std::string stars_sentence(std::size_t found, std::size_t needed, const char* where) {
  std::string s = found == 0 ? "no star was" : "only ";
  if (found > 0) s.append(std::to_string(found)).append(found == 1 ? " star was" : " stars were");
  s.append(" found in ").append(where).append(", fewer than the ");
  s.append(std::to_string(needed)).append(" needed to register it.");
  return s;
}

}  // namespace

StarMatch match_stars(std::span<const Point2> reference, std::span<const Point2> frame,
                      const MatchOptions& options, std::span<const double> reference_sigma,
                      std::span<const double> frame_sigma) {
  StarMatch result;
  reference = reference.first(std::min(reference.size(), options.max_stars));
  frame = frame.first(std::min(frame.size(), options.max_stars));
  auto usable = [](std::span<const double> sigma, std::size_t n) {
    return sigma.size() >= n && std::all_of(sigma.begin(), sigma.begin() + std::ptrdiff_t(n),
                                            [](double s) { return s > 0 && std::isfinite(s); });
  };
  if (!usable(reference_sigma, reference.size()) || !usable(frame_sigma, frame.size())) {
    reference_sigma = {};
    frame_sigma = {};
  }
  const std::size_t needed =
      std::size_t(std::max({options.min_pairs, minimum_pairs(options.model), 3}));
  if (frame.size() < needed) {
    result.reason = stars_sentence(frame.size(), needed, "the frame");
    return result;
  }
  if (reference.size() < needed) {
    result.reason = stars_sentence(reference.size(), needed, "the reference frame");
    return result;
  }
  const PointTree tree(frame);
  const double radius = options.match_radius_px;

  // Triangles of the brightest stars first; twice as many stars when their
  // brightest do not overlap enough (large offsets, changing transparency).
  Hypothesis hypothesis;
  const std::size_t shorter = std::min(reference.size(), frame.size());
  for (std::size_t count = std::max<std::size_t>(options.triangle_stars, 3);;) {
    const std::vector<Candidate> candidates = vote(reference, frame, count, options);
    const Hypothesis h = best_hypothesis(candidates, reference, frame, tree, options);
    if (h.score > hypothesis.score) hypothesis = h;
    const bool enough = hypothesis.score >= needed &&
                        double(hypothesis.score) >= options.min_fraction * double(shorter);
    // 50 stars make 19600 triangles: more would cost far more than they help.
    const std::size_t next = std::min({2 * count, shorter, std::size_t(50)});
    if (enough || next <= count) break;
    count = next;
  }
  if (hypothesis.score < 2) {
    result.reason = "no star pattern in common with the reference frame was found; is it "
                    "another target or a very different field?";
    return result;
  }

  // Pair, refit (affine or homography once there are enough pairs), pair again until stable.
  Transform t = hypothesis.transform;
  Pairs pairs = pair_stars(t, reference, frame, tree, radius);
  for (int iteration = 0; iteration < 10 && pairs.size() >= 3; ++iteration) {
    const PairPoints points = split(pairs, reference, frame, reference_sigma, frame_sigma);
    // Affine pairing copes with every model but a strong homography.
    TransformModel model = TransformModel::Similarity;
    if (pairs.size() >= 6) model = TransformModel::Affine;
    if (pairs.size() >= 8 && options.model == TransformModel::Homography)
      model = TransformModel::Homography;
    const auto refined = fit_transform(points.reference, points.frame, model, points.weight);
    if (!refined) break;
    t = *refined;
    Pairs again = pair_stars(t, reference, frame, tree, radius);
    if (again == pairs) break;
    pairs = std::move(again);
  }

  const PairPoints points = split(pairs, reference, frame, reference_sigma, frame_sigma);
  const auto fit = fit_transform_clipped(points.reference, points.frame, options.model,
                                         options.clip, points.weight);
  const std::size_t kept = fit ? fit->pairs : 0;
  const auto required =
      std::max(needed, std::size_t(std::ceil(options.min_fraction * double(shorter))));
  if (kept < required) {
    result.reason = "no star pattern in common with the reference frame was found (";
    result.reason.append(std::to_string(kept)).append(" of ").append(std::to_string(shorter));
    result.reason.append(" stars matched, ").append(std::to_string(required));
    result.reason.append(" needed); is it another target, or a frame too poor to register?");
    return result;
  }
  result.matched = true;
  result.reference_to_frame = fit->transform;
  result.rms_px = fit->rms_px;
  for (std::size_t k = 0; k < pairs.size(); ++k)
    if (fit->inlier[k]) result.pairs.push_back(pairs[k]);
  const auto& h = fit->transform.matrix();
  result.mirrored = h[0] * h[4] - h[1] * h[3] < 0;
  return result;
}

}  // namespace astropack
