#include "client/modctl/commands.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <tuple>
#include <utility>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/modctl/display_text.h"
#include "client/modctl/enum_names.h"

namespace moderation::modctl {
namespace {

std::string OneLineText(absl::string_view text) {
  return SanitizeForTerminal(text, LineBreaks::kReplace);
}

ExitCode PrintJson(const CommandContext& context, const google::protobuf::Message& message) {
  absl::StatusOr<std::string> json = ToJson(message);
  if (!json.ok()) {
    context.err << "error: " << json.status().message() << "\n";
    return kExitFailed;
  }
  context.out << *json << "\n";
  return kExitOk;
}

using Stub = v1::ModerationService::StubInterface;

// One call of `method` on the moderation service with the command's deadline
// and token (or `settings`). Returns nothing on success; on failure the error
// has been reported and the result is the exit code it calls for.
template <typename Request, typename Response>
std::optional<ExitCode> CallService(const CommandContext& context,
                                    grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                                 const Request&, Response*),
                                    const Request& request, Response& response,
                                    const CallSettings& settings) {
  grpc::ClientContext call;
  PrepareCall(settings, call);
  const grpc::Status status = (context.stub.*method)(&call, request, &response);
  if (!status.ok()) {
    return ReportError(context, DescribeError(status));
  }
  return std::nullopt;
}

template <typename Request, typename Response>
std::optional<ExitCode> CallService(const CommandContext& context,
                                    grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                                 const Request&, Response*),
                                    const Request& request, Response& response) {
  return CallService(context, method, request, response, context.call);
}

// A string field that is not UTF-8 makes protobuf log an error and the server
// refuse the whole message with INTERNAL; catch it here, naming the argument.
bool CheckUtf8(const CommandContext& context, absl::string_view what, absl::string_view value) {
  if (IsValidUtf8(value)) {
    return true;
  }
  context.err << "error: " << what << " is not valid UTF-8\n";
  return false;
}

// Bulk decisions list their matches this many at a time, and act on this
// many at most per run.
constexpr int32_t kBulkPageSize = 100;
constexpr std::size_t kBulkMax = 10000;

// An unreachable server outranks a refusal: the script that sees it should
// retry the whole batch later.
ExitCode WorseOf(ExitCode a, ExitCode b) { return a == kExitUnreachable || b == kExitOk ? a : b; }

// Sends one decision for `comment_id` and fills `comment` on success.
using DecisionCall = std::function<grpc::Status(
    grpc::ClientContext& call, const std::string& comment_id, v1::ModeratedComment& comment)>;

// Asks on stderr whether to go on and reads the answer from `in`. Only "y"
// or "yes" says yes; no answer (a script without --yes) says no.
bool Confirm(const CommandContext& context, absl::string_view question) {
  context.err << question << " [y/N] " << std::flush;
  std::string answer;
  if (context.in == nullptr || !std::getline(*context.in, answer)) {
    context.err << "\n";
    return false;
  }
  answer = std::string(absl::StripAsciiWhitespace(answer));
  return answer == "y" || answer == "Y" || answer == "yes";
}

// Every pending comment `filter` matches (all pages), in queue order.
std::variant<std::vector<std::string>, ExitCode> Matching(const CommandContext& context,
                                                          const v1::PendingFilter& filter) {
  std::vector<std::string> ids;
  std::string page_token;
  do {
    v1::ListPendingRequest request;
    *request.mutable_filter() = filter;
    request.set_page_size(kBulkPageSize);
    request.set_page_token(page_token);
    v1::ListPendingResponse page;
    if (const std::optional<ExitCode> failed =
            CallService(context, &Stub::ListPending, request, page)) {
      return *failed;
    }
    for (const v1::ModeratedComment& comment : page.comments()) {
      ids.push_back(comment.comment_id());
    }
    if (page.next_page_token() == page_token) {
      break;
    }
    page_token = page.next_page_token();
  } while (!page_token.empty() && ids.size() < kBulkMax);
  return ids;
}

