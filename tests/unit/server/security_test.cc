#include "service/server/security.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/str_split.h"
#include "service/auth/token_table.h"
#include "service/server/new_token.h"
#include "tests/support/fake_random.h"
#include "tests/support/process.h"
#include "tests/support/test_pki.h"

namespace moderation::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

config::ServerConfig Listening(const std::string& address) {
  config::ServerConfig config;
  config.listen = address;
  return config;
}

TEST(CheckExposureTest, LoopbackNeedsNothing) {
  for (const char* address : {"127.0.0.1:50051", "[::1]:1", "unix:/tmp/m.sock"}) {
    absl::StatusOr<std::vector<std::string>> warnings =
        CheckExposure(Listening(address), /*tokens_configured=*/false);
    ASSERT_TRUE(warnings.ok()) << warnings.status();
    EXPECT_THAT(*warnings, SizeIs(0));
  }
}

TEST(CheckExposureTest, ElsewhereRefusesWithoutTlsAndTokensNamingTheSettings) {
  absl::StatusOr<std::vector<std::string>> refused =
      CheckExposure(Listening("0.0.0.0:50051"), /*tokens_configured=*/false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("tls.cert_file"));
  EXPECT_THAT(refused.status().message(), HasSubstr("MODERATION_TLS_CERT_FILE"));
  EXPECT_THAT(refused.status().message(), HasSubstr("auth.tokens"));
  EXPECT_THAT(refused.status().message(), HasSubstr("insecure = true"));
}

TEST(CheckExposureTest, ElsewhereNeedsBothTlsAndTokens) {
  config::ServerConfig tls_only = Listening("10.0.0.5:50051");
  tls_only.tls.cert_file = "/etc/tls/tls.crt";
  tls_only.tls.key_file = "/etc/tls/tls.key";
  absl::StatusOr<std::vector<std::string>> refused = CheckExposure(tls_only, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("auth.tokens"));
  EXPECT_THAT(refused.status().message(), Not(HasSubstr("tls.cert_file")));

  refused = CheckExposure(Listening("10.0.0.5:50051"), /*tokens_configured=*/true);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("tls.cert_file"));
  EXPECT_THAT(refused.status().message(), Not(HasSubstr("auth.tokens")));

  absl::StatusOr<std::vector<std::string>> both = CheckExposure(tls_only, true);
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_THAT(*both, SizeIs(0));
}

TEST(CheckExposureTest, InsecureServesAnywayWithAWarningPerGap) {
  config::ServerConfig config = Listening("0.0.0.0:50051");
  config.insecure = true;
  absl::StatusOr<std::vector<std::string>> warnings = CheckExposure(config, false);
  ASSERT_TRUE(warnings.ok()) << warnings.status();
  ASSERT_THAT(*warnings, SizeIs(2));
  EXPECT_THAT((*warnings)[0], HasSubstr("plaintext"));
  EXPECT_THAT((*warnings)[1], HasSubstr("without a token"));
}

class SecurityFilesTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(SecurityFilesTest, TokensComeFromTheConfigAndTheFile) {
  config::AuthSettings settings;
  settings.tokens.push_back(
      {.name = "portal", .role = "portal", .sha256 = auth::TokenSha256Hex("p")});
  settings.tokens_file =
      Write("tokens", "# people\nlan:moderator:" + auth::TokenSha256Hex("l") + "\n");
  absl::StatusOr<auth::TokenTable> table = LoadTokens(settings);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 2u);
  EXPECT_EQ(table->Find("l")->name, "lan");
  EXPECT_EQ(table->Find("p")->name, "portal");
}

TEST_F(SecurityFilesTest, NoTokensConfiguredIsAnEmptyTable) {
  absl::StatusOr<auth::TokenTable> table = LoadTokens(config::AuthSettings());
  ASSERT_TRUE(table.ok());
  EXPECT_TRUE(table->empty());
}

TEST_F(SecurityFilesTest, BadTokenSourcesNameTheSetting) {
  config::AuthSettings missing;
  missing.tokens_file = dir_.path() + "/nope";
  EXPECT_THAT(LoadTokens(missing).status().message(), HasSubstr("auth.tokens_file"));

  config::AuthSettings empty;
  empty.tokens_file = Write("empty", "# nobody yet\n");
  EXPECT_THAT(LoadTokens(empty).status().message(), HasSubstr("holds no name:role:sha256"));

  config::AuthSettings bad_entry;
  bad_entry.tokens.push_back({.name = "lan", .role = "moderator", .sha256 = "abc"});
  EXPECT_THAT(LoadTokens(bad_entry).status().message(), HasSubstr("auth.tokens[0]"));
}

