#include "service/captcha/gd_captcha_renderer.h"

#include <gd.h>
#include <gdfontg.h>

#include <memory>
#include <random>

namespace moderation::captcha {
namespace {

constexpr int kWidth = 200;
constexpr int kHeight = 70;

struct ImageDeleter {
  void operator()(gdImage* image) const { gdImageDestroy(image); }
};
using Image = std::unique_ptr<gdImage, ImageDeleter>;

// Distortions need variety, not secrecy: a fast generator seeded from the
// secure source is enough (the code itself comes from the secure source).
int Between(std::mt19937& engine, int low, int high) {
  return std::uniform_int_distribution<int>(low, high)(engine);
}

}  // namespace

absl::StatusOr<std::string> GdCaptchaRenderer::RenderPng(absl::string_view code,
                                                         RandomSource& secure_random) const {
  const std::string seed_bytes = secure_random.Bytes(4);
  uint32_t seed = 0;
  for (char c : seed_bytes) {
    seed = (seed << 8) | static_cast<unsigned char>(c);
  }
  std::mt19937 random(seed);
  Image canvas(gdImageCreateTrueColor(kWidth, kHeight));
  if (!canvas) {
    return absl::ResourceExhaustedError("cannot allocate the captcha image");
  }
  gdImageFilledRectangle(canvas.get(), 0, 0, kWidth - 1, kHeight - 1,
                         gdTrueColor(Between(random, 225, 250), Between(random, 225, 250),
                                     Between(random, 225, 250)));

  gdFontPtr font = gdFontGetGiant();
  const int slot = (kWidth - 20) / static_cast<int>(std::max<std::size_t>(code.size(), 1));
  for (std::size_t i = 0; i < code.size(); ++i) {
    // Draw the glyph small, then copy it enlarged and rotated onto the canvas.
    Image glyph(gdImageCreateTrueColor(font->w + 4, font->h + 4));
    if (!glyph) {
      return absl::ResourceExhaustedError("cannot allocate a glyph image");
    }
    const int background = gdTrueColor(255, 255, 255);
    gdImageFilledRectangle(glyph.get(), 0, 0, font->w + 3, font->h + 3, background);
    gdImageColorTransparent(glyph.get(), background);
    const int ink = gdTrueColor(Between(random, 10, 90), Between(random, 10, 90),
                                Between(random, 60, 140));
    gdImageChar(glyph.get(), font, 2, 2, static_cast<unsigned char>(code[i]), ink);

    const int scale_percent = Between(random, 220, 290);
    const int width = (font->w + 4) * scale_percent / 100;
    const int height = (font->h + 4) * scale_percent / 100;
    Image large(gdImageCreateTrueColor(width, height));
    if (!large) {
      return absl::ResourceExhaustedError("cannot allocate a glyph image");
    }
    gdImageFilledRectangle(large.get(), 0, 0, width - 1, height - 1, background);
    gdImageColorTransparent(large.get(), background);
    gdImageCopyResized(large.get(), glyph.get(), 0, 0, 0, 0, width, height, font->w + 4,
                       font->h + 4);

    const double center_x = 10 + slot * static_cast<int>(i) + slot / 2.0 + Between(random, -4, 4);
    const double center_y = kHeight / 2.0 + Between(random, -6, 6);
    gdImageCopyRotated(canvas.get(), large.get(), center_x, center_y, 0, 0, width, height,
                       Between(random, -25, 25));
  }

  for (int line = 0; line < 4; ++line) {
    gdImageSetThickness(canvas.get(), Between(random, 1, 2));
    gdImageLine(canvas.get(), Between(random, 0, kWidth / 4), Between(random, 0, kHeight - 1),
                Between(random, kWidth * 3 / 4, kWidth - 1), Between(random, 0, kHeight - 1),
                gdTrueColor(Between(random, 60, 160), Between(random, 60, 160),
                            Between(random, 60, 160)));
  }
  gdImageSetThickness(canvas.get(), 1);
  for (int dot = 0; dot < 300; ++dot) {
    gdImageSetPixel(canvas.get(), Between(random, 0, kWidth - 1), Between(random, 0, kHeight - 1),
                    gdTrueColor(Between(random, 80, 200), Between(random, 80, 200),
                                Between(random, 80, 200)));
  }

  // Noise compresses badly whatever the effort: the fastest zlib level costs a
  // fraction of the default's CPU for a file a few kilobytes larger.
  constexpr int kPngCompressionLevel = 1;
  int size = 0;
  void* png = gdImagePngPtrEx(canvas.get(), &size, kPngCompressionLevel);
  if (png == nullptr) {
    return absl::InternalError("cannot encode the captcha PNG");
  }
  std::string bytes(static_cast<const char*>(png), static_cast<std::size_t>(size));
  gdFree(png);
  return bytes;
}

}  // namespace moderation::captcha
