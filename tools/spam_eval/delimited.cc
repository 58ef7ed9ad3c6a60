#include "tools/spam_eval/delimited.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace moderation::spam_eval {
namespace {

bool RowIsBlank(const Row& row) { return row.size() == 1 && row.front().empty(); }

// Consumes a record terminator at data[i] (LF or CRLF); returns false if there is none.
bool AtLineEnd(std::string_view data, std::size_t& i) {
  if (data[i] == '\n') {
    ++i;
    return true;
  }
  if (data[i] == '\r' && i + 1 < data.size() && data[i + 1] == '\n') {
    i += 2;
    return true;
  }
  return false;
}

absl::StatusOr<std::vector<Row>> ParseCsv(std::string_view data) {
  std::vector<Row> rows;
  Row row;
  std::string field;
  std::size_t line = 1;
  std::size_t i = 0;
  bool field_started = false;  // something (maybe an empty quoted field) was read
  const auto end_field = [&] {
    row.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  const auto end_row = [&] {
    end_field();
    if (!RowIsBlank(row)) {
      rows.push_back(std::move(row));
    }
    row.clear();
  };
  while (i < data.size()) {
    const char c = data[i];
    if (c == '"' && field.empty() && !field_started) {
      const std::size_t opened_at = line;
      ++i;
      for (;;) {
        if (i >= data.size()) {
          return absl::InvalidArgumentError(
              absl::StrCat("line ", opened_at, ": quoted field never closed"));
        }
        if (data[i] == '"') {
          if (i + 1 < data.size() && data[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (data[i] == '\n') {
          ++line;
        }
        field.push_back(data[i]);
        ++i;
      }
      field_started = true;
      if (i < data.size() && data[i] != ',' && data[i] != '\n' &&
          !(data[i] == '\r' && i + 1 < data.size() && data[i + 1] == '\n')) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", line, ": text after the closing quote of a field"));
      }
      continue;
    }
    if (c == ',') {
      end_field();
      ++i;
      continue;
    }
    if (AtLineEnd(data, i)) {
      end_row();
      ++line;
      continue;
    }
    field.push_back(c);
    ++i;
  }
  if (!field.empty() || field_started || !row.empty()) {
    end_row();
  }
  return rows;
}

std::vector<Row> ParseTsv(std::string_view data) {
  std::vector<Row> rows;
  Row row;
  std::string field;
  std::size_t i = 0;
  while (i < data.size()) {
    if (data[i] == '\t') {
      row.push_back(std::move(field));
      field.clear();
      ++i;
    } else if (AtLineEnd(data, i)) {
      row.push_back(std::move(field));
      field.clear();
      if (!RowIsBlank(row)) {
        rows.push_back(std::move(row));
      }
      row.clear();
    } else {
      field.push_back(data[i]);
      ++i;
    }
  }
  if (!field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

absl::StatusOr<std::vector<Row>> ParseTable(std::string_view data, TableFormat format) {
  switch (format) {
    case TableFormat::kCsv:
      return ParseCsv(data);
    case TableFormat::kTsv:
      return ParseTsv(data);
  }
  return absl::InvalidArgumentError("unknown table format");
}

std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(field);
  }
  std::string quoted = "\"";
  for (const char c : field) {
    if (c == '"') {
      quoted.push_back('"');
    }
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

}  // namespace moderation::spam_eval
