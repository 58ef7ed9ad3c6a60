#include "tools/spam_eval/dataset.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace moderation::spam_eval {
namespace {

// The 0-based index of the column `spec` names: a header name first, else a 1-based number.
absl::StatusOr<std::size_t> ResolveColumn(const std::string& spec, const Row* header,
                                          const std::string& path, absl::string_view role) {
  if (spec.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no ", role, " column given"));
  }
  if (header != nullptr) {
    for (std::size_t i = 0; i < header->size(); ++i) {
      if (absl::StripAsciiWhitespace((*header)[i]) == spec) {
        return i;
      }
    }
  }
  std::size_t number = 0;
  if (absl::SimpleAtoi(spec, &number) && number >= 1) {
    return number - 1;
  }
  std::string known;
  if (header != nullptr) {
    for (const std::string& name : *header) {
      absl::StrAppend(&known, known.empty() ? "" : ", ", name);
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": no ", role, " column \"", spec, "\"",
                   header != nullptr ? absl::StrCat(" (columns: ", known, ")")
                                     : " (the file has no header: give a column number)"));
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code error_code;
  if (std::filesystem::is_directory(path, error_code)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    if (error == ENOENT) {
      return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    }
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", std::strerror(error)));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": read error"));
  }
  return contents.str();
}

absl::StatusOr<std::vector<LabelledText>> LoadLabelledTexts(const std::string& path,
                                                            const ColumnOptions& options) {
  absl::StatusOr<std::string> data = ReadFile(path);
  if (!data.ok()) {
    return data.status();
  }
  absl::StatusOr<std::vector<Row>> rows = ParseTable(*data, options.format);
  if (!rows.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", rows.status().message()));
  }
  if (rows->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no rows"));
  }
  const Row* header = options.has_header ? &rows->front() : nullptr;
  absl::StatusOr<std::size_t> text = ResolveColumn(options.text_column, header, path, "text");
  if (!text.ok()) {
    return text.status();
  }
  absl::StatusOr<std::size_t> label = ResolveColumn(options.label_column, header, path, "label");
  if (!label.ok()) {
    return label.status();
  }
  std::vector<LabelledText> out;
  out.reserve(rows->size());
  for (std::size_t r = options.has_header ? 1 : 0; r < rows->size(); ++r) {
    Row& row = (*rows)[r];
    if (row.size() <= *text || row.size() <= *label) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": row ", r + 1, " has ", row.size(),
                                                     " fields, fewer than the columns asked"));
    }
    const bool is_spam = absl::StripAsciiWhitespace(row[*label]) == options.spam_label;
    out.push_back({std::move(row[*text]), is_spam});
  }
  if (out.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no data rows"));
  }
  return out;
}

absl::StatusOr<std::vector<LabelledText>> LoadAll(const std::vector<std::string>& paths,
                                                  const ColumnOptions& options) {
  std::vector<LabelledText> all;
  for (const std::string& path : paths) {
    absl::StatusOr<std::vector<LabelledText>> texts = LoadLabelledTexts(path, options);
    if (!texts.ok()) {
      return texts.status();
    }
    all.insert(all.end(), std::make_move_iterator(texts->begin()),
               std::make_move_iterator(texts->end()));
  }
  return all;
}

}  // namespace moderation::spam_eval
