#include "client/modctl/output.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstddef>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/modctl/display_text.h"
#include "client/modctl/enum_names.h"

namespace moderation::modctl {
namespace {

// Wide enough to tell items apart; the title keeps the rest of an 80-column
// line once the id and time are in.
constexpr std::size_t kArticleMaxWidth = 24;
constexpr std::size_t kNameMaxWidth = 20;
constexpr std::size_t kTitleMaxWidth = 50;
constexpr absl::string_view kColumnGap = "  ";
constexpr absl::string_view kTableTimeFormat = "%Y-%m-%d %H:%M";
constexpr absl::string_view kFullTimeFormat = "%Y-%m-%d %H:%M:%S %Ez";
constexpr char kMissing[] = "-";

std::string OneLine(absl::string_view text) {
  return SanitizeForTerminal(text, LineBreaks::kReplace);
}

std::string Cell(absl::string_view text, std::size_t max_width) {
  return TruncateToWidth(OneLine(text), max_width);
}

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp, absl::string_view format,
                            absl::TimeZone time_zone) {
  const absl::Time time =
      absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
  return absl::FormatTime(format, time, time_zone);
}

std::string OrMissing(const std::string& value) {
  if (value.empty()) {
    return kMissing;
  }
  return value;
}

bool IsDecided(const v1::ModeratedComment& comment) {
  return comment.has_decide_time() || comment.status() == v1::COMMENT_STATUS_APPROVED ||
         comment.status() == v1::COMMENT_STATUS_REJECTED;
}

std::string ErrorToJson(const CallError& error) {
  v1::ErrorDetail detail;
  if (error.detail.has_value()) {
    detail = *error.detail;
  }
  std::vector<std::string> violations;
  for (const v1::FieldViolation& violation : detail.field_violations()) {
    violations.push_back(absl::StrCat("{\"field\":", JsonQuote(violation.field()),
                                      ",\"reason\":", JsonQuote(violation.reason()),
                                      ",\"message\":", JsonQuote(violation.message()), "}"));
  }
  return absl::StrCat("{\"code\":", JsonQuote(StatusCodeName(error.code)),
                      ",\"reason\":", JsonQuote(detail.reason()),
                      ",\"message\":", JsonQuote(error.message),
                      ",\"localized_message\":", JsonQuote(detail.message()),
                      ",\"field_violations\":[", absl::StrJoin(violations, ","), "]}");
}

}  // namespace

std::string RenderTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  widths.reserve(headers.size());
  for (const std::string& header : headers) {
    widths.push_back(DisplayWidth(header));
  }
  for (const std::vector<std::string>& row : rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }

  std::string out;
  const auto append_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const absl::string_view cell = i < cells.size() ? absl::string_view(cells[i]) : "";
      absl::StrAppend(&line, PadToWidth(cell, widths[i]), kColumnGap);
    }
    // Padding after the last visible character only gets in the way of diffs and copies.
    line.erase(line.find_last_not_of(' ') + 1);
    absl::StrAppend(&out, line, "\n");
  };
  append_line(headers);
  for (const std::vector<std::string>& row : rows) {
    append_line(row);
  }
  return out;
}

std::string RenderPendingTable(const v1::ListPendingResponse& page, absl::TimeZone time_zone) {
  std::string out;
  if (page.comments_size() > 0) {
    std::vector<std::vector<std::string>> rows;
    rows.reserve(static_cast<std::size_t>(page.comments_size()));
    for (const v1::ModeratedComment& comment : page.comments()) {
      rows.push_back({
          OneLine(comment.comment_id()),
          comment.has_create_time()
              ? FormatTimestamp(comment.create_time(), kTableTimeFormat, time_zone)
              : kMissing,
          Cell(comment.article_id(), kArticleMaxWidth),
          Cell(comment.name(), kNameMaxWidth),
          Cell(comment.title(), kTitleMaxWidth),
          comment.flagged() ? absl::StrFormat("! %.1f", comment.spam_score())
                            : absl::StrFormat("%.1f", comment.spam_score()),
      });
    }
    out = RenderTable({"ID", "CREATED", "ARTICLE", "NAME", "TITLE", "SPAM"}, rows);
  }
  absl::StrAppend(&out, page.total_pending(), " pending in all\n");
  if (!page.next_page_token().empty()) {
    absl::StrAppend(&out, "next page token: ", OneLine(page.next_page_token()), "\n");
  }
  return out;
}

