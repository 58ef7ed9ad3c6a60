#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/captcha/captcha_renderer.h"

namespace moderation::captcha {

// Where the TrueType font is looked for when none is configured: Debian's
// fonts-dejavu-core. The first readable file wins.
std::vector<std::string> DefaultCaptchaFontSearchList();

// Draws the code with a TrueType font (libgd + FreeType), each glyph at its own
// size, angle and offset, the glyphs overlapping, the whole text bent by a
// random wave, then crossed by curves as thick as the strokes (some drawn as
// ink, one cutting through the ink) over speckles and a tinted background.
// Segmenting the glyphs is what off-the-shelf OCR cannot do here; a person
// still reads the shapes. Output: a 200×70 palette PNG.
//
// Thread-safe and stateless after construction: every call draws on its own
// buffers, and libgd's FreeType cache is set up once, before any drawing.
class FreeTypeCaptchaRenderer final : public CaptchaRenderer {
 public:
  static constexpr int kWidth = 200;
  static constexpr int kHeight = 70;

  // Uses the first file of `font_search_list` that exists and FreeType can
  // load. NOT_FOUND, naming every path tried and the Debian package to
  // install, when none does.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FreeTypeCaptchaRenderer>> Create(
      const std::vector<std::string>& font_search_list = DefaultCaptchaFontSearchList());

  [[nodiscard]] absl::StatusOr<std::string> RenderPng(absl::string_view code,
                                                      RandomSource& random) const override;

  [[nodiscard]] const std::string& font_path() const { return font_path_; }

 private:
  // Ink extent of a glyph drawn upright at kReferencePoints, relative to its
  // origin on the baseline (y grows downwards, so `top` is negative).
  struct GlyphBox {
    double left = 0;
    double right = 0;
    double top = 0;
    double bottom = 0;
  };

  FreeTypeCaptchaRenderer(std::string font_path, std::array<GlyphBox, 128> boxes);

  std::string font_path_;
  std::array<GlyphBox, 128> boxes_;
};

}  // namespace moderation::captcha
