#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/spam_eval/delimited.h"

namespace moderation::spam_eval {

struct LabelledText {
  std::string text;
  bool is_spam = false;
};

// Where a data file keeps its text and its label.
struct ColumnOptions {
  TableFormat format = TableFormat::kCsv;
  // When false the first row is data, and columns can only be given by number.
  bool has_header = true;
  // A column name from the header or a 1-based column number.
  std::string text_column;
  std::string label_column;
  // Rows whose label equals this are spam; every other label is ham.
  std::string spam_label = "1";
};

// Reads the labelled texts of one file. INVALID_ARGUMENT naming the file for an unreadable
// file, a malformed table, an unknown column or a row without the column; NOT_FOUND for a
// missing file.
[[nodiscard]] absl::StatusOr<std::vector<LabelledText>> LoadLabelledTexts(
    const std::string& path, const ColumnOptions& options);

// The texts of all `paths`, in order.
[[nodiscard]] absl::StatusOr<std::vector<LabelledText>> LoadAll(
    const std::vector<std::string>& paths, const ColumnOptions& options);

// The whole file. NOT_FOUND or INVALID_ARGUMENT naming it.
[[nodiscard]] absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace moderation::spam_eval
