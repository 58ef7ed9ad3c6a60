#include "service/captcha/gd_captcha_renderer.h"

#include <gtest/gtest.h>

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

TEST(GdCaptchaRendererTest, DrawsAPngOfTheExpectedSize) {
  testing::FakeRandom random;
  GdCaptchaRenderer renderer;
  absl::StatusOr<std::string> png = renderer.RenderPng("KX7HA", random);
  ASSERT_TRUE(png.ok()) << png.status();
  ASSERT_GT(png->size(), 24u);
  EXPECT_EQ(png->substr(0, 8), "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(png->substr(12, 4), "IHDR");
  EXPECT_EQ(BigEndian32(*png, 16), 200u);
  EXPECT_EQ(BigEndian32(*png, 20), 70u);
}

TEST(GdCaptchaRendererTest, DifferentCodesGiveDifferentImages) {
  testing::FakeRandom first_random(7);
  testing::FakeRandom second_random(7);
  GdCaptchaRenderer renderer;
  EXPECT_NE(*renderer.RenderPng("KX7HA", first_random), *renderer.RenderPng("MNP34", second_random));
}

}  // namespace
}  // namespace moderation::captcha
