#include "service/captcha/freetype_captcha_renderer.h"

#include <gd.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <numbers>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace moderation::captcha {
namespace {

constexpr int kWidth = FreeTypeCaptchaRenderer::kWidth;
constexpr int kHeight = FreeTypeCaptchaRenderer::kHeight;
constexpr int kPixels = kWidth * kHeight;

// Glyph boxes are measured once at this size and scaled: measuring every glyph
// of every image would double the FreeType work.
constexpr double kReferencePoints = 100.0;
constexpr std::size_t kMaxCodeLength = 8;

// The palette: kTextBands ink colours for the glyphs and one for the crossing
// curve, each with kLevels shades of coverage over the paper, so that the image
// fits in 8 bits and no colour quantisation runs per image.
constexpr int kTextBands = 3;
constexpr int kLevels = 64;
static_assert((kTextBands + 1) * kLevels <= 256);

// Noise compresses badly whatever the effort: the fastest zlib level costs a
// fraction of the default's CPU for a file a little larger.
constexpr int kPngCompressionLevel = 1;

struct ImageDeleter {
  void operator()(gdImage* image) const { gdImageDestroy(image); }
};
using Image = std::unique_ptr<gdImage, ImageDeleter>;

// Distortions need variety, not secrecy: a fast generator seeded from the
// secure source is enough (the code itself comes from the secure source).
class Dice {
 public:
  explicit Dice(RandomSource& secure_random) {
    const std::string bytes = secure_random.Bytes(8);
    std::array<uint32_t, 2> words{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      words[i / 4] = (words[i / 4] << 8) | static_cast<unsigned char>(bytes[i]);
    }
    std::seed_seq seed(words.begin(), words.end());
    engine_.seed(seed);
  }

  double Real(double low, double high) {
    return std::uniform_real_distribution<double>(low, high)(engine_);
  }
  int Int(int low, int high) { return std::uniform_int_distribution<int>(low, high)(engine_); }
  bool Coin() { return Int(0, 1) == 1; }
  double Sign() { return Coin() ? 1.0 : -1.0; }

 private:
  std::mt19937 engine_;
};

struct Rgb {
  int r = 0;
  int g = 0;
  int b = 0;
};

// Scales a hue to the given luma (Rec. 601, what grey conversion in OCR
// pipelines computes), so that inks of different hues turn into one grey.
Rgb WithLuma(double r, double g, double b, double luma) {
  const double scale = luma / (0.299 * r + 0.587 * g + 0.114 * b);
  auto channel = [scale](double value) {
    return std::clamp(static_cast<int>(std::lround(value * scale)), 0, 255);
  };
  return {channel(r), channel(g), channel(b)};
}

// Ink coverage in [0, 1] per pixel, row-major.
using Coverage = std::array<float, kPixels>;

// Adds an anti-aliased disc of ink (the union of strokes, not their sum).
void StampDisc(Coverage& coverage, double center_x, double center_y, double radius, float ink) {
  const int x0 = std::max(0, static_cast<int>(std::floor(center_x - radius - 1)));
  const int x1 = std::min(kWidth - 1, static_cast<int>(std::ceil(center_x + radius + 1)));
  const int y0 = std::max(0, static_cast<int>(std::floor(center_y - radius - 1)));
  const int y1 = std::min(kHeight - 1, static_cast<int>(std::ceil(center_y + radius + 1)));
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      const double distance = std::hypot(x - center_x, y - center_y);
      const double edge = std::clamp(radius + 0.5 - distance, 0.0, 1.0);
      float& pixel = coverage[static_cast<std::size_t>(y * kWidth + x)];
      pixel = std::max(pixel, static_cast<float>(edge) * ink);
    }
  }
}

struct Point {
  double x = 0;
  double y = 0;
};

Point Bezier(const std::array<Point, 4>& p, double t) {
  const double u = 1 - t;
  const double a = u * u * u;
  const double b = 3 * u * u * t;
  const double c = 3 * u * t * t;
  const double d = t * t * t;
  return {a * p[0].x + b * p[1].x + c * p[2].x + d * p[3].x,
          a * p[0].y + b * p[1].y + c * p[2].y + d * p[3].y};
}

