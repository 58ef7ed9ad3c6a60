#include "service/storage/redis/script_plan.h"

#include <gtest/gtest.h>

#include <string>

namespace moderation::redis {
namespace {

TEST(ScriptPlanTest, WritesNestedObjectsAndArraysWithCommasOnlyBetween) {
  ScriptPlan plan;
  plan.Object();
  plan.Key("a").Int(-12);
  plan.Key("b").Array().Bool(true).Bool(false).Object().End().Array().End().End();
  plan.Key("c").Strings({"x", "y"});
  plan.Key("d").Object().Key("e").String("f").End();
  plan.End();
  EXPECT_EQ(std::move(plan).Take(),
            R"({"a":-12,"b":[true,false,{},[]],"c":["x","y"],"d":{"e":"f"}})");
}

TEST(ScriptPlanTest, EscapesQuotesBackslashesAndControlBytesAndKeepsTheRest) {
  static constexpr char kText[] = "\"\\\n\x01\x1f tiếng Việt \xff";
  ScriptPlan plan;
  plan.String(std::string_view(kText, sizeof(kText) - 1));
  // Bytes from 0x20 up, UTF-8 or not, travel as they are: cjson takes them.
  EXPECT_EQ(std::move(plan).Take(), "\"\\\"\\\\\\u000a\\u0001\\u001f tiếng Việt \xff\"");
}

}  // namespace
}  // namespace moderation::redis