// The ids a decision acts on: those given, or those the filter matches once
// confirmed. Nothing to act on is not an error.
std::variant<std::vector<std::string>, ExitCode> Selection(const CommandContext& context,
                                                           const DecisionOptions& options,
                                                           absl::string_view verb) {
  if (!options.comment_ids.empty() && options.filter.any()) {
    return ReportUsageError(context, "give comment ids or a filter, not both");
  }
  if (!options.filter.any()) {
    if (options.comment_ids.empty()) {
      return ReportUsageError(context,
                              "no comment id given (or select with a filter, e.g. "
                              "--article, --from-phone, --from-ip)");
    }
    for (const std::string& comment_id : options.comment_ids) {
      if (!CheckUtf8(context, "comment id", comment_id)) {
        return kExitUsage;
      }
    }
    return options.comment_ids;
  }
  std::variant<v1::PendingFilter, ExitCode> filter = ResolveFilter(context, options.filter);
  if (const ExitCode* failed = std::get_if<ExitCode>(&filter)) {
    return *failed;
  }
  std::variant<std::vector<std::string>, ExitCode> matched =
      Matching(context, std::get<v1::PendingFilter>(filter));
  if (const ExitCode* failed = std::get_if<ExitCode>(&matched)) {
    return *failed;
  }
  std::vector<std::string> ids = std::get<std::vector<std::string>>(std::move(matched));
  if (ids.empty()) {
    context.err << "no pending comment matches\n";
    return ids;
  }
  if (!options.yes &&
      !Confirm(context,
               absl::StrCat(verb, " ", ids.size(),
                            ids.size() == 1 ? " pending comment" : " pending comments",
                            ids.size() >= kBulkMax ? " (the first ones; run again for more)" : "",
                            "?"))) {
    context.err << "not confirmed: nothing was changed (--yes skips the question)\n";
    return kExitUsage;
  }
  return ids;
}

ExitCode Decide(const CommandContext& context, const DecisionOptions& options,
                absl::string_view verb, absl::string_view done, const DecisionCall& decide) {
  if (!CheckUtf8(context, "--note", options.note)) {
    return kExitUsage;
  }
  std::variant<std::vector<std::string>, ExitCode> selected = Selection(context, options, verb);
  if (const ExitCode* failed = std::get_if<ExitCode>(&selected)) {
    return *failed;
  }
  const std::vector<std::string>& ids = std::get<std::vector<std::string>>(selected);

  ExitCode exit_code = kExitOk;
  std::vector<DecisionResult> results;
  results.reserve(ids.size());
  for (const std::string& comment_id : ids) {
    grpc::ClientContext call;
    PrepareCall(context.call, call);
    v1::ModeratedComment comment;
    const grpc::Status status = decide(call, comment_id, comment);
    const std::string shown_id = SanitizeForTerminal(comment_id, LineBreaks::kReplace);
    if (status.ok()) {
      if (context.output == OutputFormat::kTable) {
        context.out << done << " " << shown_id << "\n";
      }
      results.push_back({comment_id, std::move(comment)});
      continue;
    }
    CallError error = DescribeError(status);
    exit_code = WorseOf(exit_code, ExitCodeFor(error.code));
    if (context.output == OutputFormat::kTable) {
      context.err << shown_id << ": " << FormatError(error);
    }
    results.push_back({comment_id, std::move(error)});
  }

  if (context.output == OutputFormat::kJson) {
    absl::StatusOr<std::string> json = RenderDecisionsJson(results);
    if (!json.ok()) {
      context.err << "error: " << json.status().message() << "\n";
      return WorseOf(exit_code, kExitFailed);
    }
    context.out << *json << "\n";
  }
  return exit_code;
}

}  // namespace

