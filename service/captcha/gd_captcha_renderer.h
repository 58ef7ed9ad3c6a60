#pragma once

#include "service/captcha/captcha_renderer.h"

namespace moderation::captcha {

// Draws the code with libgd's built-in bitmap font, each glyph enlarged,
// rotated and offset at random, over crossing lines and speckles: readable by
// a person, not a plain string for a machine.
class GdCaptchaRenderer final : public CaptchaRenderer {
 public:
  [[nodiscard]] absl::StatusOr<std::string> RenderPng(absl::string_view code,
                                                      RandomSource& random) const override;
};

}  // namespace moderation::captcha
