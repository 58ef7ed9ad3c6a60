#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace moderation::spam_eval {

enum class TableFormat {
  // RFC 4180: comma-separated, fields in double quotes may hold commas, quotes (doubled) and
  // line breaks; records end in LF or CRLF.
  kCsv,
  // Tab-separated, no quoting at all (IANA text/tab-separated-values): a quote is a character
  // like any other. Records end in LF or CRLF.
  kTsv,
};

using Row = std::vector<std::string>;

// Splits `data` into rows of fields. A final line break is optional; blank lines are skipped.
// INVALID_ARGUMENT, naming the line, for an unterminated quoted field or text after a closing
// quote.
[[nodiscard]] absl::StatusOr<std::vector<Row>> ParseTable(std::string_view data,
                                                          TableFormat format);

// `field` quoted for a CSV file when it needs to be.
[[nodiscard]] std::string CsvField(std::string_view field);

}  // namespace moderation::spam_eval
