#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "moderation/v1/comment_service.pb.h"

namespace moderation::testing {

// A reader's address, as a portal forwards it with every captcha call: a
// different one each time, each in a /24 of its own until 256 have been
// given (198.18.0.0/15, the block set aside for tests of network devices),
// so that no per-address or per-block limit of the server under test answers
// unless a test means it to.
inline std::string NextReaderAddress() {
  static std::atomic<uint32_t> next{0};
  const uint32_t n = next.fetch_add(1);
  return absl::StrCat("198.", 18 + (n >> 16) % 2, ".", n % 256, ".", 1 + (n >> 8) % 250);
}

// A CreateCaptcha request as the portal sends it for a new reader.
inline v1::CreateCaptchaRequest ReaderCaptchaRequest() {
  v1::CreateCaptchaRequest request;
  request.set_client_ip(NextReaderAddress());
  return request;
}

}  // namespace moderation::testing
