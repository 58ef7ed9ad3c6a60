#include "client/modctl/output.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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

namespace {

// Queue layout: columns that stay as wide as their content up to a cap, and
// the comment itself, which gets what is left of the line.
constexpr std::size_t kQueueArticleMax = 18;
constexpr std::size_t kQueueNameMax = 18;
constexpr std::size_t kQueueRulesMax = 22;
constexpr std::size_t kQueueClaimMax = 12;
constexpr std::size_t kQueueFlexMin = 6;
constexpr std::size_t kQueueFlexComfort = 14;
constexpr std::size_t kQueueCommentMin = 16;
// Beyond this much room for the comment, capped columns may widen.
constexpr std::size_t kQueueCommentRoomy = 60;

absl::Time TimeOf(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

// Title and body on one line: line breaks and runs of spaces become one space.
std::string Gist(const v1::ModeratedComment& comment) {
  std::string text = OneLine(absl::StrCat(comment.title(), " — ", comment.body()));
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == ' ' && !out.empty() && out.back() == ' ') {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// The rules that counted in the score, comma-separated.
std::string CountedRules(const v1::ModeratedComment& comment) {
  std::vector<std::string> rules;
  for (const v1::SpamSignal& signal : comment.spam_signals()) {
    if (!signal.shadow()) {
      rules.push_back(signal.rule());
    }
  }
  return absl::StrJoin(rules, ",");
}

std::string ScoreCell(const v1::ModeratedComment& comment) {
  return comment.flagged() ? absl::StrFormat("!%.1f", comment.spam_score())
                           : absl::StrFormat("%.1f", comment.spam_score());
}

std::string Plural(int64_t count, absl::string_view one, absl::string_view many) {
  return absl::StrCat(count, " ", count == 1 ? one : many);
}

std::string ReasonOrDash(v1::RejectionReason reason) { return RejectionReasonName(reason); }

std::string Percent(int64_t part, int64_t whole) {
  if (whole == 0) {
    return "-";
  }
  return absl::StrFormat("%.0f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

}  // namespace

std::string ShortAge(absl::Duration age) {
  if (age < absl::ZeroDuration()) {
    age = absl::ZeroDuration();
  }
  if (age < absl::Minutes(1)) {
    return absl::StrCat(absl::ToInt64Seconds(age), "s");
  }
  if (age < absl::Hours(1)) {
    return absl::StrCat(absl::ToInt64Minutes(age), "m");
  }
  if (age < absl::Hours(48)) {
    return absl::StrCat(absl::ToInt64Hours(age), "h");
  }
  return absl::StrCat(absl::ToInt64Hours(age) / 24, "d");
}

std::string RenderQueue(const v1::ListPendingResponse& page, std::size_t width, absl::Time now,
                        const Style& style) {
  std::string out;
  if (page.comments_size() > 0) {
    struct Row {
      std::string id, age, score, article, name, rules, claim, gist;
      bool flagged;
    };
    std::vector<Row> rows;
    bool any_claim = false;
    for (const v1::ModeratedComment& comment : page.comments()) {
      rows.push_back(
          {OneLine(comment.comment_id()),
           comment.has_create_time() ? ShortAge(now - TimeOf(comment.create_time())) : kMissing,
           ScoreCell(comment), OneLine(comment.article_id()), OneLine(comment.name()),
           OneLine(CountedRules(comment)), OneLine(comment.claimed_by()), Gist(comment),
           comment.flagged()});
      any_claim = any_claim || !comment.claimed_by().empty();
    }
    const auto natural = [&](absl::string_view header, auto field) {
      std::size_t widest = DisplayWidth(header);
      for (const Row& row : rows) {
        widest = std::max(widest, DisplayWidth(field(row)));
      }
      return widest;
    };
    const std::size_t id_width = natural("ID", [](const Row& r) { return r.id; });
    const std::size_t age_width = natural("AGE", [](const Row& r) { return r.age; });
    const std::size_t score_width = natural("SCORE", [](const Row& r) { return r.score; });
    // The flexible columns, in the order they give way on a narrow terminal.
    struct Flex {
      std::size_t natural;
      std::size_t cap;
      std::size_t width;
      bool shown;
    };
    const auto flex = [](std::size_t full, std::size_t cap, bool shown) {
      return Flex{full, cap, std::min(full, cap), shown};
    };
    Flex rules = flex(natural("RULES", [](const Row& r) { return r.rules; }), kQueueRulesMax, true);
    Flex claim =
        flex(natural("REVIEWER", [](const Row& r) { return r.claim; }), kQueueClaimMax, any_claim);
    Flex article =
        flex(natural("ARTICLE", [](const Row& r) { return r.article; }), kQueueArticleMax, true);
    Flex name = flex(natural("NAME", [](const Row& r) { return r.name; }), kQueueNameMax, true);
    const std::array<Flex*, 4> give_way = {&rules, &claim, &article, &name};
    const std::size_t gap = kColumnGap.size();
    const auto comment_width = [&]() -> std::size_t {
      std::size_t used = id_width + age_width + score_width + 3 * gap;
      for (const Flex* column : give_way) {
        if (column->shown) {
          used += column->width + gap;
        }
      }
      return used >= width ? 0 : width - used;
    };
    // Room to spare: columns cut at their cap get their full width back.
    for (Flex* column : give_way) {
      while (column->shown && column->width < column->natural &&
             comment_width() > kQueueCommentRoomy) {
        ++column->width;
      }
    }
    // Too narrow for the comment (3/10 of the line at least): the widest
    // column gives a little, down to a comfortable width; then columns go,
    // least needed first; then what is left gives way down to a minimum.
    const std::size_t comment_min = std::max(kQueueCommentMin, width * 3 / 10);
    const auto shrink_widest = [&](std::size_t floor) {
      Flex* widest = nullptr;
      for (Flex* column : give_way) {
        if (column->shown && column->width > floor &&
            (widest == nullptr || column->width > widest->width)) {
          widest = column;
        }
      }
      if (widest == nullptr) {
        return false;
      }
      --widest->width;
      return true;
    };
    while (comment_width() < comment_min && shrink_widest(kQueueFlexComfort)) {
    }
    for (Flex* column : give_way) {
      if (comment_width() >= comment_min) {
        break;
      }
      // The name stays as long as the comment gets something.
      if (column != &name) {
        column->shown = false;
      }
    }
    while (comment_width() < comment_min && shrink_widest(kQueueFlexMin)) {
    }
    const std::size_t gist_width = comment_width();

    const auto cell = [](absl::string_view text, std::size_t cell_width) {
      return PadToWidth(TruncateToWidth(text, cell_width), cell_width);
    };
    const auto line = [&](const Row& row, bool header) {
      std::string text = absl::StrCat(
          header ? style.Bold(cell(row.id, id_width)) : cell(row.id, id_width), kColumnGap,
          header ? style.Bold(cell(row.age, age_width)) : style.Dim(cell(row.age, age_width)),
          kColumnGap,
          header        ? style.Bold(cell(row.score, score_width))
          : row.flagged ? style.Red(cell(row.score, score_width))
                        : cell(row.score, score_width),
          kColumnGap);
      if (article.shown) {
        absl::StrAppend(&text, cell(row.article, article.width), kColumnGap);
      }
      if (name.shown) {
        absl::StrAppend(&text, cell(row.name, name.width), kColumnGap);
      }
      if (rules.shown) {
        absl::StrAppend(
            &text,
            header ? cell(row.rules, rules.width) : style.Yellow(cell(row.rules, rules.width)),
            kColumnGap);
      }
      if (claim.shown) {
        absl::StrAppend(&text, style.Cyan(cell(row.claim, claim.width)), kColumnGap);
      }
      absl::StrAppend(&text, TruncateToWidth(row.gist, gist_width));
      text.erase(text.find_last_not_of(' ') + 1);
      return absl::StrCat(text, "\n");
    };
    out = line(Row{"ID", "AGE", "SCORE", "ARTICLE", "NAME", "RULES", "REVIEWER", "COMMENT", false},
               true);
    for (const Row& row : rows) {
      absl::StrAppend(&out, line(row, false));
    }
  }
  absl::StrAppend(&out, page.comments_size(), " shown, ", page.total_pending(),
                  " pending in all\n");
  if (!page.next_page_token().empty()) {
    absl::StrAppend(&out, "next page token: ", OneLine(page.next_page_token()), "\n");
  }
  return out;
}

std::string RenderAuthorHistory(
    const google::protobuf::RepeatedPtrField<v1::AuthorHistory>& histories) {
  std::string out;
  for (const v1::AuthorHistory& history : histories) {
    const bool by_phone = absl::StartsWith(history.author_key(), "ph-");
    absl::StrAppend(&out, by_phone ? "Same phone" : "Same address", " (",
                    OneLine(history.shown_as().empty() ? kMissing : history.shown_as()), ", ",
                    OneLine(history.author_key()), "): ");
    if (history.other_comments() == 0) {
      absl::StrAppend(&out, "no other comments\n");
      continue;
    }
    absl::StrAppend(&out, Plural(history.other_comments(), "other comment", "other comments"),
                    history.counts_partial() ? " (outcomes of the latest)" : "", ": ",
                    history.pending(), " pending, ", history.approved(), " approved, ",
                    history.rejected(), " rejected\n");
  }
  return out;
}

std::string RenderCommentView(const v1::GetCommentResponse& view, absl::TimeZone time_zone) {
  std::string out = RenderComment(view.comment(), time_zone);
  if (view.author_history_size() > 0) {
    absl::StrAppend(&out, "\n", RenderAuthorHistory(view.author_history()));
  }
  if (view.audit_entries_size() > 0) {
    absl::StrAppend(
        &out, "\nHistory:\n",
        RenderAuditTable({view.audit_entries().begin(), view.audit_entries().end()}, time_zone));
  }
  return out;
}

std::string AuditActionName(v1::AuditAction action) {
  switch (action) {
    case v1::AUDIT_ACTION_APPROVE:
      return "approve";
    case v1::AUDIT_ACTION_REJECT:
      return "reject";
    case v1::AUDIT_ACTION_UNDO:
      return "undo";
    case v1::AUDIT_ACTION_BAN:
      return "ban";
    case v1::AUDIT_ACTION_UNBAN:
      return "unban";
    case v1::AUDIT_ACTION_ERASE:
      return "erase";
    case v1::AUDIT_ACTION_EXPIRE:
      return "expire";
    default:
      return absl::StrCat(static_cast<int>(action));
  }
}

std::string RenderAuditTable(const std::vector<v1::AuditEntry>& entries, absl::TimeZone time_zone) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::AuditEntry& entry : entries) {
    std::vector<std::string> detail;
    std::string subject = entry.comment_id();
    switch (entry.action()) {
      case v1::AUDIT_ACTION_REJECT:
        detail.push_back(ReasonOrDash(entry.rejection_reason()));
        break;
      case v1::AUDIT_ACTION_UNDO:
        detail.push_back(absl::StrCat(
            "took back ", AuditActionName(entry.undone_action()),
            entry.rejection_reason() != v1::REJECTION_REASON_UNSPECIFIED
                ? absl::StrCat(" (", RejectionReasonName(entry.rejection_reason()), ")")
                : ""));
        break;
      case v1::AUDIT_ACTION_BAN:
      case v1::AUDIT_ACTION_UNBAN:
        subject = entry.ban_id();
        if (!entry.ban_target().empty()) {
          detail.push_back(entry.ban_target());
        }
        if (!entry.ban_reason().empty()) {
          detail.push_back(absl::StrCat("\"", entry.ban_reason(), "\""));
        }
        if (!entry.comment_id().empty()) {
          detail.push_back(absl::StrCat("from ", entry.comment_id()));
        }
        break;
      case v1::AUDIT_ACTION_ERASE:
        detail.push_back("personal data erased by retention");
        break;
      case v1::AUDIT_ACTION_EXPIRE:
        detail.push_back("removed by retention, never decided");
        break;
      default:
        break;
    }
    if (entry.flagged()) {
      detail.push_back("flagged");
    }
    if (!entry.note().empty()) {
      detail.push_back(absl::StrCat("note: ", entry.note()));
    }
    rows.push_back(
        {entry.has_time() ? FormatTimestamp(entry.time(), kFullTimeFormat, time_zone) : kMissing,
         absl::StrCat(entry.sequence()), Cell(entry.moderator(), 24),
         AuditActionName(entry.action()), OneLine(OrMissing(subject)),
         Cell(absl::StrJoin(detail, "; "), 60)});
  }
  return absl::StrCat(
      RenderTable({"TIME", "SEQ", "MODERATOR", "ACTION", "SUBJECT", "DETAIL"}, rows),
      Plural(static_cast<int64_t>(entries.size()), "entry", "entries"), "\n");
}

std::string RenderVerification(const v1::VerifyAuditLogResponse& verification, const Style& style) {
  if (verification.intact()) {
    return absl::StrCat(style.Green("OK"), ": the audit chain is intact (",
                        Plural(verification.entries_checked(), "entry", "entries"),
                        " checked, head at sequence ", verification.head_sequence(), ")\n");
  }
  std::string why;
  switch (verification.problem()) {
    case v1::AUDIT_PROBLEM_ALTERED:
      why = "its HMAC does not match its fields: the entry was altered";
      break;
    case v1::AUDIT_PROBLEM_SEQUENCE_GAP:
      why =
          "its sequence does not follow the entry before it: entries were removed or "
          "reordered before it";
      break;
    case v1::AUDIT_PROBLEM_BROKEN_LINK:
      why = "it chains to another entry than the one before it: that entry was replaced";
      break;
    case v1::AUDIT_PROBLEM_MALFORMED:
      why = "its fields are missing or unreadable";
      break;
    case v1::AUDIT_PROBLEM_HEAD_MISMATCH:
      why =
          "the chain's head does not match the last entry: entries were removed from the end, "
          "or the head was altered";
      break;
    default:
      why = "unknown problem";
  }
  return absl::StrCat(
      style.Red("BROKEN"), ": the audit chain breaks at entry ",
      OneLine(verification.broken_entry_id().empty() ? std::string(kMissing)
                                                     : verification.broken_entry_id()),
      " (sequence ", verification.broken_sequence(), "): ", why, "\n",
      Plural(verification.entries_checked(), "entry", "entries"), " checked, head at sequence ",
      verification.head_sequence(), "\n");
}

std::string RenderStats(const v1::GetStatsResponse& stats, absl::TimeZone time_zone) {
  std::string out =
      absl::StrCat("Queue: ", stats.pending(), " pending (", stats.pending_flagged(), " flagged)");
  if (stats.pending() > 0) {
    const absl::Duration age = absl::Seconds(stats.oldest_pending_age().seconds());
    absl::StrAppend(&out, ", oldest ", ShortAge(age), " old");
  }
  absl::StrAppend(&out, "\n\nDecisions from ",
                  FormatTimestamp(stats.period_start(), kTableTimeFormat, time_zone), " to ",
                  FormatTimestamp(stats.period_end(), kTableTimeFormat, time_zone),
                  stats.partial() ? " (the most recent 100,000 audit entries only)" : "", ":\n");
  std::vector<std::vector<std::string>> rows;
  int64_t approved = 0;
  int64_t rejected = 0;
  for (const v1::ModeratorStats& moderator : stats.moderators()) {
    rows.push_back({Cell(moderator.moderator(), 32), absl::StrCat(moderator.approved()),
                    absl::StrCat(moderator.rejected()), absl::StrCat(moderator.undone())});
    approved += moderator.approved();
    rejected += moderator.rejected();
  }
  rows.push_back({"(all)", absl::StrCat(approved), absl::StrCat(rejected), ""});
  absl::StrAppend(&out, RenderTable({"MODERATOR", "APPROVED", "REJECTED", "UNDONE"}, rows));
  std::vector<std::string> reasons;
  for (const v1::ReasonStats& reason : stats.reasons()) {
    reasons.push_back(absl::StrCat(RejectionReasonName(reason.reason()), " ", reason.rejected()));
  }
  absl::StrAppend(
      &out, "\nRejected by reason: ", reasons.empty() ? "-" : absl::StrJoin(reasons, ", "), "\n");
  const v1::SpamFilterStats& spam = stats.spam_filter();
  const int64_t flagged = spam.flagged_rejected() + spam.flagged_approved();
  const int64_t unflagged = spam.unflagged_rejected() + spam.unflagged_approved();
  absl::StrAppend(
      &out, "\nSpam filter:\n", "  flagged:     ", flagged, " decided, ", spam.flagged_rejected(),
      " rejected (", Percent(spam.flagged_rejected(), flagged), "), ", spam.flagged_approved(),
      " approved\n", "  not flagged: ", unflagged, " decided, ", spam.unflagged_rejected(),
      " rejected (", Percent(spam.unflagged_rejected(), unflagged), "), ",
      spam.unflagged_approved(), " approved\n", "  rejections the filter had flagged: ",
      Percent(spam.flagged_rejected(), spam.flagged_rejected() + spam.unflagged_rejected()), "\n");
  absl::StrAppend(&out, "\nRetention: personal data of ",
                  Plural(stats.retention_erased(), "decided comment", "decided comments"),
                  " erased, ",
                  Plural(stats.retention_expired(), "pending comment", "pending comments"),
                  " removed for their age\n");
  return out;
}

std::string WrapText(absl::string_view text, std::size_t width) {
  std::string out;
  for (absl::string_view paragraph : absl::StrSplit(text, '\n')) {
    std::string line;
    std::size_t used = 0;
    for (absl::string_view word : absl::StrSplit(paragraph, ' ', absl::SkipEmpty())) {
      std::string piece(word);
      std::size_t piece_width = DisplayWidth(piece);
      if (used > 0 && used + 1 + piece_width > width) {
        absl::StrAppend(&out, line, "\n");
        line.clear();
        used = 0;
      }
      // A word longer than a line is cut, each cut marked with "…".
      while (piece_width > width) {
        const std::string cut = TruncateToWidth(piece, width);
        const std::size_t prefix_bytes = cut.size() - std::string_view("…").size();
        if (prefix_bytes == 0 || prefix_bytes >= piece.size()) {
          break;
        }
        absl::StrAppend(&out, cut, "\n");
        piece = piece.substr(prefix_bytes);
        piece_width = DisplayWidth(piece);
      }
      if (used > 0) {
        line.push_back(' ');
        ++used;
      }
      absl::StrAppend(&line, piece);
      used += piece_width;
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string RenderReviewScreen(const v1::ClaimNextResponse& claimed, absl::string_view moderator,
                               std::size_t width, absl::Time now, absl::TimeZone time_zone,
                               const Style& style) {
  const v1::ModeratedComment& comment = claimed.comment();
  std::string line;
  for (std::size_t i = 0; i < std::min<std::size_t>(width, 100); ++i) {
    line += "─";
  }
  std::string out = absl::StrCat(
      style.Bold("modctl review"), " · ", OneLine(moderator), " · ", claimed.total_pending(),
      " pending",
      claimed.has_claim_expire_time()
          ? absl::StrCat(" · yours until ",
                         FormatTimestamp(claimed.claim_expire_time(), "%H:%M", time_zone))
          : "",
      "\n", style.Dim(line), "\n");
  absl::StrAppend(
      &out, style.Bold(OneLine(comment.comment_id())), "  ", OneLine(comment.article_id()), "  ",
      comment.has_create_time() ? ShortAge(now - TimeOf(comment.create_time())) + " ago" : "", "  ",
      comment.flagged() ? style.Red(absl::StrFormat("spam %.2f FLAGGED", comment.spam_score()))
                        : absl::StrFormat("spam %.2f", comment.spam_score()),
      "\n");
  absl::StrAppend(&out, style.Bold(OneLine(comment.name())), "  ",
                  OneLine(OrMissing(comment.phone_masked())), "  ",
                  OneLine(OrMissing(comment.client_network())), "\n");
  for (const v1::AuthorHistory& history : claimed.author_history()) {
    const bool by_phone = absl::StartsWith(history.author_key(), "ph-");
    std::string summary =
        history.other_comments() == 0
            ? std::string("none before")
            : absl::StrCat(history.other_comments(), " other: ", history.pending(), " pending, ",
                           history.approved(), " approved, ", history.rejected(), " rejected");
    absl::StrAppend(&out, by_phone ? "Same phone: " : "Same address: ",
                    history.rejected() > 0 ? style.Yellow(summary) : summary, "\n");
  }
  for (const v1::SpamSignal& signal : comment.spam_signals()) {
    absl::StrAppend(
        &out, style.Yellow(absl::StrFormat("  %s %+.2f", OneLine(signal.rule()), signal.score())),
        "  ", OneLine(signal.detail()), signal.shadow() ? "  (shadow)" : "", "\n");
  }
  absl::StrAppend(&out, "\n", style.Bold(OneLine(comment.title())), "\n",
                  WrapText(SanitizeForTerminal(comment.body(), LineBreaks::kKeep), width), "\n",
                  style.Dim(line), "\n");
  absl::StrAppend(&out, "[a]pprove  [r]eject  [s]kip  [b]an author  [u]ndo  [q]uit\n");
  return out;
}

}  // namespace moderation::modctl