// Makes one call's context: a deadline for every call, so that a stuck
// server cannot hang a moderator's terminal or a script.
void PrepareCall(const CallSettings& settings, grpc::ClientContext& call) {
  call.set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(settings.timeout));
  if (!settings.token.empty()) {
    call.AddMetadata("authorization", absl::StrCat("Bearer ", settings.token));
  }
  if (!settings.moderator_as.empty()) {
    call.AddMetadata("x-moderator", settings.moderator_as);
  }
}

ExitCode ReportUsageError(const CommandContext& context, absl::string_view message) {
  context.err << "error: " << message << "\n";
  return kExitUsage;
}

ExitCode ReportError(const CommandContext& context, const CallError& error) {
  context.err << "error: " << FormatError(error);
  // Without an ErrorDetail the answer came from gRPC itself, not the service:
  // most often the address is wrong or the server is down.
  if (!error.detail.has_value() && ExitCodeFor(error.code) == kExitUnreachable) {
    context.err << "  server: " << SanitizeForTerminal(context.call.server, LineBreaks::kReplace)
                << " (--server or MODCTL_SERVER; with TLS, --tls-ca and, for mutual TLS, "
                   "--tls-cert and --tls-key)\n";
  }
  if (error.code == grpc::StatusCode::UNAUTHENTICATED) {
    context.err << (context.call.token.empty() ? "  no token given: --token or MODCTL_TOKEN\n"
                                               : "  the server does not know this token "
                                                 "(--token or MODCTL_TOKEN)\n");
  } else if (error.code == grpc::StatusCode::PERMISSION_DENIED) {
    context.err << "  this token's role does not allow this command (bans and audit --verify "
                   "need an admin token)\n";
  }
  return ExitCodeFor(error.code);
}

absl::StatusOr<absl::Duration> ParseAge(absl::string_view text) {
  absl::Duration total = absl::ZeroDuration();
  std::size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    std::size_t digits = i;
    while (digits < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[digits]))) {
      ++digits;
    }
    int64_t number = 0;
    if (digits == i || digits == text.size() ||
        !absl::SimpleAtoi(text.substr(i, digits - i), &number) || number > 100000) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", text, "\" is not an age like 90s, 30m, 2h, 1d or 1h30m"));
    }
    switch (text[digits]) {
      case 's':
        total += absl::Seconds(number);
        break;
      case 'm':
        total += absl::Minutes(number);
        break;
      case 'h':
        total += absl::Hours(number);
        break;
      case 'd':
        total += absl::Hours(number * 24);
        break;
      case 'w':
        total += absl::Hours(number * 24 * 7);
        break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("\"", text, "\" is not an age like 90s, 30m, 2h, 1d or 1h30m"));
    }
    any = true;
    i = digits + 1;
  }
  if (!any) {
    return absl::InvalidArgumentError("an age is needed, e.g. 2h");
  }
  return total;
}

namespace {

// The author keys of a comment (GetComment), for --from-phone and --from-ip
// given a comment id.
std::variant<v1::ModeratedComment, ExitCode> AuthorOf(const CommandContext& context,
                                                      const std::string& comment_id) {
  v1::GetCommentRequest request;
  request.set_comment_id(comment_id);
  v1::GetCommentResponse response;
  grpc::ClientContext call;
  PrepareCall(context.call, call);
  const grpc::Status status = context.stub.GetComment(&call, request, &response);
  if (!status.ok()) {
    context.err << "looking up the author of " << OneLineText(comment_id) << ":\n";
    return ReportError(context, DescribeError(status));
  }
  return response.comment();
}

bool LooksLikeCommentId(absl::string_view text) {
  return text.size() == 26 &&
         text.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ") == absl::string_view::npos;
}

ExitCode RenderList(const CommandContext& context, const v1::ListPendingResponse& listed) {
  if (context.output == OutputFormat::kJson) {
    return PrintJson(context, listed);
  }
  context.out << RenderQueue(listed, context.width, context.now(), context.style);
  return kExitOk;
}

}  // namespace

