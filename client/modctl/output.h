#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/modctl/errors.h"
#include "client/modctl/terminal.h"
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

// The pending queue for a terminal `width` columns wide: ID, AGE (from
// `now`), SCORE ("!" when flagged), ARTICLE, NAME, RULES (those that counted),
// who reviews it (only when anyone does), then title and body on one line
// filling the rest, cut with "…". Widths are display widths, so Vietnamese
// text lines up; colours from `style` go on after layout. Ends with the
// counts and the next page token, if any.
[[nodiscard]] std::string RenderQueue(const v1::ListPendingResponse& page, std::size_t width,
                                      absl::Time now, const Style& style);

// How long ago, shortly: "45s", "12m", "3h", "5d".
[[nodiscard]] std::string ShortAge(absl::Duration age);

// Every field of `comment`, one "Label: value" line each ("-" when empty;
// decision fields once decided), then a blank line and the full body.
[[nodiscard]] std::string RenderComment(const v1::ModeratedComment& comment,
                                        absl::TimeZone time_zone);

// RenderComment, then the author's history (count and outcomes by phone and
// by address, with the author keys that --from-phone and --from-ip take) and
// the comment's audit entries.
[[nodiscard]] std::string RenderCommentView(const v1::GetCommentResponse& view,
                                            absl::TimeZone time_zone);

// One line per author history: "Same phone (+84 9•• ••• •45, ph-…): 3 other
// comments: 1 pending, 0 approved, 2 rejected".
[[nodiscard]] std::string RenderAuthorHistory(
    const google::protobuf::RepeatedPtrField<v1::AuthorHistory>& histories);

// Audit entries: TIME, SEQ, MODERATOR, ACTION, SUBJECT (comment or ban),
// DETAIL (reason, undone decision, note), one per line, in the given order.
[[nodiscard]] std::string RenderAuditTable(const std::vector<v1::AuditEntry>& entries,
                                           absl::TimeZone time_zone);

// "OK: ..." or "BROKEN: ..." naming the entry where the chain breaks.
[[nodiscard]] std::string RenderVerification(const v1::VerifyAuditLogResponse& verification,
                                             const Style& style);

// Queue depth and age, then decisions per moderator and reason, then how
// the spam flags compared with the decisions.
[[nodiscard]] std::string RenderStats(const v1::GetStatsResponse& stats, absl::TimeZone time_zone);

// The review screen for one claimed comment, `width` columns wide.
[[nodiscard]] std::string RenderReviewScreen(const v1::ClaimNextResponse& claimed,
                                             absl::string_view moderator, std::size_t width,
                                             absl::Time now, absl::TimeZone time_zone,
                                             const Style& style);

// `text` wrapped at spaces into lines of at most `width` columns (longer
// words are cut), keeping its own line breaks.
[[nodiscard]] std::string WrapText(absl::string_view text, std::size_t width);

// The name of an audit action: "approve", "reject", "undo", "ban", "unban".
[[nodiscard]] std::string AuditActionName(v1::AuditAction action);

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
