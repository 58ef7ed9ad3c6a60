#include "service/captcha/freetype_captcha_renderer.h"

#include <gd.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numbers>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "service/captcha/distortion_random.h"

namespace moderation::captcha {
namespace {

constexpr int kWidth = FreeTypeCaptchaRenderer::kWidth;
constexpr int kHeight = FreeTypeCaptchaRenderer::kHeight;
constexpr std::size_t kMaxCodeLength = 8;
constexpr double kTwoPi = 2 * std::numbers::pi;

// Glyphs are rasterised once at this size, larger than any they are drawn at,
// so that drawing only ever shrinks them.
constexpr double kReferencePoints = 48.0;
// Glyph size in points for codes of up to kFullSizeLength characters; longer
// codes shrink to fit the width.
constexpr double kGlyphPoints = 34.0;
constexpr double kFullSizeLength = 5.0;

// The palette: kTextBands ink colours across the width, each with kLevels
// shades of coverage over the paper, so that the image fits in 8 bits and no
// colour quantisation runs per image. The crossing curve takes the ink of the
// band it crosses, like the glyphs: no palette index or hue tells the two
// apart (a model trained on the public generator peeled the curve off by
// either, measured at 99.7 %).
constexpr int kTextBands = 3;
constexpr int kLevels = 64;
static_assert(kTextBands * kLevels <= 256);

// Noise compresses badly whatever the effort: the fastest zlib level costs a
// fraction of the default's CPU for a file a little larger.
constexpr int kPngCompressionLevel = 1;

struct ImageDeleter {
  void operator()(gdImage* image) const { gdImageDestroy(image); }
};
using Image = std::unique_ptr<gdImage, ImageDeleter>;

// Ink coverage in [0, 1] per pixel, row-major, kWidth × kHeight.
using Coverage = std::vector<float>;

// The planes an image is drawn on. Each thread keeps its own between calls:
// allocating and releasing them every time costs page faults worth a tenth of
// the drawing.
struct Planes {
  Coverage upright;
  Coverage text;
  Coverage line;
  Coverage cut;
};

Planes& BlankPlanes() {
  thread_local Planes planes;
  for (Coverage* plane : {&planes.upright, &planes.text, &planes.line, &planes.cut}) {
    plane->assign(static_cast<std::size_t>(kWidth) * kHeight, 0.0F);
  }
  return planes;
}

float& At(Coverage& coverage, int x, int y) {
  const int index = y * kWidth + x;
  return coverage[static_cast<std::size_t>(index)];
}

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

// Adds an anti-aliased disc of ink (the union of strokes, not their sum).
void StampDisc(Coverage& coverage, double center_x, double center_y, double radius, float ink) {
  const int x0 = std::max(0, static_cast<int>(std::floor(center_x - radius - 1)));
  const int x1 = std::min(kWidth - 1, static_cast<int>(std::ceil(center_x + radius + 1)));
  const int y0 = std::max(0, static_cast<int>(std::floor(center_y - radius - 1)));
  const int y1 = std::min(kHeight - 1, static_cast<int>(std::ceil(center_y + radius + 1)));
  const double solid = std::max(0.0, radius - 0.5);
  const double solid_squared = solid * solid;
  const double outside_squared = (radius + 0.5) * (radius + 0.5);
  for (int y = y0; y <= y1; ++y) {
    const double dy = y - center_y;
    for (int x = x0; x <= x1; ++x) {
      const double dx = x - center_x;
      const double squared = dx * dx + dy * dy;
      if (squared >= outside_squared) {
        continue;
      }
      const double edge = squared <= solid_squared ? 1.0 : radius + 0.5 - std::sqrt(squared);
      float& pixel = At(coverage, x, y);
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
void DrawCurve(Coverage& coverage, DistortionRandom& dice, double thinnest, double thickest) {
  const std::array<Point, 4> control = {{
      {dice.Real(-10, 15), dice.Real(18, kHeight - 18)},
      {dice.Real(40, 90), dice.Real(0, kHeight)},
      {dice.Real(110, 160), dice.Real(0, kHeight)},
      {dice.Real(kWidth - 15, kWidth + 10), dice.Real(18, kHeight - 18)},
  }};
  const double swells = dice.Real(1.5, 3.5);
  const double phase = dice.Real(0, kTwoPi);
  // About one stamp per pixel of length: enough for a smooth edge.
  constexpr int kSteps = 240;
  for (int step = 0; step <= kSteps; ++step) {
    const double t = static_cast<double>(step) / kSteps;
    const Point p = Bezier(control, t);
    const double swell = 0.5 + 0.5 * std::sin(kTwoPi * swells * t + phase);
    StampDisc(coverage, p.x, p.y, (thinnest + (thickest - thinnest) * swell) / 2, 1.0F);
  }
}

// Bilinear sample of a row-major plane of `width` × `height`, 0 outside.
template <typename T>
float Sample(const T* plane, int width, int height, float x, float y) {
  const float floor_x = std::floor(x);
  const float floor_y = std::floor(y);
  const int left = static_cast<int>(floor_x);
  const int top = static_cast<int>(floor_y);
  if (left < -1 || top < -1 || left >= width || top >= height) {
    return 0.0F;
  }
  const float fx = x - floor_x;
  const float fy = y - floor_y;
  float a = 0;
  float b = 0;
  float c = 0;
  float d = 0;
  if (left >= 0 && top >= 0 && left + 1 < width && top + 1 < height) {
    // Away from the edges (nearly always): four reads, no checks.
    const T* p = plane + static_cast<std::ptrdiff_t>(top) * width + left;
    a = static_cast<float>(p[0]);
    b = static_cast<float>(p[1]);
    c = static_cast<float>(p[width]);
    d = static_cast<float>(p[width + 1]);
  } else {
    auto at = [&](int sx, int sy) -> float {
      if (sx < 0 || sy < 0 || sx >= width || sy >= height) {
        return 0.0F;
      }
      return static_cast<float>(plane[static_cast<std::size_t>(sy * width + sx)]);
    };
    a = at(left, top);
    b = at(left + 1, top);
    c = at(left, top + 1);
    d = at(left + 1, top + 1);
  }
  return (a + (b - a) * fx) * (1 - fy) + (c + (d - c) * fx) * fy;
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

CaptchaStyle CaptchaStyleFor(absl::string_view secret) {
  // Each byte of the secret picks one factor within its range.
  const auto pick = [secret](std::size_t i, double low, double high) {
    const auto byte = static_cast<unsigned char>(secret.empty() ? 0 : secret[i % secret.size()]);
    return low + (high - low) * byte / 255.0;
  };
  return CaptchaStyle{.size = pick(0, 0.92, 1.06),
                      .spacing = pick(1, 0.93, 1.05),
                      .tilt = pick(2, 0.7, 1.3),
                      .bend = pick(3, 0.7, 1.3),
                      .ripple = pick(4, 0.7, 1.4),
                      .shear = pick(5, 0.4, 1.5)};
}

std::vector<std::string> StyledCaptchaFontSearchList(absl::string_view secret) {
  static constexpr std::array<const char*, 7> kFaces = {
      "DejaVuSans-Bold.ttf",           "DejaVuSans.ttf",
      "DejaVuSansCondensed-Bold.ttf",  "DejaVuSerif-Bold.ttf",
      "DejaVuSerifCondensed-Bold.ttf", "DejaVuSansMono-Bold.ttf",
      "DejaVuSans-BoldOblique.ttf"};
  const std::size_t pick =
      secret.size() > 6 ? static_cast<unsigned char>(secret[6]) % kFaces.size() : 0;
  std::vector<std::string> list = {absl::StrCat("/usr/share/fonts/truetype/dejavu/", kFaces[pick])};
  for (std::string& path : DefaultCaptchaFontSearchList()) {
    list.push_back(std::move(path));
  }
  return list;
}

absl::StatusOr<std::unique_ptr<FreeTypeCaptchaRenderer>> FreeTypeCaptchaRenderer::Create(
    const std::vector<std::string>& font_search_list, CaptchaStyle style) {
  // libgd's font cache must exist before two threads draw text at once.
  static std::once_flag cache_once;
  static int cache_status = 0;
  std::call_once(cache_once, [] { cache_status = gdFontCacheSetup(); });
  if (cache_status != 0) {
    return absl::InternalError("cannot set up libgd's FreeType font cache");
  }

  // Each glyph is drawn on a square of two ems with its origin at (em/2,
  // 3em/2), room for any Latin glyph, then cropped to its ink.
  constexpr int kEm = static_cast<int>(kReferencePoints * 96 / 72);
  constexpr int kScratch = 2 * kEm;
  std::vector<std::string> rejected;
  for (const std::string& path : font_search_list) {
    if (::access(path.c_str(), R_OK) != 0) {
      rejected.push_back(absl::StrCat(path, " (missing)"));
      continue;
    }
    GlyphMasks masks;
    const char* error = nullptr;
    for (char c = kFirstGlyph; c <= kLastGlyph && error == nullptr; ++c) {
      Image scratch(gdImageCreateTrueColor(kScratch, kScratch));
      if (!scratch) {
        return absl::ResourceExhaustedError("cannot allocate a glyph image");
      }
      char text[2] = {c, '\0'};
      int corners[8];
      error = gdImageStringFT(scratch.get(), corners, gdTrueColor(255, 255, 255),
                              const_cast<char*>(path.c_str()), kReferencePoints, 0.0, kEm / 2,
                              kEm * 3 / 2, text);
      int left = kScratch;
      int right = -1;
      int top = kScratch;
      int bottom = -1;
      for (int y = 0; y < kScratch; ++y) {
        for (int x = 0; x < kScratch; ++x) {
          if (gdTrueColorGetRed(scratch->tpixels[y][x]) != 0) {
            left = std::min(left, x);
            right = std::max(right, x);
            top = std::min(top, y);
            bottom = std::max(bottom, y);
          }
        }
      }
      GlyphMask& mask = masks[static_cast<std::size_t>(c - kFirstGlyph)];
      if (error != nullptr || right < left) {
        continue;
      }
      mask.width = right - left + 1;
      mask.height = bottom - top + 1;
      mask.coverage.reserve(static_cast<std::size_t>(mask.width) *
                            static_cast<std::size_t>(mask.height));
      for (int y = top; y <= bottom; ++y) {
        for (int x = left; x <= right; ++x) {
          mask.coverage.push_back(static_cast<uint8_t>(gdTrueColorGetRed(scratch->tpixels[y][x])));
        }
      }
    }
    if (error != nullptr) {
      rejected.push_back(absl::StrCat(path, " (", error, ")"));
      continue;
    }
    return std::unique_ptr<FreeTypeCaptchaRenderer>(
        new FreeTypeCaptchaRenderer(path, std::move(masks), style));
  }
  return absl::NotFoundError(absl::StrCat(
      "no usable TrueType font for the captcha (install Debian's fonts-dejavu-core); tried: ",
      rejected.empty() ? "nothing" : absl::StrJoin(rejected, ", ")));
}

FreeTypeCaptchaRenderer::FreeTypeCaptchaRenderer(std::string font_path, GlyphMasks masks,
                                                 CaptchaStyle style)
    : font_path_(std::move(font_path)), style_(style), masks_(std::move(masks)) {}

absl::StatusOr<std::string> FreeTypeCaptchaRenderer::RenderPng(absl::string_view code,
                                                               RandomSource& secure_random) const {
  if (code.empty() || code.size() > kMaxCodeLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("a captcha code has 1 to ", kMaxCodeLength, " characters"));
  }
  for (char c : code) {
    if (c < kFirstGlyph || c > kLastGlyph) {
      return absl::InvalidArgumentError("a captcha code is printable ASCII without spaces");
    }
    if (masks_[static_cast<std::size_t>(c - kFirstGlyph)].coverage.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the captcha font has no glyph for \"", std::string(1, c), "\""));
    }
  }
  DistortionRandom dice(secure_random);

  // 1. Lay the glyphs out: each with its own size and angle, neighbours
  //    touching, so that there is no clean gap to cut the line at.
  const std::size_t count = code.size();
  const double base_points =
      kGlyphPoints * std::min(1.0, kFullSizeLength / static_cast<double>(count));
  struct Placed {
    const GlyphMask* mask;
    double scale;
    double angle;
    double center_x;
    double center_y;
  };
  std::vector<Placed> glyphs(count);
  // Widths of the glyphs' turned boxes: neighbours are spaced by these, so
  // that a tilted glyph does not run into the next one.
  std::vector<double> widths(count);
  double span = 0;
  for (std::size_t i = 0; i < count; ++i) {
    Placed& glyph = glyphs[i];
    glyph.mask = &masks_[static_cast<std::size_t>(code[i] - kFirstGlyph)];
    glyph.scale = base_points * style_.size * dice.Real(0.88, 1.12) / kReferencePoints;
    glyph.angle = style_.tilt * dice.Real(0.05, 0.28) * dice.Sign();
    glyph.center_y = kHeight / 2.0 + dice.Real(-4, 4);
    widths[i] = (glyph.mask->width * std::abs(std::cos(glyph.angle)) +
                 glyph.mask->height * std::abs(std::sin(glyph.angle))) *
                glyph.scale;
    if (i > 0) {
      span += (widths[i - 1] + widths[i]) / 2 * style_.spacing * dice.Real(0.95, 1.04);
    }
    glyph.center_x = span;
  }
  // Shrink the line if it would not fit, then centre its ink (not the glyph
  // centres), so that no glyph leaves the image.
  constexpr double kUsableWidth = kWidth - 12;
  const double ink_width = span + (widths.front() + widths.back()) / 2;
  const double fit = std::min(1.0, kUsableWidth / ink_width);
  for (Placed& glyph : glyphs) {
    glyph.scale *= fit;
    glyph.center_x *= fit;
  }
  const double shift = (kWidth - ink_width * fit) / 2 + widths.front() * fit / 2 + dice.Real(-4, 4);

  // 2. Draw them, turned about their own centres: for every pixel of a
  //    glyph's turned box, read the upright glyph where that pixel comes from.
  Planes& planes = BlankPlanes();
  Coverage& upright = planes.upright;
  for (Placed& glyph : glyphs) {
    const GlyphMask& mask = *glyph.mask;
    glyph.center_x += shift;
    // Per output pixel, the upright glyph is read at (u, v) = R(-angle) ×
    // (pixel - centre) / scale + mask centre, stepped incrementally along rows.
    const auto cos_s = static_cast<float>(std::cos(glyph.angle) / glyph.scale);
    const auto sin_s = static_cast<float>(std::sin(glyph.angle) / glyph.scale);
    const double reach = std::hypot(mask.width, mask.height) * glyph.scale / 2 + 1;
    const int x0 = std::max(0, static_cast<int>(glyph.center_x - reach));
    const int x1 = std::min(kWidth - 1, static_cast<int>(glyph.center_x + reach));
    const int y0 = std::max(0, static_cast<int>(glyph.center_y - reach));
    const int y1 = std::min(kHeight - 1, static_cast<int>(glyph.center_y + reach));
    for (int y = y0; y <= y1; ++y) {
      const auto dy = static_cast<float>(y - glyph.center_y);
      const auto dx0 = static_cast<float>(x0 - glyph.center_x);
      float u = cos_s * dx0 + sin_s * dy + static_cast<float>(mask.width) / 2;
      float v = -sin_s * dx0 + cos_s * dy + static_cast<float>(mask.height) / 2;
      float* row = &At(upright, 0, y);
      for (int x = x0; x <= x1; ++x, u += cos_s, v -= sin_s) {
        const float ink = Sample(mask.coverage.data(), mask.width, mask.height, u, v);
        row[x] = std::max(row[x], ink * (1.0F / 255));
      }
    }
  }

  // 3. Bend the whole line: a slow wave moves the baseline, a faster one
  //    ripples the strokes, a shear and a wave lean the columns.
  std::array<float, kWidth> shift_y{};
  std::array<float, kHeight> shift_x{};
  {
    const double bend = style_.bend * dice.Real(4, 8);
    const double bend_length = dice.Real(140, 240);
    const double bend_phase = dice.Real(0, kTwoPi);
    const double ripple = style_.ripple * dice.Real(0.8, 1.5);
    const double ripple_length = dice.Real(28, 44);
    const double ripple_phase = dice.Real(0, kTwoPi);
    for (int x = 0; x < kWidth; ++x) {
      shift_y[x] = static_cast<float>(bend * std::sin(kTwoPi * x / bend_length + bend_phase) +
                                      ripple * std::sin(kTwoPi * x / ripple_length + ripple_phase));
    }
    const double shear = style_.shear * dice.Real(-0.15, 0.15);
    const double wave = style_.ripple * dice.Real(1.0, 2.5);
    const double wave_length = dice.Real(40, 70);
    const double wave_phase = dice.Real(0, kTwoPi);
    for (int y = 0; y < kHeight; ++y) {
      shift_x[y] = static_cast<float>(shear * (y - kHeight / 2.0) +
                                      wave * std::sin(kTwoPi * y / wave_length + wave_phase));
    }
  }
  Coverage& text = planes.text;
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      At(text, x, y) = Sample(upright.data(), kWidth, kHeight, static_cast<float>(x) + shift_x[y],
                              static_cast<float>(y) + shift_y[x]);
    }
  }