std::variant<v1::PendingFilter, ExitCode> ResolveFilter(const CommandContext& context,
                                                        const FilterOptions& options) {
  v1::PendingFilter filter;
  for (const std::string* text : {&options.article, &options.rule, &options.from_phone,
                                  &options.from_ip, &options.older_than, &options.newer_than}) {
    if (!CheckUtf8(context, "filter", *text)) {
      return kExitUsage;
    }
  }
  filter.set_article_id(options.article);
  filter.set_spam_rule(options.rule);
  filter.set_min_spam_score(options.min_score);
  filter.set_flagged_only(options.flagged);
  for (const auto& [text, older] :
       {std::pair{&options.older_than, true}, std::pair{&options.newer_than, false}}) {
    if (text->empty()) {
      continue;
    }
    absl::StatusOr<absl::Duration> age = ParseAge(*text);
    if (!age.ok()) {
      return ReportUsageError(context, age.status().message());
    }
    (older ? filter.mutable_min_age() : filter.mutable_max_age())
        ->set_seconds(absl::ToInt64Seconds(*age));
  }
  if (!options.from_phone.empty() && !options.from_ip.empty()) {
    return ReportUsageError(context, "--from-phone and --from-ip do not go together");
  }
  if (!options.from_phone.empty()) {
    const std::string& from = options.from_phone;
    if (absl::StartsWith(from, "ph-")) {
      filter.set_author_key(from);
    } else if (LooksLikeCommentId(from)) {
      std::variant<v1::ModeratedComment, ExitCode> author = AuthorOf(context, from);
      if (const ExitCode* failed = std::get_if<ExitCode>(&author)) {
        return *failed;
      }
      const std::string& key = std::get<v1::ModeratedComment>(author).author_phone_key();
      if (key.empty()) {
        return ReportUsageError(
            context, absl::StrCat("the author of ", from, " gave no phone number; try --from-ip"));
      }
      filter.set_author_key(key);
    } else {
      return ReportUsageError(
          context,
          "--from-phone takes a comment id or the phone key `modctl show` prints (ph-...); "
          "a masked number such as +84 9•• ••• •45 fits many people, and modctl never sends "
          "numbers in clear");
    }
  }
  if (!options.from_ip.empty()) {
    const std::string& from = options.from_ip;
    if (absl::StartsWith(from, "ip-")) {
      filter.set_author_key(from);
    } else if (LooksLikeCommentId(from)) {
      std::variant<v1::ModeratedComment, ExitCode> author = AuthorOf(context, from);
      if (const ExitCode* failed = std::get_if<ExitCode>(&author)) {
        return *failed;
      }
      filter.set_author_key(std::get<v1::ModeratedComment>(author).author_ip_key());
    } else if (absl::StrContains(from, '/')) {
      filter.set_client_network(from);
    } else {
      return ReportUsageError(
          context,
          "--from-ip takes a comment id, the address key `modctl show` prints (ip-...), or a "
          "network as shown (203.0.113.0/24)");
    }
  }
  return filter;
}

ExitCode RunList(const CommandContext& context, const ListOptions& options) {
  if (!CheckUtf8(context, "--page-token", options.page_token)) {
    return kExitUsage;
  }
  std::variant<v1::PendingFilter, ExitCode> filter = ResolveFilter(context, options.filter);
  if (const ExitCode* failed = std::get_if<ExitCode>(&filter)) {
    return *failed;
  }
  // A filter may answer short pages before the end (the server examines a
  // bounded part of the queue per call): keep going until a page is full.
  const int32_t wanted = options.page_size > 0 ? options.page_size : 20;
  v1::ListPendingResponse listed;
  std::string page_token = options.page_token;
  while (true) {
    v1::ListPendingRequest request;
    request.set_page_size(options.page_size);
    request.set_page_token(page_token);
    if (options.filter.any()) {
      *request.mutable_filter() = std::get<v1::PendingFilter>(filter);
    }
    v1::ListPendingResponse page;
    if (const std::optional<ExitCode> failed =
            CallService(context, &Stub::ListPending, request, page)) {
      return *failed;
    }
    listed.mutable_comments()->MergeFrom(page.comments());
    listed.set_total_pending(page.total_pending());
    listed.set_next_page_token(page.next_page_token());
    if (page.next_page_token().empty()) {
      break;
    }
    if (page.next_page_token() == page_token) {
      context.err << "error: the server returned the same page token twice\n";
      return kExitFailed;
    }
    page_token = page.next_page_token();
    if (!options.all && (!options.filter.any() || listed.comments_size() >= wanted)) {
      break;
    }
  }
  return RenderList(context, listed);
}

