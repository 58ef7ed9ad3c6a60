#pragma once

#include <grpcpp/support/status.h>

#include <string>

namespace moderation::loadgen {

// One line for a failed call: the status message, then the stable reason and
// field violations of the `moderation.v1.ErrorDetail` carried in the
// `grpc-status-details-bin` trailer when there is one, e.g.
// "captcha rejected [INVALID_FIELDS captcha_answer=CAPTCHA_WRONG]".
[[nodiscard]] std::string DescribeError(const grpc::Status& status);

// A short, stable label for a failed call's answer, to count answers by:
// the status code name, then the field violations ("field=REASON") of its
// `ErrorDetail`, or the detail's reason when it names no field, e.g.
// "INVALID_ARGUMENT captcha_answer=CAPTCHA_WRONG", "RESOURCE_EXHAUSTED
// RATE_LIMITED", or just "UNAVAILABLE".
[[nodiscard]] std::string OutcomeLabel(const grpc::Status& status);

}  // namespace moderation::loadgen
