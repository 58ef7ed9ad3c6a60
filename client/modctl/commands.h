#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/modctl/errors.h"
#include "client/modctl/output.h"
#include "moderation/v1/moderation_service.grpc.pb.h"

// The modctl commands. Each makes its calls one at a time, each call with its
// own deadline, writes its result to `out` and errors to `err`, and returns the
// process exit code.
namespace moderation::modctl {

// How every call is made.
struct CallSettings {
  std::string server;  // where the stub connects; named in connection errors
  std::string token;   // sent as "authorization: Bearer <token>" unless empty
  absl::Duration timeout = absl::Seconds(10);
};

struct CommandContext {
  v1::ModerationService::StubInterface& stub;
  CallSettings call;
  OutputFormat output = OutputFormat::kTable;
  absl::TimeZone time_zone;  // for the times shown to people
  std::ostream& out;
  std::ostream& err;
};

struct ListOptions {
  int32_t page_size = 0;   // 0 leaves the page size to the server
  std::string page_token;  // where to start; empty for the oldest comment
  bool all = false;        // follow page tokens to the end of the queue
};

struct DecisionOptions {
  std::vector<std::string> comment_ids;
  std::string note;
  std::string reason;  // for rejections: one of RejectionReasonNames()
};

struct BanOptions {
  std::string ip_address;
  std::string ip_prefix;
  std::string phone;
  std::string comment_id;  // bans the comment author's address and phone
  std::string reason;
  absl::Duration duration = absl::ZeroDuration();  // zero: for ever
};

// Lists pending comments, oldest first (ListPending).
[[nodiscard]] ExitCode RunList(const CommandContext& context, const ListOptions& options);

// Shows one comment in full (GetComment).
[[nodiscard]] ExitCode RunShow(const CommandContext& context, const std::string& comment_id);

// Approves each comment in turn, going on after a failure; the exit code is
// that of the worst failure.
[[nodiscard]] ExitCode RunApprove(const CommandContext& context, const DecisionOptions& options);

// As RunApprove, for rejections. An unknown reason is a usage error and
// nothing is sent.
[[nodiscard]] ExitCode RunReject(const CommandContext& context, const DecisionOptions& options);

// Bans one target (CreateBan) and prints the bans made.
[[nodiscard]] ExitCode RunBan(const CommandContext& context, const BanOptions& options);

// Lifts bans by id (DeleteBan), going on after a failure.
[[nodiscard]] ExitCode RunUnban(const CommandContext& context,
                                const std::vector<std::string>& ban_ids);

// Lists every live ban, newest first (ListBans, all pages).
[[nodiscard]] ExitCode RunBans(const CommandContext& context);

}  // namespace moderation::modctl
