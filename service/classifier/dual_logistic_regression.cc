#include "service/classifier/dual_logistic_regression.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace moderation::classifier::internal {
namespace {

// SplitMix64: a small generator whose output is fixed by its definition, unlike the
// distributions and std::shuffle of the standard library, which vary between implementations.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound) up to a bias of bound / 2^64, irrelevant here.
  std::size_t Below(std::size_t bound) { return static_cast<std::size_t>(Next() % bound); }

 private:
  uint64_t state_;
};

constexpr int kMaxInnerIterations = 100;
// The Newton step on a sub-problem is cut back by this factor when it leaves the domain.
constexpr double kShrink = 0.1;

}  // namespace

LogisticSolution SolveLogisticDual(const LogisticProblem& problem, int max_passes, double tolerance,
                                   uint64_t seed) {
  const std::size_t n = problem.labels.size();
  LogisticSolution solution;
  solution.weights.assign(problem.dimensions, 0.0);
  std::vector<double>& w = solution.weights;
  double& bias = solution.bias;

  const auto dot = [&](std::size_t i) {
    double sum = bias;
    for (std::size_t k = problem.row_start[i]; k < problem.row_start[i + 1]; ++k) {
      sum += w[problem.columns[k]] * problem.values[k];
    }
    return sum;
  };
  const auto axpy = [&](std::size_t i, double scale) {
    for (std::size_t k = problem.row_start[i]; k < problem.row_start[i + 1]; ++k) {
      w[problem.columns[k]] += scale * problem.values[k];
    }
    bias += scale;
  };

  // alpha[2i] is the dual variable of example i, alpha[2i + 1] = C_i - alpha[2i].
  std::vector<double> alpha(2 * n);
  std::vector<double> squared_norm(n);
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double c = problem.upper_bound[i];
    alpha[2 * i] = std::min(0.001 * c, 1e-8);
    alpha[2 * i + 1] = c - alpha[2 * i];
    double norm = 1.0;  // the bias feature
    for (std::size_t k = problem.row_start[i]; k < problem.row_start[i + 1]; ++k) {
      norm += problem.values[k] * problem.values[k];
    }
    squared_norm[i] = norm;
    axpy(i, problem.labels[i] * alpha[2 * i]);
    order[i] = i;
  }

  SplitMix64 random(seed);
  double inner_tolerance = 1e-2;
  const double inner_tolerance_floor = std::min(1e-8, tolerance);
  int pass = 0;
  for (; pass < max_passes; ++pass) {
    for (std::size_t i = n; i > 1; --i) {
      std::swap(order[i - 1], order[random.Below(i)]);
    }
    double largest_gradient = 0;
    std::size_t newton_steps = 0;
    for (const std::size_t i : order) {
      const int y = problem.labels[i];
      const double c = problem.upper_bound[i];
      const double a = squared_norm[i];
      const double b = y * dot(i);

      // Minimise g(z) = z log z + (C - z) log(C - z) + a/2 (z - z_old)² + sign · b (z - z_old)
      // over whichever of the pair keeps the Newton iteration away from the boundary.
      std::size_t first = 2 * i;
      std::size_t second = 2 * i + 1;
      double sign = 1;
      if (0.5 * a * (alpha[second] - alpha[first]) + b < 0) {
        std::swap(first, second);
        sign = -1;
      }
      const double z_old = alpha[first];
      double z = z_old;
      if (c - z < 0.5 * c) {
        z *= 0.1;
      }
      double gradient = a * (z - z_old) + sign * b + std::log(z / (c - z));
      largest_gradient = std::max(largest_gradient, std::fabs(gradient));

      int inner = 0;
      while (inner <= kMaxInnerIterations && std::fabs(gradient) >= inner_tolerance) {
        const double curvature = a + c / (c - z) / z;
        const double next = z - gradient / curvature;
        z = next <= 0 ? z * kShrink : next;
        gradient = a * (z - z_old) + sign * b + std::log(z / (c - z));
        ++newton_steps;
        ++inner;
      }
      if (inner > 0) {
        alpha[first] = z;
        alpha[second] = c - z;
        axpy(i, sign * (z - z_old) * y);
      }
    }
    if (largest_gradient < tolerance) {
      break;
    }
    if (newton_steps <= n / 10) {
      inner_tolerance = std::max(inner_tolerance_floor, 0.1 * inner_tolerance);
    }
  }
  solution.passes = pass;
  return solution;
}

}  // namespace moderation::classifier::internal
