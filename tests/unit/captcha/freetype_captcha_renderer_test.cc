#include "service/captcha/freetype_captcha_renderer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gd.h"
#include "tests/support/fake_random.h"

namespace moderation::captcha {
namespace {

uint32_t BigEndian32(const std::string& bytes, std::size_t offset) {
  uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  }
  return value;
}

// One renderer for the suite: it rasterises the whole font when created.
const FreeTypeCaptchaRenderer& Renderer() {
  static const absl::StatusOr<std::unique_ptr<FreeTypeCaptchaRenderer>> renderer =
      FreeTypeCaptchaRenderer::Create();
  EXPECT_TRUE(renderer.ok()) << renderer.status();
  return **renderer;
}

TEST(FreeTypeCaptchaRendererTest, DrawsAPngOfTheExpectedSize) {
  testing::FakeRandom random;
  absl::StatusOr<std::string> png = Renderer().RenderPng("KX7HA", random);
  ASSERT_TRUE(png.ok()) << png.status();
  ASSERT_GT(png->size(), 33u);
  EXPECT_EQ(png->substr(0, 8), "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(png->substr(12, 4), "IHDR");
  EXPECT_EQ(BigEndian32(*png, 16), 200u);
  EXPECT_EQ(BigEndian32(*png, 20), 70u);
  EXPECT_EQ(png->substr(png->size() - 8, 4), "IEND");
}

// The crossing curve once had a palette range and a hue of its own (indexes
// 192-255), which let a model trained on the generator peel it off. Now every
// column is drawn from one ink's shades whatever crosses it, glyph or curve.
TEST(FreeTypeCaptchaRendererTest, NoPaletteIndexOrHueSetsTheCurveApart) {
  constexpr int kLevels = 64;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    testing::FakeRandom random(seed);
    absl::StatusOr<std::string> png = Renderer().RenderPng("KX7HA", random);
    ASSERT_TRUE(png.ok()) << png.status();
    gdImagePtr image = gdImageCreateFromPngPtr(static_cast<int>(png->size()), png->data());
    ASSERT_NE(image, nullptr);
    ASSERT_FALSE(gdImageTrueColor(image));
    std::set<int> inks_used;
    for (int x = 0; x < gdImageSX(image); ++x) {
      std::set<int> inks_in_column;
      for (int y = 0; y < gdImageSY(image); ++y) {
        const int index = gdImageGetPixel(image, x, y);
        if (index % kLevels > kLevels / 8) {  // inked, not paper
          inks_in_column.insert(index / kLevels);
        }
      }
      EXPECT_LE(inks_in_column.size(), 1U) << "seed " << seed << " column " << x;
      inks_used.insert(inks_in_column.begin(), inks_in_column.end());
    }
    // Three inks across the width, none beyond them.
    EXPECT_EQ(inks_used, (std::set<int>{0, 1, 2})) << "seed " << seed;
    gdImageDestroy(image);
  }
}

TEST(FreeTypeCaptchaRendererTest, EachDeploymentSecretDrawsItsOwnStyle) {
  const std::string secret_a(32, 'a');
  const std::string secret_b = "another deployment's secret bytes";
  const CaptchaStyle a = CaptchaStyleFor(secret_a);
  const CaptchaStyle b = CaptchaStyleFor(secret_b);
  EXPECT_NE(a.tilt, b.tilt);
  EXPECT_EQ(CaptchaStyleFor(secret_a).bend, a.bend);
  for (const CaptchaStyle& style : {a, b}) {
    EXPECT_GE(style.size, 0.92);
    EXPECT_LE(style.size, 1.06);
    EXPECT_GE(style.shear, 0.4);
    EXPECT_LE(style.shear, 1.5);
  }
  EXPECT_NE(StyledCaptchaFontSearchList(std::string(32, '\x01'))[0],
            StyledCaptchaFontSearchList(std::string(32, '\x02'))[0]);
  // The same code and randomness, drawn in two styles, differ.
  absl::StatusOr<std::unique_ptr<FreeTypeCaptchaRenderer>> styled =
      FreeTypeCaptchaRenderer::Create(DefaultCaptchaFontSearchList(), b);
  ASSERT_TRUE(styled.ok()) << styled.status();
  testing::FakeRandom first(11);
  testing::FakeRandom second(11);
  EXPECT_NE(*Renderer().RenderPng("KX7HA", first), *(*styled)->RenderPng("KX7HA", second));
}

TEST(FreeTypeCaptchaRendererTest, DifferentCodesGiveDifferentImages) {
  testing::FakeRandom first_random(7);
  testing::FakeRandom second_random(7);
  absl::StatusOr<std::string> first = Renderer().RenderPng("KX7HA", first_random);
  absl::StatusOr<std::string> second = Renderer().RenderPng("MNP34", second_random);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(*first, *second);
}

TEST(FreeTypeCaptchaRendererTest, TheSameCodeIsDrawnDifferentlyEachTime) {
  testing::FakeRandom random;
  absl::StatusOr<std::string> first = Renderer().RenderPng("KX7HA", random);
  absl::StatusOr<std::string> second = Renderer().RenderPng("KX7HA", random);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(*first, *second);
}

TEST(FreeTypeCaptchaRendererTest, TheSameRandomnessGivesTheSameImage) {
  testing::FakeRandom first_random(11);
  testing::FakeRandom second_random(11);
  EXPECT_EQ(*Renderer().RenderPng("ACDEF", first_random),
            *Renderer().RenderPng("ACDEF", second_random));
}

TEST(FreeTypeCaptchaRendererTest, DrawsEveryLengthUpToEight) {
  testing::FakeRandom random;
  for (const char* code : {"A", "AC", "ACDEFGHJ"}) {
    absl::StatusOr<std::string> png = Renderer().RenderPng(code, random);
    ASSERT_TRUE(png.ok()) << code << ": " << png.status();
    EXPECT_EQ(BigEndian32(*png, 16), 200u);
  }
}

TEST(FreeTypeCaptchaRendererTest, RefusesCodesItCannotDraw) {
  testing::FakeRandom random;
  for (const char* code : {"", "ACDEFGHJK", "AB CD", "\xc4\x90"}) {
    EXPECT_EQ(Renderer().RenderPng(code, random).status().code(),
              absl::StatusCode::kInvalidArgument)
        << code;
  }
}

TEST(FreeTypeCaptchaRendererTest, AMissingFontIsAClearError) {
  absl::StatusOr<std::unique_ptr<FreeTypeCaptchaRenderer>> renderer =
      FreeTypeCaptchaRenderer::Create({"/nonexistent/captcha-font.ttf"});
  ASSERT_EQ(renderer.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(renderer.status().message().find("/nonexistent/captcha-font.ttf (missing)"),
            std::string::npos)
      << renderer.status();
  EXPECT_NE(renderer.status().message().find("fonts-dejavu-core"), std::string::npos)
      << renderer.status();
}

TEST(FreeTypeCaptchaRendererTest, AFileThatIsNotAFontIsAClearError) {
  const std::string path = ::testing::TempDir() + "/not-a-font.ttf";
  std::ofstream(path) << "this is not a TrueType font";
  absl::StatusOr<std::unique_ptr<FreeTypeCaptchaRenderer>> renderer =
      FreeTypeCaptchaRenderer::Create({path});
  ASSERT_EQ(renderer.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(renderer.status().message().find(path), std::string::npos) << renderer.status();
}

TEST(FreeTypeCaptchaRendererTest, AnEmptySearchListIsAClearError) {
  EXPECT_EQ(FreeTypeCaptchaRenderer::Create(std::vector<std::string>{}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(FreeTypeCaptchaRendererTest, UsesTheFirstFontThatLoads) {
  const std::vector<std::string> defaults = DefaultCaptchaFontSearchList();
  ASSERT_FALSE(defaults.empty());
  std::vector<std::string> search_list = {"/nonexistent/captcha-font.ttf"};
  search_list.insert(search_list.end(), defaults.begin(), defaults.end());
  absl::StatusOr<std::unique_ptr<FreeTypeCaptchaRenderer>> renderer =
      FreeTypeCaptchaRenderer::Create(search_list);
  ASSERT_TRUE(renderer.ok()) << renderer.status();
  EXPECT_EQ((*renderer)->font_path(), Renderer().font_path());
}

}  // namespace
}  // namespace moderation::captcha
