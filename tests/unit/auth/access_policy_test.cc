#include "service/auth/access_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "service/api/reader_messages.h"
#include "service/common/errors.h"

namespace moderation::auth {
namespace {

using ::testing::HasSubstr;

class AccessPolicyTest : public ::testing::Test {
 protected:
  AccessPolicyTest() {
    absl::StatusOr<TokenTable> table = TokenTable::Create({
        {.name = "portal-web",
         .role = "portal",
         .sha256_hex = TokenSha256Hex("portal-s3cr3t"),
         .origin = "test"},
        {.name = "lan",
         .role = "moderator",
         .sha256_hex = TokenSha256Hex("lan-s3cr3t"),
         .origin = "test"},
        {.name = "mai",
         .role = "admin",
         .sha256_hex = TokenSha256Hex("mai-s3cr3t"),
         .origin = "test"},
    });
    EXPECT_TRUE(table.ok()) << table.status();
    policy_ = std::make_unique<AccessPolicy>(AccessPolicy::Enforce(*std::move(table)));
  }

  absl::StatusOr<Principal> Authorize(const std::vector<absl::string_view>& headers,
                                      Permission needed) const {
    return policy_->Authorize(headers, needed);
  }

  std::unique_ptr<AccessPolicy> policy_;
};

TEST(RoleAllowsTest, Matrix) {
  struct Row {
    Role role;
    bool portal;
    bool moderate;
    bool administer;
  };
  for (const Row& row :
       {Row{Role::kPortal, true, false, false}, Row{Role::kModerator, false, true, false},
        Row{Role::kAdmin, false, true, true}}) {
    EXPECT_EQ(RoleAllows(row.role, Permission::kPortal), row.portal) << RoleName(row.role);
    EXPECT_EQ(RoleAllows(row.role, Permission::kModerate), row.moderate) << RoleName(row.role);
    EXPECT_EQ(RoleAllows(row.role, Permission::kAdminister), row.administer) << RoleName(row.role);
  }
}

TEST(BearerTokenTest, TakesTheTokenOfTheBearerScheme) {
  EXPECT_EQ(BearerToken("Bearer abc-DEF_123.~+/="), "abc-DEF_123.~+/=");
  EXPECT_EQ(BearerToken("bearer abc"), "abc");
  EXPECT_EQ(BearerToken("BEARER   abc  "), "abc");
}

TEST(BearerTokenTest, RefusesEverythingElse) {
  for (const std::string& header : std::vector<std::string>{
           "", "Bearer", "Bearer ", "Bearerabc", "Basic YWxhZGRpbjpvcGVu", "Bearer a b",
           "Bearer a=b", "Bearer \xc3\xa9", "Token abc", "Bearer " + std::string(513, 'a')}) {
    EXPECT_FALSE(BearerToken(header).has_value()) << header;
  }
  EXPECT_TRUE(BearerToken("Bearer " + std::string(512, 'a')).has_value());
}

TEST_F(AccessPolicyTest, EachRoleGetsWhatTheMatrixSays) {
  struct Row {
    const char* header;
    Permission needed;
    absl::StatusCode code;
  };
  for (const Row& row : {
           Row{"Bearer portal-s3cr3t", Permission::kPortal, absl::StatusCode::kOk},
           Row{"Bearer portal-s3cr3t", Permission::kModerate, absl::StatusCode::kPermissionDenied},
           Row{"Bearer portal-s3cr3t", Permission::kAdminister,
               absl::StatusCode::kPermissionDenied},
           Row{"Bearer lan-s3cr3t", Permission::kPortal, absl::StatusCode::kPermissionDenied},
           Row{"Bearer lan-s3cr3t", Permission::kModerate, absl::StatusCode::kOk},
           Row{"Bearer lan-s3cr3t", Permission::kAdminister, absl::StatusCode::kPermissionDenied},
           Row{"Bearer mai-s3cr3t", Permission::kPortal, absl::StatusCode::kPermissionDenied},
           Row{"Bearer mai-s3cr3t", Permission::kModerate, absl::StatusCode::kOk},
           Row{"Bearer mai-s3cr3t", Permission::kAdminister, absl::StatusCode::kOk},
       }) {
    EXPECT_EQ(Authorize({row.header}, row.needed).status().code(), row.code)
        << row.header << " " << static_cast<int>(row.needed);
  }
}

TEST_F(AccessPolicyTest, NamesTheCaller) {
  absl::StatusOr<Principal> caller = Authorize({"Bearer lan-s3cr3t"}, Permission::kModerate);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->name, "lan");
  EXPECT_EQ(caller->role, Role::kModerator);
}

TEST_F(AccessPolicyTest, NoOrBadTokenIsUnauthenticated) {
  for (const std::vector<absl::string_view>& headers : std::vector<std::vector<absl::string_view>>{
           {},
           {"Bearer wrong-s3cr3t"},
           {"Basic bGFuOmxhbi10b2tlbg=="},
           {"lan-s3cr3t"},
           {"Bearer lan-s3cr3t", "Bearer lan-s3cr3t"},
       }) {
    absl::StatusOr<Principal> caller = Authorize(headers, Permission::kModerate);
    ASSERT_FALSE(caller.ok());
    EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(ReasonOf(caller.status()), "UNAUTHENTICATED");
    EXPECT_EQ(api::ReaderMessageOf(caller.status()),
              "Chưa xác thực: thiếu mã truy cập hoặc mã không đúng.");
  }
}

TEST_F(AccessPolicyTest, WrongRoleIsPermissionDeniedNamingTheRole) {
  absl::StatusOr<Principal> caller = Authorize({"Bearer lan-s3cr3t"}, Permission::kAdminister);
  ASSERT_FALSE(caller.ok());
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(caller.status()), "PERMISSION_DENIED");
  EXPECT_THAT(caller.status().message(), HasSubstr("moderator role"));
  EXPECT_THAT(caller.status().message(), HasSubstr("needs admin"));
}