TEST_F(SecurityFilesTest, PlaintextWithoutACertificate) {
  std::vector<std::string> warnings;
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(config::TlsSettings(), warnings);
  ASSERT_TRUE(credentials.ok());
  EXPECT_NE(*credentials, nullptr);
}

TEST_F(SecurityFilesTest, TlsFromMatchingFiles) {
  absl::StatusOr<testing::TestPki> pki = testing::WriteTestPki(dir_.path());
  ASSERT_TRUE(pki.ok()) << pki.status();
  std::vector<std::string> warnings;
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = MakeServerCredentials(
      {.cert_file = pki->server_cert, .key_file = pki->server_key, .client_ca_file = pki->ca_cert},
      warnings);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_THAT(warnings, SizeIs(0));
}

TEST_F(SecurityFilesTest, WarnsOfACertificateAboutToExpire) {
  absl::StatusOr<testing::TestPki> pki = testing::WriteTestPki(dir_.path(), /*valid_days=*/2);
  ASSERT_TRUE(pki.ok()) << pki.status();
  std::vector<std::string> warnings;
  ASSERT_TRUE(
      MakeServerCredentials(
          {.cert_file = pki->server_cert, .key_file = pki->server_key, .client_ca_file = ""},
          warnings)
          .ok());
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr("expires within 14 days"));
}

TEST_F(SecurityFilesTest, UnusableTlsFilesStopTheStartNamingTheSetting) {
  absl::StatusOr<testing::TestPki> pki = testing::WriteTestPki(dir_.path());
  ASSERT_TRUE(pki.ok()) << pki.status();
  const std::string not_pem = Write("not.pem", "hello\n");
  struct Case {
    config::TlsSettings tls;
    absl::StatusCode code;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {{.cert_file = dir_.path() + "/none.crt",
    .key_file = pki->server_key,
    .client_ca_file = ""},
            absl::StatusCode::kNotFound,
            "tls.cert_file"},
           {{.cert_file = pki->server_cert,
           .key_file = dir_.path() + "/none.key",
           .client_ca_file = ""},
            absl::StatusCode::kNotFound,
            "tls.key_file"},
           {{.cert_file = not_pem, .key_file = pki->server_key, .client_ca_file = ""},
            absl::StatusCode::kInvalidArgument,
            "tls.cert_file"},
           {{.cert_file = pki->server_cert, .key_file = not_pem, .client_ca_file = ""},
            absl::StatusCode::kInvalidArgument,
            "tls.key_file"},
           {{.cert_file = pki->server_cert, .key_file = pki->client_key, .client_ca_file = ""},
            absl::StatusCode::kInvalidArgument,
            "is not the key of tls.cert_file"},
           {{.cert_file = pki->server_cert, .key_file = pki->server_key, .client_ca_file = not_pem},
            absl::StatusCode::kInvalidArgument,
            "tls.client_ca_file"},
       }) {
    std::vector<std::string> warnings;
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        MakeServerCredentials(c.tls, warnings);
    ASSERT_FALSE(credentials.ok()) << c.message;
    EXPECT_EQ(credentials.status().code(), c.code) << credentials.status();
    EXPECT_THAT(credentials.status().message(), HasSubstr(c.message));
  }
}

TEST(NewTokenTextTest, PrintsATokenAndTheConfigurationThatAdmitsIt) {
  testing::FakeRandom random;
  absl::StatusOr<std::string> text = NewTokenText("lan", "moderator", random);
  ASSERT_TRUE(text.ok()) << text.status();
  std::vector<std::string> lines = absl::StrSplit(*text, '\n', absl::SkipEmpty());
  ASSERT_GE(lines.size(), 3u);
  const std::string& token = lines[1];
  EXPECT_EQ(token.size(), 43u);
  const std::string hash = auth::TokenSha256Hex(token);
  EXPECT_THAT(
      *text, HasSubstr("[[auth.tokens]]\nname = \"lan\"\nrole = \"moderator\"\nsha256 = \"" + hash +
                       "\"\n"));
  EXPECT_EQ(lines.back(), "lan:moderator:" + hash);

  absl::StatusOr<std::vector<auth::TokenEntry>> entries =
      auth::ParseTokenLines(lines.back(), "printed");
  ASSERT_TRUE(entries.ok());
  absl::StatusOr<auth::TokenTable> table = auth::TokenTable::Create(*entries);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->Find(token)->name, "lan");
}

TEST(NewTokenTextTest, RefusesNamesTheServerWouldRefuse) {
  testing::FakeRandom random;
  EXPECT_EQ(NewTokenText("lan nguyen", "moderator", random).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NewTokenText("lan", "root", random).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace moderation::server
