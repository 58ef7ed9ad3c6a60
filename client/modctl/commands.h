#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/modctl/errors.h"
#include "client/modctl/output.h"
#include "client/modctl/terminal.h"
#include "moderation/v1/moderation_service.grpc.pb.h"

// The modctl commands. Each makes its calls one at a time, each call with its
// own deadline, writes its result to `out` and errors to `err`, and returns the
// process exit code.
namespace moderation::modctl {

// How every call is made.
struct CallSettings {
  std::string server;  // where the stub connects; named in connection errors
  std::string token;   // sent as "authorization: Bearer <token>" unless empty
  // Sent as "x-moderator": the name decisions are recorded under on a
  // server without tokens (with tokens, the token's name is used).
  std::string moderator_as;
  absl::Duration timeout = absl::Seconds(10);
};

struct CommandContext {
  v1::ModerationService::StubInterface& stub;
  CallSettings call;
  OutputFormat output = OutputFormat::kTable;
  absl::TimeZone time_zone;  // for the times shown to people
  std::ostream& out;
  std::ostream& err;
  // Answers to confirmations; none: nothing can be confirmed.
  std::istream* in = nullptr;
  Style style;
  std::size_t width = 80;  // of the terminal, for tables
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

// Selects pending comments (see v1.PendingFilter). Authors are named without
// their phone or address: by the id of one of their comments, or by the
// author key `modctl show` prints.
struct FilterOptions {
  std::string article;
  std::string rule;        // a spam rule that counted
  double min_score = 0;    // 0: any
  std::string older_than;  // an age: "90s", "30m", "2h", "1d", "1h30m"
  std::string newer_than;
  std::string from_phone;  // a comment id, or an author key "ph-..."
  std::string from_ip;     // a comment id, an author key "ip-...", or a network "a.b.c.0/24"
  bool flagged = false;

  [[nodiscard]] bool any() const {
    return !article.empty() || !rule.empty() || min_score > 0 || !older_than.empty() ||
           !newer_than.empty() || !from_phone.empty() || !from_ip.empty() || flagged;
  }
};

struct ListOptions {
  int32_t page_size = 0;   // 0 leaves the page size to the server
  std::string page_token;  // where to start; empty for the oldest comment
  bool all = false;        // follow page tokens to the end of the queue
  FilterOptions filter;
};

struct DecisionOptions {
  std::vector<std::string> comment_ids;
  std::string note;
  std::string reason;    // for rejections: one of RejectionReasonNames()
  FilterOptions filter;  // instead of ids: every pending comment that matches
  bool yes = false;      // act on a filter's matches without asking
};

struct BanOptions {
  std::string ip_address;
  std::string ip_prefix;
  std::string phone;
  std::string comment_id;  // bans the comment author's address and phone
  std::string reason;
  absl::Duration duration = absl::ZeroDuration();  // zero: for ever
  bool reject_pending = false;  // also reject every pending comment of the author
  std::string reject_reason;    // for those; empty: spam
};

struct AuditOptions {
  std::string moderator;
  std::string comment_id;
  std::string since;  // an age ("2h") or a time ("2024-11-26T08:00:00+07:00")
  std::string until;
  int32_t limit = 50;  // entries shown at most
  bool verify = false;
};

// An age: a sequence of numbers with units s, m, h, d or w ("1h30m").
// INVALID_ARGUMENT otherwise.
[[nodiscard]] absl::StatusOr<absl::Duration> ParseAge(absl::string_view text);

// Lists pending comments, flagged first, then oldest first (ListPending).
// `queue` and `list` are the same command.
[[nodiscard]] ExitCode RunList(const CommandContext& context, const ListOptions& options);

// Shows one comment in full, with its author's history and its audit entries
// (GetComment).
[[nodiscard]] ExitCode RunShow(const CommandContext& context, const std::string& comment_id);

// Approves each comment in turn, going on after a failure; the exit code is
// that of the worst failure. With a filter instead of ids, lists what it
// matches first and asks (unless `yes`) before acting on any.
[[nodiscard]] ExitCode RunApprove(const CommandContext& context, const DecisionOptions& options);

// As RunApprove, for rejections. An unknown reason is a usage error and
// nothing is sent.
[[nodiscard]] ExitCode RunReject(const CommandContext& context, const DecisionOptions& options);

// Takes back the caller's own last decision (UndoDecision).
[[nodiscard]] ExitCode RunUndo(const CommandContext& context, const std::string& comment_id);

// Bans one target (CreateBan) and prints the bans made.
[[nodiscard]] ExitCode RunBan(const CommandContext& context, const BanOptions& options);

// Lifts bans by id (DeleteBan), going on after a failure.
[[nodiscard]] ExitCode RunUnban(const CommandContext& context,
                                const std::vector<std::string>& ban_ids);

// Lists every live ban, newest first (ListBans, all pages).
[[nodiscard]] ExitCode RunBans(const CommandContext& context);

// Lists the audit log, newest first (ListAuditLog), or with `verify` checks
// its chain (VerifyAuditLog): exit 0 when intact, 1 when broken.
[[nodiscard]] ExitCode RunAudit(const CommandContext& context, const AuditOptions& options);

// Queue and decision figures over the last `period` (GetStats).
[[nodiscard]] ExitCode RunStats(const CommandContext& context, absl::Duration period);

// Shared by the commands and the review screen.

// Sets the call's deadline, token and moderator name.
void PrepareCall(const CallSettings& settings, grpc::ClientContext& call);

// Prints a failed call (with hints for connection and token problems) and
// returns its exit code.
ExitCode ReportError(const CommandContext& context, const CallError& error);

ExitCode ReportUsageError(const CommandContext& context, absl::string_view message);

// `options` as the API's filter; author references that are comment ids are
// looked up (GetComment). On failure, reports it and returns the exit code.
[[nodiscard]] std::variant<v1::PendingFilter, ExitCode> ResolveFilter(const CommandContext& context,
                                                                      const FilterOptions& options);

}  // namespace moderation::modctl
