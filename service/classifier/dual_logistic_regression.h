#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

// L2-regularised logistic regression solved in the dual by coordinate descent (Yu, Huang and
// Lin, "Dual coordinate descent methods for logistic regression and maximum entropy models",
// Machine Learning 85, 2011; LIBLINEAR's -s 7). Internal to the classifier library.
namespace moderation::classifier::internal {

// Examples as compressed sparse rows; the bias is an extra feature of value 1, regularised
// like the others (as LIBLINEAR does with -B 1).
struct LogisticProblem {
  std::size_t dimensions = 0;
  std::vector<std::size_t> row_start{0};  // row i is [row_start[i], row_start[i + 1])
  std::vector<uint32_t> columns;
  std::vector<double> values;
  std::vector<int> labels;          // +1 spam, -1 ham
  std::vector<double> upper_bound;  // C for each example (class weight × C)
};

struct LogisticSolution {
  std::vector<double> weights;  // `dimensions` of them
  double bias = 0;
  int passes = 0;
};

// Minimises 1/2 |w|² + Σ C_i log(1 + exp(-y_i (w·x_i + b))). Coordinates are visited in an
// order drawn from `seed`, so the result is a pure function of the inputs.
[[nodiscard]] LogisticSolution SolveLogisticDual(const LogisticProblem& problem, int max_passes,
                                                 double tolerance, uint64_t seed);

}  // namespace moderation::classifier::internal
