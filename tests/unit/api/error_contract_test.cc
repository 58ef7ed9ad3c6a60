// The error contract has one source, proto/moderation/v1/errors.proto: every
// reason code the server's code can send is declared there, and docs/errors.md
// lists exactly the declared codes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

namespace moderation {
namespace {

using ::testing::IsSupersetOf;

std::string ReadSource(const std::filesystem::path& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

std::set<std::string> Matches(const std::string& text, const std::regex& pattern) {
  std::set<std::string> found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    found.insert((*it)[1].str());
  }
  return found;
}

// Declared codes: the enum values of errors.proto without their prefix.
std::set<std::string> Declared(const std::string& prefix) {
  const std::string proto =
      ReadSource(std::filesystem::path(MODERATION_SOURCE_DIR) / "proto/moderation/v1/errors.proto");
  std::set<std::string> declared =
      Matches(proto, std::regex("\\b" + prefix + "_([A-Z0-9_]+) = [0-9]+;"));
  declared.erase("UNSPECIFIED");
  return declared;
}

struct SentCodes {
  std::set<std::string> errors;
  std::set<std::string> fields;
  std::set<std::string> refusals;
};

// What the server's code can send, read from its sources: reasons given to
// ErrorWithReason(Code) or set on the detail, the second element of every field
// violation ({field, "REASON", message}), and the content rules' refusals.
SentCodes SentByTheCode() {
  const std::regex error_reason(R"re(ErrorWithReason(?:Code)?\(\s*[^,]+,\s*"([A-Z0-9_]+)")re");
  const std::regex detail_reason(R"re(set_reason\("([A-Z0-9_]+)"\))re");
  const std::regex field_reason(
      R"re((?:\{|CaptchaError\()\s*(?:std::string\(\w+\)|"[a-z_.]+")\s*,\s*"([A-Z][A-Z0-9_]+)")re");
  const std::regex refusal(R"re("([A-Z]+(?:_[A-Z]+)*)")re");
  SentCodes sent;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           std::filesystem::path(MODERATION_SOURCE_DIR) / "service")) {
    const std::filesystem::path& path = entry.path();
    if (path.extension() != ".cc" && path.extension() != ".h") {
      continue;
    }
    const std::string text = ReadSource(path);
    sent.errors.merge(Matches(text, error_reason));
    sent.errors.merge(Matches(text, detail_reason));
    sent.fields.merge(Matches(text, field_reason));
    if (path.filename() == "spam_scorer.cc" || path.filename() == "submission_pipeline.h") {
      sent.refusals.merge(Matches(text, refusal));
    }
  }
  return sent;
}

// Codes in the first column of the tables of docs/errors.md.
std::set<std::string> Documented() {
  const std::string docs =
      ReadSource(std::filesystem::path(MODERATION_SOURCE_DIR) / "docs/errors.md");
  return Matches(docs, std::regex(R"re(\n\| `([A-Z0-9_]+)` \|)re"));
}

TEST(ErrorContractTest, EveryReasonTheServerSendsIsDeclaredInTheProto) {
  const SentCodes sent = SentByTheCode();
  // The patterns still find the codes they were written for.
  ASSERT_THAT(sent.errors, IsSupersetOf({"MALFORMED_REQUEST", "RATE_LIMITED", "INTERNAL_ERROR",
                                         "STORAGE_UNAVAILABLE"}));
  ASSERT_THAT(sent.fields, IsSupersetOf({"REQUIRED", "CAPTCHA_WRONG", "ONE_TARGET_REQUIRED",
                                         "INVALID_VALUE", "TOO_MANY_COMBINING_MARKS"}));
  ASSERT_THAT(sent.refusals, IsSupersetOf({"BANNED", "SPAM_SUSPECTED"}));
  EXPECT_THAT(Declared("ERROR_REASON"), IsSupersetOf(sent.errors));
  EXPECT_THAT(Declared("FIELD_REASON"), IsSupersetOf(sent.fields));
  EXPECT_THAT(Declared("REFUSAL_REASON"), IsSupersetOf(sent.refusals));
}

TEST(ErrorContractTest, TheDocsListExactlyTheDeclaredReasons) {
  std::set<std::string> declared = Declared("ERROR_REASON");
  declared.merge(Declared("FIELD_REASON"));
  declared.merge(Declared("REFUSAL_REASON"));
  EXPECT_EQ(Documented(), declared);
}

}  // namespace
}  // namespace moderation
