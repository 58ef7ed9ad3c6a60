#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/load/load_driver.h"

namespace moderation::loadgen {

// SubmitComment calls answered as expected per second, divided by health
// checks answered SERVING per second: the share of the empty-handler ceiling
// a real submission reaches. Empty unless both phases ran, the submit phase
// in closed loop (an open-loop rate is the one asked for), and the health
// phase had answers.
[[nodiscard]] std::optional<double> SubmitToHealthRatio(const std::vector<PhaseResult>& results);

// The server's CPU time per health check divided by its CPU time per
// submission (from --server-pid): the share of the ceiling submissions would
// reach if the server were bound by its own CPU alone. Empty without it.
[[nodiscard]] std::optional<double> SubmitToHealthCpuRatio(const std::vector<PhaseResult>& results);

// The human-readable table, then the open-loop figures, the ratio, the
// answers seen per kind and one example of each unexpected answer.
[[nodiscard]] std::string FormatTable(const DriverOptions& options,
                                      const std::optional<Preparation>& preparation,
                                      const std::vector<PhaseResult>& results);

// The same figures as a JSON document.
[[nodiscard]] std::string FormatJson(const DriverOptions& options,
                                     const std::optional<Preparation>& preparation,
                                     const std::vector<PhaseResult>& results);

}  // namespace moderation::loadgen