std::string RenderComment(const v1::ModeratedComment& comment, absl::TimeZone time_zone) {
  const auto time_of = [time_zone](bool present, const google::protobuf::Timestamp& timestamp) {
    return present ? FormatTimestamp(timestamp, kFullTimeFormat, time_zone) : kMissing;
  };
  std::vector<std::pair<std::string, std::string>> fields = {
      {"ID", comment.comment_id()},
      {"Article", comment.article_id()},
      {"Status", CommentStatusName(comment.status())},
      {"Created", time_of(comment.has_create_time(), comment.create_time())},
      {"Name", comment.name()},
      {"Phone", comment.phone_masked()},
      {"Network", comment.client_network()},
      {"User agent", comment.user_agent()},
      {"Title", comment.title()},
  };
  if (IsDecided(comment)) {
    fields.emplace_back("Decided", time_of(comment.has_decide_time(), comment.decide_time()));
    fields.emplace_back("Decided by", comment.decided_by());
    if (comment.status() == v1::COMMENT_STATUS_REJECTED ||
        comment.rejection_reason() != v1::REJECTION_REASON_UNSPECIFIED) {
      fields.emplace_back("Reason", RejectionReasonName(comment.rejection_reason()));
    }
    fields.emplace_back("Note", comment.decision_note());
  }
  fields.emplace_back("Spam score", absl::StrFormat("%.2f%s", comment.spam_score(),
                                                    comment.flagged() ? " (flagged)" : ""));
  // Every rule that fired, with what it added and what matched.
  for (const v1::SpamSignal& signal : comment.spam_signals()) {
    fields.emplace_back(absl::StrCat("  ", signal.rule()),
                        absl::StrFormat("%+.2f  %s%s", signal.score(), signal.detail(),
                                        signal.shadow() ? "  (shadow: not counted)" : ""));
  }

  std::size_t label_width = 0;
  for (const auto& [label, value] : fields) {
    label_width = std::max(label_width, DisplayWidth(label) + 1);
  }
  std::string out;
  for (const auto& [label, value] : fields) {
    absl::StrAppend(&out, PadToWidth(absl::StrCat(label, ":"), label_width), " ",
                    OneLine(OrMissing(value)), "\n");
  }
  absl::StrAppend(&out, "\n", SanitizeForTerminal(comment.body(), LineBreaks::kKeep), "\n");
  return out;
}

std::string RenderBansTable(const std::vector<v1::Ban>& bans, absl::TimeZone time_zone) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::Ban& ban : bans) {
    std::string kind = "ip";
    if (ban.kind() == v1::BAN_KIND_IP_PREFIX) {
      kind = "prefix";
    } else if (ban.kind() == v1::BAN_KIND_PHONE) {
      kind = "phone";
    }
    rows.push_back({ban.ban_id(), kind, Cell(ban.target_display(), 40), Cell(ban.reason(), 40),
                    ban.has_expire_time()
                        ? FormatTimestamp(ban.expire_time(), "%Y-%m-%d %H:%M", time_zone)
                        : "never"});
  }
  return absl::StrCat(RenderTable({"ID", "KIND", "TARGET", "REASON", "EXPIRES"}, rows), bans.size(),
                      bans.size() == 1 ? " ban\n" : " bans\n");
}

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot render ", message.GetTypeName(), " as JSON: ", status.ToString()));
  }
  return json;
}

absl::StatusOr<std::string> RenderDecisionsJson(const std::vector<DecisionResult>& results) {
  std::vector<std::string> items;
  items.reserve(results.size());
  for (const DecisionResult& result : results) {
    const std::string id = JsonQuote(result.comment_id);
    if (const auto* comment = std::get_if<v1::ModeratedComment>(&result.outcome)) {
      absl::StatusOr<std::string> comment_json = ToJson(*comment);
      if (!comment_json.ok()) {
        return comment_json.status();
      }
      items.push_back(
          absl::StrCat("{\"comment_id\":", id, ",\"ok\":true,\"comment\":", *comment_json, "}"));
    } else {
      items.push_back(absl::StrCat("{\"comment_id\":", id, ",\"ok\":false,\"error\":",
                                   ErrorToJson(std::get<CallError>(result.outcome)), "}"));
    }
  }
  return absl::StrCat("[", absl::StrJoin(items, ","), "]");
}

std::string JsonQuote(absl::string_view text) {
  const std::string valid = ToValidUtf8(text);
  std::string out = "\"";
  out.reserve(valid.size() + 2);
  for (const char c : valid) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace moderation::modctl
