#include "service/auth/token_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "service/audit/audit_entry.h"
#include "tests/support/fake_random.h"

namespace moderation::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// SHA-256("abc"), FIPS 180-2 appendix B.1.
constexpr char kAbcSha256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TokenEntry Entry(std::string name, std::string role, std::string sha256_hex) {
  return {.name = std::move(name),
          .role = std::move(role),
          .sha256_hex = std::move(sha256_hex),
          .origin = "test"};
}

TEST(TokenTableTest, HashesTokensWithSha256) { EXPECT_EQ(TokenSha256Hex("abc"), kAbcSha256); }

TEST(TokenTableTest, NewTokensAre32RandomBytesInBase64Url) {
  testing::FakeRandom random;
  const std::string first = NewToken(random);
  const std::string second = NewToken(random);
  EXPECT_EQ(first.size(), 43u);  // 32 bytes, no padding
  EXPECT_NE(first, second);
  for (char c : first) {
    EXPECT_TRUE(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
  }
}

TEST(TokenTableTest, FindsThePrincipalOfAToken) {
  absl::StatusOr<TokenTable> table =
      TokenTable::Create({Entry("portal", "portal", TokenSha256Hex("p-token")),
                          Entry("lan", "moderator", TokenSha256Hex("l-token")),
                          Entry("mai", "admin", TokenSha256Hex("m-token"))});
  ASSERT_TRUE(table.ok()) << table.status();
  std::optional<Principal> lan = table->Find("l-token");
  ASSERT_TRUE(lan.has_value());
  EXPECT_EQ(lan->name, "lan");
  EXPECT_EQ(lan->role, Role::kModerator);
  EXPECT_EQ(table->Find("m-token")->role, Role::kAdmin);
  EXPECT_EQ(table->Find("p-token")->name, "portal");
  EXPECT_FALSE(table->Find("nobody").has_value());
  EXPECT_FALSE(table->Find("").has_value());
  // The hash, not the token: a configured hash used as a token is unknown.
  EXPECT_FALSE(table->Find(TokenSha256Hex("l-token")).has_value());
}

TEST(TokenTableTest, AcceptsUpperCaseHex) {
  std::string upper = TokenSha256Hex("abc");
  for (char& c : upper) {
    c = absl::ascii_toupper(static_cast<unsigned char>(c));
  }
  absl::StatusOr<TokenTable> table = TokenTable::Create({Entry("lan", "moderator", upper)});
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->Find("abc")->name, "lan");
}

// Counts comparisons and checks each is between two 32-byte digests.
int comparisons = 0;
bool CountingEquals(absl::string_view a, absl::string_view b) {
  ++comparisons;
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(b.size(), 32u);
  return a == b;
}

TEST(TokenTableTest, ComparesWithEveryEntryWhereverTheMatchIs) {
  std::vector<TokenEntry> entries;
  for (int i = 0; i < 5; ++i) {
    const std::string name = absl::StrCat("m", i);
    entries.push_back(Entry(name, "moderator", TokenSha256Hex(absl::StrCat("token-", i))));
  }
  absl::StatusOr<TokenTable> table = TokenTable::Create(entries, &CountingEquals);
  ASSERT_TRUE(table.ok()) << table.status();
  for (const char* token : {"token-0", "token-2", "token-4", "no-such-token"}) {
    comparisons = 0;
    (void)table->Find(token);
    EXPECT_EQ(comparisons, 5) << token;
  }
  comparisons = 0;
  EXPECT_EQ(table->Find("token-0")->name, "m0");
  EXPECT_EQ(table->Find("token-4")->name, "m4");
}

TEST(TokenTableTest, DefaultComparisonFindsFirstAndLastEntries) {
  absl::StatusOr<TokenTable> table = TokenTable::Create(
      {Entry("a", "moderator", TokenSha256Hex("ta")), Entry("b", "admin", TokenSha256Hex("tb"))});
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->Find("ta")->name, "a");
  EXPECT_EQ(table->Find("tb")->name, "b");
  EXPECT_EQ(table->size(), 2u);
}