// A curve from the left edge to the right one that wanders through the text
// band, so that it touches most glyphs. Its width swells and thins between
// `thinnest` and `thickest` along the way: no single filter width removes the
// curve and keeps the glyphs.
void DrawCurve(Coverage& coverage, Dice& dice, double thinnest, double thickest) {
  const std::array<Point, 4> control = {{
      {dice.Real(-10, 15), dice.Real(18, kHeight - 18)},
      {dice.Real(40, 90), dice.Real(0, kHeight)},
      {dice.Real(110, 160), dice.Real(0, kHeight)},
      {dice.Real(kWidth - 15, kWidth + 10), dice.Real(18, kHeight - 18)},
  }};
  const double swells = dice.Real(1.5, 3.5);
  const double phase = dice.Real(0, 2 * std::numbers::pi);
  constexpr int kSteps = 320;
  for (int step = 0; step <= kSteps; ++step) {
    const double t = static_cast<double>(step) / kSteps;
    const Point p = Bezier(control, t);
    const double swell = 0.5 + 0.5 * std::sin(2 * std::numbers::pi * swells * t + phase);
    StampDisc(coverage, p.x, p.y, (thinnest + (thickest - thinnest) * swell) / 2, 1.0F);
  }
}

}  // namespace

std::vector<std::string> DefaultCaptchaFontSearchList() {
  return {
      "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
      "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
      "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
      "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
  };
}

absl::StatusOr<std::unique_ptr<FreeTypeCaptchaRenderer>> FreeTypeCaptchaRenderer::Create(
    const std::vector<std::string>& font_search_list) {
  // libgd's font cache must exist before two threads draw text at once.
  static std::once_flag cache_once;
  static int cache_status = 0;
  std::call_once(cache_once, [] { cache_status = gdFontCacheSetup(); });
  if (cache_status != 0) {
    return absl::InternalError("cannot set up libgd's FreeType font cache");
  }

  std::vector<std::string> rejected;
  for (const std::string& path : font_search_list) {
    if (::access(path.c_str(), R_OK) != 0) {
      rejected.push_back(absl::StrCat(path, " (missing)"));
      continue;
    }
    std::array<GlyphBox, 128> boxes{};
    const char* error = nullptr;
    for (std::size_t c = 0x21; c < 0x7f && error == nullptr; ++c) {
      int corners[8] = {};
      char text[2] = {static_cast<char>(c), '\0'};
      error = gdImageStringFT(nullptr, corners, 0, const_cast<char*>(path.c_str()),
                              kReferencePoints, 0.0, 0, 0, text);
      // Corners: lower left, lower right, upper right, upper left.
      boxes[c] = {.left = static_cast<double>(corners[0]),
                  .right = static_cast<double>(corners[2]),
                  .top = static_cast<double>(corners[5]),
                  .bottom = static_cast<double>(corners[1])};
    }
    if (error != nullptr) {
      rejected.push_back(absl::StrCat(path, " (", error, ")"));
      continue;
    }
    return std::unique_ptr<FreeTypeCaptchaRenderer>(
        new FreeTypeCaptchaRenderer(path, boxes));
  }
  return absl::NotFoundError(absl::StrCat(
      "no usable TrueType font for the captcha (install Debian's fonts-dejavu-core); tried: ",
      rejected.empty() ? "nothing" : absl::StrJoin(rejected, ", ")));
}

FreeTypeCaptchaRenderer::FreeTypeCaptchaRenderer(std::string font_path,
                                                 std::array<GlyphBox, 128> boxes)
    : font_path_(std::move(font_path)), boxes_(boxes) {}