TEST_F(AccessPolicyTest, ErrorsNeverRepeatTheToken) {
  for (const char* header : {"Bearer wrong-s3cr3t", "Bearer lan-s3cr3t"}) {
    absl::StatusOr<Principal> caller = Authorize({header}, Permission::kAdminister);
    ASSERT_FALSE(caller.ok());
    EXPECT_THAT(std::string(caller.status().message()), ::testing::Not(HasSubstr("s3cr3t")));
  }
}

TEST(AccessPolicyAllowAllTest, LetsEveryCallThroughUnidentified) {
  const AccessPolicy policy = AccessPolicy::AllowAll();
  EXPECT_FALSE(policy.enforced());
  for (Permission needed : {Permission::kPortal, Permission::kModerate, Permission::kAdminister}) {
    absl::StatusOr<Principal> caller = policy.Authorize({}, needed);
    ASSERT_TRUE(caller.ok());
    EXPECT_EQ(caller->name, kUnidentified);
  }
}

TEST(AccessPolicyAllowAllTest, ACallMayNameItsModerator) {
  const AccessPolicy policy = AccessPolicy::AllowAll();
  absl::StatusOr<Principal> caller = policy.Authorize({}, Permission::kModerate, "lan");
  ASSERT_TRUE(caller.ok());
  EXPECT_EQ(caller->name, "lan");
  EXPECT_EQ(policy.Authorize({}, Permission::kModerate, "")->name, kUnidentified);
  for (const char* bad : {"two words", "tên", "x\n", "x:y"}) {
    absl::StatusOr<Principal> refused = policy.Authorize({}, Permission::kModerate, bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ReasonOf(refused.status()), "INVALID_MODERATOR_NAME");
  }
}

TEST_F(AccessPolicyTest, WithTokensADeclaredNameChangesNothing) {
  const std::vector<absl::string_view> headers = {"Bearer lan-s3cr3t"};
  absl::StatusOr<Principal> caller = policy_->Authorize(headers, Permission::kModerate, "mai");
  ASSERT_TRUE(caller.ok());
  EXPECT_EQ(caller->name, "lan");
  EXPECT_EQ(policy_->Authorize({}, Permission::kModerate, "mai").status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(AccessPolicyEnforceTest, AnEmptyTableRefusesEveryCall) {
  absl::StatusOr<TokenTable> table = TokenTable::Create({});
  ASSERT_TRUE(table.ok());
  const AccessPolicy policy = AccessPolicy::Enforce(*std::move(table));
  EXPECT_TRUE(policy.enforced());
  const std::vector<absl::string_view> headers = {"Bearer anything"};
  EXPECT_EQ(policy.Authorize(headers, Permission::kPortal).status().code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace moderation::auth
