#pragma once

#include <grpcpp/support/status.h>

#include <optional>
#include <string>

#include "moderation/v1/errors.pb.h"

namespace moderation::modctl {

// The process exit codes; scripts rely on them.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,       // the server refused the request or failed
  kExitUsage = 2,        // bad command line; nothing was sent
  kExitUnreachable = 3,  // no answer in time, or no connection
};

// A failed call as the server described it. `detail` is missing when the
// answer did not come from the moderation service, e.g. no connection.
struct CallError {
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  std::string message;
  std::optional<v1::ErrorDetail> detail;
};

// Reads the ErrorDetail from the status' detail trailer (a google.rpc.Status
// whose details hold one Any). A missing or unreadable trailer leaves `detail`
// empty: the code and message still say what happened.
[[nodiscard]] CallError DescribeError(const grpc::Status& status);

// The canonical name of `code`, e.g. "NOT_FOUND".
[[nodiscard]] std::string StatusCodeName(grpc::StatusCode code);

// "CODE: message" then one indented line each for the reason code, the
// Vietnamese message, every field violation and the retry delay, each line
// ending in a line feed. Server text is made safe to print.
[[nodiscard]] std::string FormatError(const CallError& error);

// kExitUnreachable for UNAVAILABLE and DEADLINE_EXCEEDED, kExitOk for OK,
// kExitFailed otherwise.
[[nodiscard]] ExitCode ExitCodeFor(grpc::StatusCode code);

}  // namespace moderation::modctl
