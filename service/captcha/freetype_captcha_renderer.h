#pragma once

#include <array>
#include <cstdint>
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

// A deployment's own variation of the drawing, derived from its secret, so
// that the public generator does not draw the server's distribution of images:
// each factor scales a random range of the drawing. All 1 is the public style.
struct CaptchaStyle {
  double size = 1;     // glyph size
  double spacing = 1;  // distance between neighbours
  double tilt = 1;     // glyph angles
  double bend = 1;     // the baseline's slow wave
  double ripple = 1;   // the strokes' fast waves
  double shear = 1;    // the columns' lean
};

// The style for a deployment's secret (at least 8 bytes): each factor in a
// range that keeps the code legible.
[[nodiscard]] CaptchaStyle CaptchaStyleFor(absl::string_view secret);

// DefaultCaptchaFontSearchList led by one of the installed DejaVu faces that
// read well (sans, serif, condensed, mono, oblique bold), picked by `secret`.
[[nodiscard]] std::vector<std::string> StyledCaptchaFontSearchList(absl::string_view secret);

// Draws the code with a TrueType font (rasterised by libgd's FreeType
// binding), each glyph at its own size, angle and height, neighbours touching,
// the whole line bent and sheared by random waves, then crossed by two curves
// whose width swells and thins: one of the glyphs' own ink (no palette index
// or hue sets it apart), one that cuts the glyphs into pieces; speckles over a
// tinted paper. Output: a 200×70 palette PNG.
//
// Thread-safe: after construction nothing changes, and every call draws on
// buffers of its own.
class FreeTypeCaptchaRenderer final : public CaptchaRenderer {
 public:
  static constexpr int kWidth = 200;
  static constexpr int kHeight = 70;

  // Uses the first file of `font_search_list` that exists and FreeType can
  // load. NOT_FOUND, naming every path tried and the Debian package to
  // install, when none does.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FreeTypeCaptchaRenderer>> Create(
      const std::vector<std::string>& font_search_list = DefaultCaptchaFontSearchList(),
      CaptchaStyle style = {});

  [[nodiscard]] absl::StatusOr<std::string> RenderPng(absl::string_view code,
                                                      RandomSource& random) const override;

  [[nodiscard]] const std::string& font_path() const { return font_path_; }

 private:
  // A glyph drawn upright at kReferencePoints, cropped to its ink.
  struct GlyphMask {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> coverage;  // row-major, 0 (paper) to 255 (ink)
  };
  static constexpr char kFirstGlyph = '!';
  static constexpr char kLastGlyph = '~';
  using GlyphMasks = std::array<GlyphMask, kLastGlyph - kFirstGlyph + 1>;

  FreeTypeCaptchaRenderer(std::string font_path, GlyphMasks masks, CaptchaStyle style);

  std::string font_path_;
  CaptchaStyle style_;
  // FreeType runs once per glyph at construction: hinting and rasterising
  // every glyph of every image would cost more than all the rest of drawing.
  GlyphMasks masks_;
};

}  // namespace moderation::captcha