absl::StatusOr<std::string> FreeTypeCaptchaRenderer::RenderPng(absl::string_view code,
                                                               RandomSource& secure_random) const {
  if (code.empty() || code.size() > kMaxCodeLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("a captcha code has 1 to ", kMaxCodeLength, " characters"));
  }
  for (char c : code) {
    if (c <= 0x20 || c >= 0x7f) {
      return absl::InvalidArgumentError("a captcha code is printable ASCII");
    }
  }
  Dice dice(secure_random);

  // 1. The glyphs, white on black: the red channel is the ink coverage.
  Image text(gdImageCreateTrueColor(kWidth, kHeight));
  if (!text) {
    return absl::ResourceExhaustedError("cannot allocate the captcha image");
  }
  const std::size_t count = code.size();
  // Shrink long codes so that they still fit the width.
  const double base_points = std::min(34.0, 175.0 / (0.78 * static_cast<double>(count)));
  struct Placed {
    double points;
    double angle;
    double width;
    double center;
  };
  std::vector<Placed> glyphs(count);
  double span = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const GlyphBox& box = boxes_[static_cast<unsigned char>(code[i])];
    Placed& glyph = glyphs[i];
    glyph.points = base_points * dice.Real(0.88, 1.12);
    glyph.angle = dice.Real(0.05, 0.28) * dice.Sign();
    glyph.width = (box.right - box.left) * glyph.points / kReferencePoints;
    if (i > 0) {
      // Neighbours overlap: no clean gap to cut the line at.
      span += (glyphs[i - 1].width + glyph.width) / 2 * dice.Real(0.97, 1.07);
    }
    glyph.center = span;
  }
  // Centre the ink, not the glyph centres, so that no glyph leaves the image.
  const double ink_width = span + (glyphs.front().width + glyphs.back().width) / 2;
  const double start = (kWidth - ink_width) / 2 + glyphs.front().width / 2 + dice.Real(-4, 4);
  for (std::size_t i = 0; i < count; ++i) {
    const unsigned char c = static_cast<unsigned char>(code[i]);
    const GlyphBox& box = boxes_[c];
    const Placed& glyph = glyphs[i];
    const double scale = glyph.points / kReferencePoints;
    // gd turns the glyph about its origin on the baseline; place that origin
    // so that the glyph's own centre lands where the layout wants it.
    const double u = (box.left + box.right) / 2 * scale;
    const double h = -(box.top + box.bottom) / 2 * scale;
    const double cos_a = std::cos(glyph.angle);
    const double sin_a = std::sin(glyph.angle);
    const double target_x = start + glyph.center;
    const double target_y = kHeight / 2.0 + dice.Real(-4, 4);
    const int origin_x = static_cast<int>(std::lround(target_x - (u * cos_a - h * sin_a)));
    const int origin_y = static_cast<int>(std::lround(target_y - (-u * sin_a - h * cos_a)));
    char one[2] = {static_cast<char>(c), '\0'};
    int corners[8];
    const char* error =
        gdImageStringFT(text.get(), corners, gdTrueColor(255, 255, 255),
                        const_cast<char*>(font_path_.c_str()), glyph.points, glyph.angle,
                        origin_x, origin_y, one);
    if (error != nullptr) {
      return absl::InternalError(absl::StrCat("cannot draw a captcha glyph: ", error));
    }
  }

  // 2. Bend the whole line: a slow wave moves the baseline, a faster one
  //    ripples the strokes, and a shear leans the text.
  std::array<double, kWidth> shift_y{};
  std::array<double, kHeight> shift_x{};
  {
    constexpr double kTwoPi = 2 * std::numbers::pi;
    const double bend = dice.Real(4, 8);
    const double bend_length = dice.Real(140, 240);
    const double bend_phase = dice.Real(0, kTwoPi);
    const double ripple = dice.Real(0.8, 1.5);
    const double ripple_length = dice.Real(28, 44);
    const double ripple_phase = dice.Real(0, kTwoPi);
    for (int x = 0; x < kWidth; ++x) {
      shift_y[x] = bend * std::sin(kTwoPi * x / bend_length + bend_phase) +
                   ripple * std::sin(kTwoPi * x / ripple_length + ripple_phase);
    }
    const double shear = dice.Real(-0.15, 0.15);
    const double wave = dice.Real(1.0, 2.5);
    const double wave_length = dice.Real(40, 70);
    const double wave_phase = dice.Real(0, kTwoPi);
    for (int y = 0; y < kHeight; ++y) {
      shift_x[y] = shear * (y - kHeight / 2.0) +
                   wave * std::sin(kTwoPi * y / wave_length + wave_phase);
    }
  }
  Coverage coverage;
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      const double source_x = x + shift_x[y];
      const double source_y = y + shift_y[x];
      const int left = static_cast<int>(std::floor(source_x));
      const int top = static_cast<int>(std::floor(source_y));
      const double fx = source_x - left;
      const double fy = source_y - top;
      auto at = [&](int sx, int sy) -> double {
        if (sx < 0 || sy < 0 || sx >= kWidth || sy >= kHeight) {
          return 0.0;
        }
        return (text->tpixels[sy][sx] >> 16) & 0xff;
      };
      const double value = (at(left, top) * (1 - fx) + at(left + 1, top) * fx) * (1 - fy) +
                           (at(left, top + 1) * (1 - fx) + at(left + 1, top + 1) * fx) * fy;
      coverage[static_cast<std::size_t>(y * kWidth + x)] = static_cast<float>(value / 255.0);
    }
  }
  text.reset();

  // 3. A curve of ink in another hue but the same lightness: a person tells it
  //    from the glyphs by its colour, OCR (which reads lightness) sees one more
  //    stroke running through them. Speckles go to both layers.
  const double stroke = base_points * 0.16;
  Coverage line{};
  DrawCurve(line, dice, stroke * 0.3, stroke * dice.Real(0.6, 0.8));
  for (int i = 0; i < 90; ++i) {
    StampDisc(i % 2 == 0 ? coverage : line, dice.Real(0, kWidth), dice.Real(0, kHeight),
              dice.Real(0.4, 1.3), static_cast<float>(dice.Real(0.5, 1.0)));
  }
  // 4. A curve that cuts: paper where it crosses ink, ink elsewhere. It splits
  //    glyphs into pieces that no filter joins back.
  Coverage cut{};
  DrawCurve(cut, dice, stroke * 0.3, stroke * dice.Real(0.5, 0.6));

  // 5. Colour through the palette: kTextBands inks across the width for the
  //    glyphs, one more for the curve, each in kLevels shades over the paper.
  Image canvas(gdImageCreate(kWidth, kHeight));
  if (!canvas) {
    return absl::ResourceExhaustedError("cannot allocate the captcha image");
  }
  const Rgb paper = {dice.Int(225, 250), dice.Int(225, 250), dice.Int(220, 245)};
  const double luma = dice.Real(62, 80);
  std::array<Rgb, kTextBands + 1> inks{};
  for (int band = 0; band < kTextBands; ++band) {
    inks[band] = WithLuma(dice.Real(0.25, 0.6), dice.Real(0.2, 0.45), 1.0, luma);
  }
  inks[kTextBands] = WithLuma(1.0, dice.Real(0.3, 0.55), dice.Real(0.05, 0.2), luma);
  for (const Rgb& ink : inks) {
    for (int level = 0; level < kLevels; ++level) {
      const double a = static_cast<double>(level) / (kLevels - 1);
      auto mix = [a](int from, int to) {
        return static_cast<int>(std::lround(from + (to - from) * a));
      };
      gdImageColorAllocate(canvas.get(), mix(paper.r, ink.r), mix(paper.g, ink.g),
                           mix(paper.b, ink.b));
    }
  }
  std::array<int, kWidth> band_of{};
  {
    int edge = 0;
    for (int band = 0; band < kTextBands; ++band) {
      const int next = band + 1 == kTextBands
                           ? kWidth
                           : (kWidth * (band + 1)) / kTextBands + dice.Int(-12, 12);
      for (int x = edge; x < next; ++x) {
        band_of[x] = band * kLevels;
      }
      edge = next;
    }
  }
  constexpr int kLineBase = kTextBands * kLevels;
  for (int y = 0; y < kHeight; ++y) {
    unsigned char* row = canvas->pixels[y];
    const std::size_t offset = static_cast<std::size_t>(y * kWidth);
    for (int x = 0; x < kWidth; ++x) {
      const float glyph_ink = coverage[offset + x];
      const float line_ink = line[offset + x];
      const float cut_ink = cut[offset + x];
      float ink = std::max(glyph_ink, line_ink);
      ink = ink + cut_ink - 2 * ink * cut_ink;
      const int level = static_cast<int>(std::clamp(ink, 0.0F, 1.0F) * (kLevels - 1) + 0.5F);
      const int base = line_ink > glyph_ink ? kLineBase : band_of[x];
      row[x] = static_cast<unsigned char>(base + level);
    }
  }

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