TEST(TokenTableTest, RefusesBadEntriesNamingWhere) {
  const std::string hash = TokenSha256Hex("t");
  struct Case {
    TokenEntry entry;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {Entry("", "moderator", hash), "token name must be"},
           {Entry("lan nguyen", "moderator", hash), "token name must be"},
           {Entry(std::string(65, 'a'), "moderator", hash), "token name must be"},
           {Entry("lan", "Moderator", hash), "role must be portal, moderator or admin"},
           {Entry("lan", "root", hash), "role must be portal, moderator or admin"},
           {Entry("lan", "moderator", hash.substr(2)), "64 hex digits"},
           {Entry("lan", "moderator", "zz" + hash.substr(2)), "64 hex digits"},
           {Entry("lan", "moderator", "s6PP_WmurBejP6dKSeLF08T_Um_SgEPoyzUMxGSjZyw"),
            "not the token itself"},
       }) {
    absl::StatusOr<TokenTable> table = TokenTable::Create({c.entry});
    ASSERT_FALSE(table.ok()) << c.entry.name << " " << c.entry.role;
    EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(table.status().message(), HasSubstr(c.message));
    EXPECT_THAT(table.status().message(), HasSubstr("test"));
  }
}

TEST(TokenTableTest, NoTokenCanBeNamedAsRetention) {
  // Retention's audit entries carry this actor: a person must never have it.
  EXPECT_FALSE(IsValidPrincipalName(audit::kRetentionActor));
  EXPECT_FALSE(
      TokenTable::Create({Entry(std::string(audit::kRetentionActor), "admin", kAbcSha256)}).ok());
  // Nor can a tokens file name it: ':' separates its fields.
  absl::StatusOr<std::vector<TokenEntry>> lines =
      ParseTokenLines(absl::StrCat(audit::kRetentionActor, ":admin:", kAbcSha256), "tokens");
  EXPECT_TRUE(!lines.ok() || !TokenTable::Create(*lines).ok());
}

TEST(TokenTableTest, RefusesTheSameHashTwice) {
  absl::StatusOr<TokenTable> table = TokenTable::Create(
      {Entry("lan", "moderator", TokenSha256Hex("t")), Entry("mai", "admin", TokenSha256Hex("t"))});
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(table.status().message(), HasSubstr("same hash as token lan"));
}

TEST(TokenTableTest, ParsesTokenLines) {
  absl::StatusOr<std::vector<TokenEntry>> entries =
      ParseTokenLines("# moderators\n\nlan:moderator:" + std::string(kAbcSha256) +
                          "\n  portal : portal : " + std::string(kAbcSha256) + "  \r\n",
                      "/run/secrets/tokens");
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].name, "lan");
  EXPECT_EQ((*entries)[0].role, "moderator");
  EXPECT_EQ((*entries)[0].sha256_hex, kAbcSha256);
  EXPECT_EQ((*entries)[0].origin, "/run/secrets/tokens:3");
  EXPECT_EQ((*entries)[1].name, "portal");
  EXPECT_EQ((*entries)[1].sha256_hex, kAbcSha256);
}

TEST(TokenTableTest, BadTokenLineNamesTheLineButNotItsText) {
  absl::StatusOr<std::vector<TokenEntry>> entries =
      ParseTokenLines("lan:moderator:abc\nsecret-token-pasted-here\n", "tokens.txt");
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(entries.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(entries.status().message(), HasSubstr("tokens.txt:2"));
  EXPECT_THAT(entries.status().message(), Not(HasSubstr("secret-token")));
}

TEST(TokenTableTest, RoleNamesRoundTrip) {
  for (Role role : {Role::kPortal, Role::kModerator, Role::kAdmin}) {
    EXPECT_EQ(ParseRole(RoleName(role)), role);
  }
  EXPECT_FALSE(ParseRole("").has_value());
  EXPECT_FALSE(ParseRole("ADMIN").has_value());
}

}  // namespace
}  // namespace moderation::auth