ExitCode RunShow(const CommandContext& context, const std::string& comment_id) {
  if (!CheckUtf8(context, "comment id", comment_id)) {
    return kExitUsage;
  }
  v1::GetCommentRequest request;
  request.set_comment_id(comment_id);
  v1::GetCommentResponse response;
  if (const std::optional<ExitCode> failed =
          CallService(context, &Stub::GetComment, request, response)) {
    return *failed;
  }
  if (context.output == OutputFormat::kJson) {
    return PrintJson(context, response);
  }
  context.out << RenderCommentView(response, context.time_zone);
  return kExitOk;
}

ExitCode RunApprove(const CommandContext& context, const DecisionOptions& options) {
  return Decide(
      context, options, "Approve", "approved",
      [&](grpc::ClientContext& call, const std::string& comment_id, v1::ModeratedComment& comment) {
        v1::ApproveCommentRequest request;
        request.set_comment_id(comment_id);
        request.set_note(options.note);
        v1::ApproveCommentResponse response;
        grpc::Status status = context.stub.ApproveComment(&call, request, &response);
        comment.Swap(response.mutable_comment());
        return status;
      });
}

ExitCode RunReject(const CommandContext& context, const DecisionOptions& options) {
  const std::optional<v1::RejectionReason> reason = ParseRejectionReason(options.reason);
  if (!reason.has_value()) {
    return ReportUsageError(
        context, absl::StrCat("unknown rejection reason \"",
                              SanitizeForTerminal(options.reason, LineBreaks::kReplace),
                              "\"; use one of: ", absl::StrJoin(RejectionReasonNames(), ", ")));
  }
  return Decide(
      context, options, absl::StrCat("Reject (", RejectionReasonName(*reason), ")"), "rejected",
      [&](grpc::ClientContext& call, const std::string& comment_id, v1::ModeratedComment& comment) {
        v1::RejectCommentRequest request;
        request.set_comment_id(comment_id);
        request.set_reason(*reason);
        request.set_note(options.note);
        v1::RejectCommentResponse response;
        grpc::Status status = context.stub.RejectComment(&call, request, &response);
        comment.Swap(response.mutable_comment());
        return status;
      });
}

ExitCode RunUndo(const CommandContext& context, const std::string& comment_id) {
  if (!CheckUtf8(context, "comment id", comment_id)) {
    return kExitUsage;
  }
  v1::UndoDecisionRequest request;
  request.set_comment_id(comment_id);
  v1::UndoDecisionResponse response;
  if (const std::optional<ExitCode> failed =
          CallService(context, &Stub::UndoDecision, request, response)) {
    return *failed;
  }
  if (context.output == OutputFormat::kJson) {
    return PrintJson(context, response);
  }
  context.out << "undone: " << OneLineText(comment_id) << " is pending again\n";
  return kExitOk;
}

