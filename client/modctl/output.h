#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/modctl/errors.h"
#include "moderation/v1/moderation_service.pb.h"

// What modctl prints: tables and text for people, JSON for scripts. Pure
// functions of their arguments, so the time zone is one of them.
namespace moderation::modctl {

enum class OutputFormat { kTable, kJson };

// `rows` under `headers`, one line each, columns aligned by display width and
// two spaces apart, without trailing spaces. Cells must be single-line.
[[nodiscard]] std::string RenderTable(const std::vector<std::string>& headers,
                                      const std::vector<std::vector<std::string>>& rows);

// The pending queue: ID, CREATED (in `time_zone`), ARTICLE, NAME and TITLE,
// long fields truncated with "…", then "N pending in all" and the next page
// token when there is one.
[[nodiscard]] std::string RenderPendingTable(const v1::ListPendingResponse& page,
                                             absl::TimeZone time_zone);

// Every field of `comment`, one "Label: value" line each ("-" when empty;
// decision fields once decided), then a blank line and the full body.
[[nodiscard]] std::string RenderComment(const v1::ModeratedComment& comment,
                                        absl::TimeZone time_zone);

// Bans: ID, KIND, TARGET, REASON, EXPIRES ("never" for a ban without end).
[[nodiscard]] std::string RenderBansTable(const std::vector<v1::Ban>& bans,
                                          absl::TimeZone time_zone);

// `message` as one line of protobuf JSON, with proto field names and default
// values included so that scripts always find every key. Fails (INTERNAL) only
// for a message protobuf cannot express in JSON, e.g. a timestamp out of range.
[[nodiscard]] absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

// The outcome of approving or rejecting one comment.
struct DecisionResult {
  std::string comment_id;
  std::variant<v1::ModeratedComment, CallError> outcome;
};

// A JSON array with one object per result, in order: `comment_id`, `ok`, and
// either `comment` or `error` ({code, reason, message, localized_message,
// field_violations}; `message` is the status message, `localized_message` the
// Vietnamese one).
[[nodiscard]] absl::StatusOr<std::string> RenderDecisionsJson(
    const std::vector<DecisionResult>& results);

// `text` as a JSON string literal, quotes included; ill-formed UTF-8 becomes U+FFFD.
[[nodiscard]] std::string JsonQuote(absl::string_view text);

}  // namespace moderation::modctl
