#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/common/random.h"

namespace moderation::captcha {

// Draws a captcha code as an image a person can read.
class CaptchaRenderer {
 public:
  virtual ~CaptchaRenderer() = default;
  // Returns PNG bytes. `random` drives the distortions. Thread-safe.
  [[nodiscard]] virtual absl::StatusOr<std::string> RenderPng(absl::string_view code,
                                                              RandomSource& random) const = 0;
};

}  // namespace moderation::captcha
