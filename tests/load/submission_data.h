#pragma once

#include <cstdint>
#include <string>

#include "moderation/v1/comment_service.pb.h"

namespace moderation::loadgen {

// The reader's address for operation `sequence`: 10.x.y.z, distinct for the
// first 2^24 operations so that per-address limits never kick in.
[[nodiscard]] std::string ClientIpFor(uint64_t sequence);

// A valid Vietnamese mobile number (090, 091, 093, 096, 097 or 098 prefix) for
// even sequences, empty for odd ones: half the submissions carry a phone,
// which costs the server an encryption and a libphonenumber parse.
[[nodiscard]] std::string PhoneFor(uint64_t sequence);

// Fills `request` for operation `sequence`: Vietnamese text with diacritics,
// one of 50 articles, the captcha just obtained, and an idempotency key unique
// to this run (`run_id`) and operation.
void FillSubmission(uint64_t sequence, const std::string& run_id, const std::string& captcha_id,
                    const std::string& captcha_answer,
                    moderation::v1::SubmitCommentRequest* request);

}  // namespace moderation::loadgen
