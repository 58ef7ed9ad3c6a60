#include "client/modctl/commands.h"

#include <grpcpp/client_context.h>

#include <chrono>
#include <functional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/modctl/display_text.h"
#include "client/modctl/enum_names.h"

namespace moderation::modctl {
namespace {

// Makes one call's context: a deadline for every call, so that a stuck
// server cannot hang a moderator's terminal or a script.
void PrepareCall(const CallSettings& settings, grpc::ClientContext& call) {
  call.set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(settings.timeout));
  if (!settings.token.empty()) {
    call.AddMetadata("authorization", absl::StrCat("Bearer ", settings.token));
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
    context.err << "  this token's role does not allow this command (bans need an admin "
                   "token)\n";
  }
  return ExitCodeFor(error.code);
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

// A string field that is not UTF-8 makes protobuf log an error and the server
// refuse the whole message with INTERNAL; catch it here, naming the argument.
bool CheckUtf8(const CommandContext& context, absl::string_view what, absl::string_view value) {
  if (IsValidUtf8(value)) {
    return true;
  }
  context.err << "error: " << what << " is not valid UTF-8\n";
  return false;
}

// An unreachable server outranks a refusal: the script that sees it should
// retry the whole batch later.
ExitCode WorseOf(ExitCode a, ExitCode b) { return a == kExitUnreachable || b == kExitOk ? a : b; }

// Sends one decision for `comment_id` and fills `comment` on success.
using DecisionCall = std::function<grpc::Status(
    grpc::ClientContext& call, const std::string& comment_id, v1::ModeratedComment& comment)>;

ExitCode Decide(const CommandContext& context, const DecisionOptions& options,
                absl::string_view done, const DecisionCall& decide) {
  if (options.comment_ids.empty()) {
    return ReportUsageError(context, "no comment id given");
  }
  for (const std::string& comment_id : options.comment_ids) {
    if (!CheckUtf8(context, "comment id", comment_id)) {
      return kExitUsage;
    }
  }
  if (!CheckUtf8(context, "--note", options.note)) {
    return kExitUsage;
  }

  ExitCode exit_code = kExitOk;
  std::vector<DecisionResult> results;
  results.reserve(options.comment_ids.size());
  for (const std::string& comment_id : options.comment_ids) {
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

ExitCode RunList(const CommandContext& context, const ListOptions& options) {
  if (!CheckUtf8(context, "--page-token", options.page_token)) {
    return kExitUsage;
  }
  v1::ListPendingResponse listed;
  std::string page_token = options.page_token;
  while (true) {
    v1::ListPendingRequest request;
    request.set_page_size(options.page_size);
    request.set_page_token(page_token);
    v1::ListPendingResponse page;
    grpc::ClientContext call;
    PrepareCall(context.call, call);
    const grpc::Status status = context.stub.ListPending(&call, request, &page);
    if (!status.ok()) {
      return ReportError(context, DescribeError(status));
    }
    listed.mutable_comments()->MergeFrom(page.comments());
    listed.set_total_pending(page.total_pending());
    listed.set_next_page_token(page.next_page_token());
    if (!options.all || page.next_page_token().empty()) {
      break;
    }
    if (page.next_page_token() == page_token) {
      context.err << "error: the server returned the same page token twice\n";
      return kExitFailed;
    }
    page_token = page.next_page_token();
  }

  if (context.output == OutputFormat::kJson) {
    return PrintJson(context, listed);
  }
  context.out << RenderPendingTable(listed, context.time_zone);
  return kExitOk;
}

ExitCode RunShow(const CommandContext& context, const std::string& comment_id) {
  if (!CheckUtf8(context, "comment id", comment_id)) {
    return kExitUsage;
  }
  v1::GetCommentRequest request;
  request.set_comment_id(comment_id);
  v1::GetCommentResponse response;
  grpc::ClientContext call;
  PrepareCall(context.call, call);
  const grpc::Status status = context.stub.GetComment(&call, request, &response);
  if (!status.ok()) {
    return ReportError(context, DescribeError(status));
  }
  if (context.output == OutputFormat::kJson) {
    return PrintJson(context, response.comment());
  }
  context.out << RenderComment(response.comment(), context.time_zone);
  return kExitOk;
}

ExitCode RunApprove(const CommandContext& context, const DecisionOptions& options) {
  return Decide(
      context, options, "approved",
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
      context, options, "rejected",
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

ExitCode RunBan(const CommandContext& context, const BanOptions& options) {
  for (const std::string* text : {&options.ip_address, &options.ip_prefix, &options.phone,
                                  &options.comment_id, &options.reason}) {
    if (!CheckUtf8(context, "argument", *text)) {
      return kExitUsage;
    }
  }
  v1::CreateBanRequest request;
  request.set_ip_address(options.ip_address);
  request.set_ip_prefix(options.ip_prefix);
  request.set_phone(options.phone);
  request.set_comment_id(options.comment_id);
  request.set_reason(options.reason);
  request.mutable_duration()->set_seconds(absl::ToInt64Seconds(options.duration));
  v1::CreateBanResponse response;
  grpc::ClientContext call;
  PrepareCall(context.call, call);
  const grpc::Status status = context.stub.CreateBan(&call, request, &response);
  if (!status.ok()) {
    return ReportError(context, DescribeError(status));
  }
  if (context.output == OutputFormat::kJson) {
    return PrintJson(context, response);
  }
  context.out << RenderBansTable({response.bans().begin(), response.bans().end()},
                                 context.time_zone);
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
    grpc::ClientContext call;
    PrepareCall(context.call, call);
    const grpc::Status status = context.stub.ListBans(&call, request, &page);
    if (!status.ok()) {
      return ReportError(context, DescribeError(status));
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

}  // namespace moderation::modctl