  // 4. A thinner curve of the same ink as the glyphs running through them.
  //    Speckles go to both layers.
  const double stroke = base_points * 0.16;
  Coverage& line = planes.line;
  DrawCurve(line, dice, stroke * 0.3, stroke * dice.Real(0.6, 0.8));
  for (int i = 0; i < 90; ++i) {
    StampDisc(i % 2 == 0 ? text : line, dice.Real(0, kWidth), dice.Real(0, kHeight),
              dice.Real(0.4, 1.3), static_cast<float>(dice.Real(0.5, 1.0)));
  }
  // 5. A curve that cuts: paper where it crosses ink, ink elsewhere. It splits
  //    glyphs into pieces that no filter joins back.
  Coverage& cut = planes.cut;
  DrawCurve(cut, dice, stroke * 0.25, stroke * dice.Real(0.4, 0.5));

  // 6. Colour through the palette: kTextBands inks across the width, for the
  //    glyphs and the curve alike, each in kLevels shades over the paper.
  Image canvas(gdImageCreate(kWidth, kHeight));
  if (!canvas) {
    return absl::ResourceExhaustedError("cannot allocate the captcha image");
  }
  const Rgb paper = {dice.Int(225, 250), dice.Int(225, 250), dice.Int(220, 245)};
  const double luma = dice.Real(62, 80);
  std::array<Rgb, kTextBands> inks{};
  for (int band = 0; band < kTextBands; ++band) {
    inks[band] = WithLuma(dice.Real(0.25, 0.6), dice.Real(0.2, 0.45), 1.0, luma);
  }
  // Drawn as before, so that one seed gives the same glyphs and curves.
  (void)dice.Real(0.3, 0.55);
  (void)dice.Real(0.05, 0.2);
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
      const int next =
          band + 1 == kTextBands ? kWidth : (kWidth * (band + 1)) / kTextBands + dice.Int(-12, 12);
      for (int x = edge; x < next; ++x) {
        band_of[x] = band * kLevels;
      }
      edge = next;
    }
  }
  for (int y = 0; y < kHeight; ++y) {
    unsigned char* row = canvas->pixels[y];
    for (int x = 0; x < kWidth; ++x) {
      const float glyph_ink = At(text, x, y);
      const float line_ink = At(line, x, y);
      const float cut_ink = At(cut, x, y);
      float ink = std::max(glyph_ink, line_ink);
      ink = ink + cut_ink - 2 * ink * cut_ink;
      const float scaled = std::clamp(ink, 0.0F, 1.0F) * (kLevels - 1);
      // Not negative: adding a half and truncating rounds.
      const int level = static_cast<int>(scaled + 0.5F);  // NOLINT(bugprone-incorrect-roundings)
      row[x] = static_cast<unsigned char>(band_of[x] + level);
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