ExitCode RunBan(const CommandContext& context, const BanOptions& options) {
  for (const std::string* text : {&options.ip_address, &options.ip_prefix, &options.phone,
                                  &options.comment_id, &options.reason}) {
    if (!CheckUtf8(context, "argument", *text)) {
      return kExitUsage;
    }
  }
  std::optional<v1::RejectionReason> reject_reason;
  if (!options.reject_reason.empty()) {
    reject_reason = ParseRejectionReason(options.reject_reason);
    if (!reject_reason) {
      return ReportUsageError(context, absl::StrCat("unknown rejection reason; use one of: ",
                                                    absl::StrJoin(RejectionReasonNames(), ", ")));
    }
  }
  v1::CreateBanRequest request;
  request.set_ip_address(options.ip_address);
  request.set_ip_prefix(options.ip_prefix);
  request.set_phone(options.phone);
  request.set_comment_id(options.comment_id);
  request.set_reason(options.reason);
  request.mutable_duration()->set_seconds(absl::ToInt64Seconds(options.duration));
  request.set_reject_pending(options.reject_pending);
  if (reject_reason) {
    request.set_reject_reason(*reject_reason);
  }
  v1::CreateBanResponse response;
  // Rejecting an author's pending comments makes one decision each.
  CallSettings settings = context.call;
  if (options.reject_pending) {
    settings.timeout = std::max(settings.timeout, absl::Seconds(120));
  }
  if (const std::optional<ExitCode> failed =
          CallService(context, &Stub::CreateBan, request, response, settings)) {
    return *failed;
  }
  if (context.output == OutputFormat::kJson) {
    return PrintJson(context, response);
  }
  context.out << RenderBansTable({response.bans().begin(), response.bans().end()},
                                 context.time_zone);
  if (options.reject_pending) {
    context.out << "rejected " << response.rejected_comment_ids_size()
                << (response.rejected_comment_ids_size() == 1 ? " pending comment"
                                                              : " pending comments")
                << "\n";
    for (const std::string& id : response.rejected_comment_ids()) {
      context.out << "  " << OneLineText(id) << "\n";
    }
  }
  return kExitOk;
}

ExitCode RunUnban(const CommandContext& context, const std::vector<std::string>& ban_ids) {
  ExitCode worst = kExitOk;
  for (const std::string& ban_id : ban_ids) {
    if (!CheckUtf8(context, "ban id", ban_id)) {
      worst = WorseOf(worst, kExitUsage);
      continue;
    }
    v1::DeleteBanRequest request;
    request.set_ban_id(ban_id);
    v1::DeleteBanResponse response;
    grpc::ClientContext call;
    PrepareCall(context.call, call);
    const grpc::Status status = context.stub.DeleteBan(&call, request, &response);
    if (!status.ok()) {
      context.err << SanitizeForTerminal(ban_id, LineBreaks::kReplace) << ": ";
      worst = WorseOf(worst, ReportError(context, DescribeError(status)));
      continue;
    }
    context.out << "unbanned " << SanitizeForTerminal(ban_id, LineBreaks::kReplace) << "\n";
  }
  return worst;
}

ExitCode RunBans(const CommandContext& context) {
  v1::ListBansResponse all;
  std::string page_token;
  do {
    v1::ListBansRequest request;
    request.set_page_token(page_token);
    v1::ListBansResponse page;
    if (const std::optional<ExitCode> failed =
            CallService(context, &Stub::ListBans, request, page)) {
      return *failed;
    }
    for (v1::Ban& ban : *page.mutable_bans()) {
      *all.add_bans() = std::move(ban);
    }
    page_token = page.next_page_token();
  } while (!page_token.empty());
  if (context.output == OutputFormat::kJson) {
    return PrintJson(context, all);
  }
  context.out << RenderBansTable({all.bans().begin(), all.bans().end()}, context.time_zone);
  return kExitOk;
}

namespace {

// A point in time from an age before `now` ("2h") or an RFC 3339 time.
std::variant<absl::Time, ExitCode> ParsePointInTime(const CommandContext& context,
                                                    absl::string_view option,
                                                    absl::string_view text) {
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return time;
  }
  absl::StatusOr<absl::Duration> age = ParseAge(text);
  if (!age.ok()) {
    return ReportUsageError(
        context,
        absl::StrCat(option, ": \"", OneLineText(text),
                     "\" is neither an age (2h, 1d) nor a time (2024-11-26T08:00:00+07:00)"));
  }
  return context.now() - *age;
}

void SetTime(absl::Time time, google::protobuf::Timestamp& out) {
  out.set_seconds(absl::ToUnixSeconds(time));
  out.set_nanos(0);
}

