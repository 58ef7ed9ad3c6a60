#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/load/load_driver.h"

namespace moderation::loadgen {

// Successful SubmitComment calls per second divided by successful health
// checks per second: the share of the empty-handler ceiling a real submission
// reaches. Empty unless both phases ran and the health phase had successes.
[[nodiscard]] std::optional<double> SubmitToHealthRatio(const std::vector<PhaseResult>& results);

// The human-readable table, then the ratio and one example per failure reason.
[[nodiscard]] std::string FormatTable(const DriverOptions& options,
                                      const std::vector<PhaseResult>& results);

// The same figures as a JSON document.
[[nodiscard]] std::string FormatJson(const DriverOptions& options,
                                     const std::vector<PhaseResult>& results);

}  // namespace moderation::loadgen
