#pragma once

#include <grpcpp/support/status.h>

#include <string>

namespace moderation::loadgen {

// One line for a failed call: the status message, then the stable reason and
// field violations of the `moderation.v1.ErrorDetail` carried in the
// `grpc-status-details-bin` trailer when there is one, e.g.
// "captcha rejected [INVALID_FIELDS captcha_answer=CAPTCHA_WRONG]".
[[nodiscard]] std::string DescribeError(const grpc::Status& status);

}  // namespace moderation::loadgen