ExitCode RunVerify(const CommandContext& context) {
  v1::VerifyAuditLogResponse response;
  // Verification reads the whole log: allow it more than one call's time.
  CallSettings settings = context.call;
  settings.timeout = std::max(settings.timeout, absl::Seconds(300));
  if (const std::optional<ExitCode> failed = CallService(
          context, &Stub::VerifyAuditLog, v1::VerifyAuditLogRequest(), response, settings)) {
    return *failed;
  }
  if (context.output == OutputFormat::kJson) {
    const ExitCode printed = PrintJson(context, response);
    return printed != kExitOk ? printed : response.intact() ? kExitOk : kExitFailed;
  }
  context.out << RenderVerification(response, context.style);
  return response.intact() ? kExitOk : kExitFailed;
}

}  // namespace

ExitCode RunAudit(const CommandContext& context, const AuditOptions& options) {
  if (options.verify) {
    if (!options.moderator.empty() || !options.comment_id.empty() || !options.since.empty() ||
        !options.until.empty()) {
      return ReportUsageError(context, "--verify checks the whole log: it takes no filter");
    }
    return RunVerify(context);
  }
  for (const std::string* text :
       {&options.moderator, &options.comment_id, &options.since, &options.until}) {
    if (!CheckUtf8(context, "argument", *text)) {
      return kExitUsage;
    }
  }
  v1::ListAuditLogRequest request;
  request.set_moderator(options.moderator);
  request.set_comment_id(options.comment_id);
  for (const auto& [text, name, field] :
       {std::tuple{&options.since, "--since", request.mutable_start_time()},
        std::tuple{&options.until, "--until", request.mutable_end_time()}}) {
    if (text->empty()) {
      continue;
    }
    std::variant<absl::Time, ExitCode> time = ParsePointInTime(context, name, *text);
    if (const ExitCode* failed = std::get_if<ExitCode>(&time)) {
      return *failed;
    }
    SetTime(std::get<absl::Time>(time), *field);
  }
  if (options.since.empty()) {
    request.clear_start_time();
  }
  if (options.until.empty()) {
    request.clear_end_time();
  }
  if (options.limit <= 0) {
    return ReportUsageError(context, "--limit must be at least 1");
  }
  v1::ListAuditLogResponse listed;
  std::string page_token;
  do {
    request.set_page_size(std::min<int32_t>(100, options.limit - listed.entries_size()));
    request.set_page_token(page_token);
    v1::ListAuditLogResponse page;
    if (const std::optional<ExitCode> failed =
            CallService(context, &Stub::ListAuditLog, request, page)) {
      return *failed;
    }
    for (v1::AuditEntry& entry : *page.mutable_entries()) {
      *listed.add_entries() = std::move(entry);
    }
    listed.set_next_page_token(page.next_page_token());
    if (page.next_page_token() == page_token) {
      break;
    }
    page_token = page.next_page_token();
  } while (!page_token.empty() && listed.entries_size() < options.limit &&
           options.comment_id.empty());
  if (context.output == OutputFormat::kJson) {
    return PrintJson(context, listed);
  }
  context.out << RenderAuditTable({listed.entries().begin(), listed.entries().end()},
                                  context.time_zone);
  if (!listed.next_page_token().empty()) {
    context.out << "more entries: --limit or --until to see them\n";
  }
  return kExitOk;
}

ExitCode RunStats(const CommandContext& context, absl::Duration period) {
  v1::GetStatsRequest request;
  request.mutable_period()->set_seconds(absl::ToInt64Seconds(period));
  v1::GetStatsResponse response;
  if (const std::optional<ExitCode> failed =
          CallService(context, &Stub::GetStats, request, response)) {
    return *failed;
  }
  if (context.output == OutputFormat::kJson) {
    return PrintJson(context, response);
  }
  context.out << RenderStats(response, context.time_zone);
  return kExitOk;
}

}  // namespace moderation::modctl
