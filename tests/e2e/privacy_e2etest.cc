#include <gmock/gmock.h>

#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_split.h"
#include "tests/e2e/e2e_fixture.h"

namespace moderation::e2e {
namespace {

// One reader: what they type in the phone field and where they come from,
// and every form in which their phone number or address could leak.
struct Reader {
  std::string typed_phone;
  std::string client_ip;
  std::vector<std::string> forbidden;
};

std::vector<Reader> Readers() {
  return {
      {"0912 345 671",
       "198.51.100.71",
       {"+84912345671", "0912345671", "84912345671", "912345671", "198.51.100.71"}},
      {"+84 983.456.782",
       "203.0.113.182",
       {"+84983456782", "0983456782", "84983456782", "983456782", "203.0.113.182"}},
      {"84376543213",
       "192.0.2.213",
       {"+84376543213", "0376543213", "84376543213", "376543213", "192.0.2.213"}},
      {"(028) 3823 4564",
       "2001:db8:aa:bb:cc:dd:ee:f4",
       {"+842838234564", "02838234564", "842838234564", "2838234564", "2001:db8:aa:bb:cc:dd:ee:f4",
        "2001:0db8:00aa:00bb:00cc:00dd:00ee:00f4", "cc:dd:ee:f4"}},
      {"0709 876 545",
       "2001:db8:1234:5678::95",
       {"+84709876545", "0709876545", "84709876545", "709876545", "2001:db8:1234:5678::95",
        "2001:0db8:1234:5678:0000:0000:0000:0095"}},
      {"0865 111 226",
       "::ffff:198.51.100.226",
       {"+84865111226", "0865111226", "84865111226", "865111226", "198.51.100.226"}},
  };
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

class PrivacyTest : public EndToEndTest {
 protected:
  // Everything Redis holds, as text: every key followed by its value, read
  // with the command that fits the key's type.
  std::string DumpRedis() {
    absl::StatusOr<std::string> keys = redis_->Cli({"--scan", "--pattern", "*"});
    EXPECT_TRUE(keys.ok()) << keys.status();
    if (!keys.ok()) {
      return "";
    }
    std::string dump;
    for (absl::string_view line : absl::StrSplit(*keys, '\n', absl::SkipEmpty())) {
      const std::string key(line);
      absl::StatusOr<std::string> type = redis_->Cli({"TYPE", key});
      EXPECT_TRUE(type.ok()) << type.status();
      if (!type.ok()) {
        continue;
      }
      std::vector<std::string> read;
      if (*type == "none") {
        continue;  // expired between SCAN and TYPE (rate limit state does)
      }
      if (*type == "string") {
        read = {"GET", key};
      } else if (*type == "hash") {
        read = {"HGETALL", key};
      } else if (*type == "set") {
        read = {"SMEMBERS", key};
      } else if (*type == "zset") {
        read = {"ZRANGE", key, "0", "-1", "WITHSCORES"};
      } else if (*type == "list") {
        read = {"LRANGE", key, "0", "-1"};
      } else if (*type == "stream") {
        read = {"XRANGE", key, "-", "+"};
      } else {
        ADD_FAILURE() << "key " << key << " has a type this scan cannot read: " << *type;
        continue;
      }
      absl::StatusOr<std::string> value = redis_->Cli(read);
      EXPECT_TRUE(value.ok()) << value.status();
      dump += "KEY " + key + " (" + *type + ")\n" + value.value_or("") + "\n";
      ++keys_seen_;
    }
    return dump;
  }

  grpc::Status Approve(const std::string& id) {
    v1::ApproveCommentRequest request;
    request.set_comment_id(id);
    v1::ApproveCommentResponse response;
    auto context = Context();
    return moderation_->ApproveComment(context.get(), request, &response);
  }

  grpc::Status Reject(const std::string& id) {
    v1::RejectCommentRequest request;
    request.set_comment_id(id);
    request.set_reason(v1::REJECTION_REASON_ADVERTISING);
    v1::RejectCommentResponse response;
    auto context = Context();
    return moderation_->RejectComment(context.get(), request, &response);
  }

  int keys_seen_ = 0;
};

TEST_F(PrivacyTest, NoPhoneNumberOrAddressIsStoredOrLoggedInClear) {
  const std::vector<Reader> readers = Readers();
  std::vector<std::string> ids;
  for (size_t i = 0; i < readers.size(); ++i) {
    v1::SubmitCommentRequest request = ValidSubmission("rieng-tu-" + std::to_string(i));
    request.set_phone(readers[i].typed_phone);
    request.set_client_ip(readers[i].client_ip);
    request.set_idempotency_key("privacy-" + std::to_string(i));
    v1::SubmitCommentResponse response;
    const grpc::Status status = Submit(request, &response);
    ASSERT_TRUE(status.ok()) << readers[i].typed_phone << ": " << status.error_message();
    ASSERT_EQ(response.status(), v1::SUBMISSION_STATUS_PENDING_MODERATION)
        << readers[i].typed_phone << ": " << response.refusal_reason();
    ids.push_back(response.comment_id());
  }

  ASSERT_TRUE(Approve(ids[0]).ok());
  ASSERT_TRUE(Approve(ids[3]).ok());
  ASSERT_TRUE(Reject(ids[1]).ok());
  ASSERT_TRUE(Reject(ids[4]).ok());

  v1::CreateBanRequest ban;
  ban.set_comment_id(ids[2]);
  ban.set_reason("rao vặt");
  ban.set_reject_pending(true);
  v1::CreateBanResponse banned;
  auto context = Context();
  const grpc::Status ban_status = moderation_->CreateBan(context.get(), ban, &banned);
  ASSERT_TRUE(ban_status.ok()) << ban_status.error_message();
  ASSERT_EQ(banned.bans_size(), 2);

  // The banned author tries again: refused, and that attempt leaves traces too.
  v1::SubmitCommentRequest again = ValidSubmission("rieng-tu-ban");
  again.set_phone(readers[2].typed_phone);
  again.set_client_ip(readers[2].client_ip);
  v1::SubmitCommentResponse refused;
  ASSERT_TRUE(Submit(again, &refused).ok());
  EXPECT_EQ(refused.status(), v1::SUBMISSION_STATUS_REFUSED);

  // The moderators' view and the queue figures are read too, in case reading
  // writes anything back.
  v1::GetCommentRequest get;
  get.set_comment_id(ids[5]);
  v1::GetCommentResponse got;
  context = Context();
  ASSERT_TRUE(moderation_->GetComment(context.get(), get, &got).ok());

  const std::string dump = DumpRedis();
  // The dump is only a proof if it saw the comments at all.
  ASSERT_GE(keys_seen_, static_cast<int>(ids.size()));
  for (const std::string& id : ids) {
    EXPECT_NE(dump.find(id), std::string::npos) << "comment " << id << " not in the dump";
  }
  const std::string log = ReadFile(server_log_);
  ASSERT_FALSE(log.empty());
  for (const Reader& reader : readers) {
    for (const std::string& form : reader.forbidden) {
      EXPECT_EQ(dump.find(form), std::string::npos) << form << " is in Redis:\n" << dump;
      EXPECT_EQ(log.find(form), std::string::npos) << form << " is in the server log";
    }
  }
}

// The sealed phone of every comment, by Redis key.
std::map<std::string, std::string> SealedPhones(const testing::RedisServer& redis) {
  std::map<std::string, std::string> phones;
  absl::StatusOr<std::string> keys = redis.Cli({"--scan", "--pattern", "mod:{c}:comment:*"});
  EXPECT_TRUE(keys.ok()) << keys.status();
  for (absl::string_view line : absl::StrSplit(keys.value_or(""), '\n', absl::SkipEmpty())) {
    absl::StatusOr<std::string> phone = redis.Cli({"HGET", std::string(line), "phone"});
    if (phone.ok() && !phone->empty()) {
      phones[std::string(line)] = *phone;
    }
  }
  return phones;
}

class KeyRotationTest : public PrivacyTest {
 protected:
  std::string SubmitWithPhone(const std::string& phone, int n) {
    v1::SubmitCommentRequest request = ValidSubmission("xoay-khoa-" + std::to_string(n));
    request.set_phone(phone);
    request.set_client_ip("198.51.100." + std::to_string(10 + n));
    v1::SubmitCommentResponse response;
    const grpc::Status status = Submit(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.comment_id();
  }

  std::string MaskedPhoneOf(const std::string& id) {
    v1::GetCommentRequest request;
    request.set_comment_id(id);
    v1::GetCommentResponse response;
    auto context = Context();
    const grpc::Status status = moderation_->GetComment(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.comment().phone_masked();
  }

  // Runs `moderation-server rekey` with the server's current settings.
  testing::CommandResult Rekey(const std::vector<std::string>& args = {}) {
    std::vector<std::string> argv = {MODERATION_SERVER_BINARY, "rekey", "--batch", "2"};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<testing::CommandResult> result =
        testing::RunCommand(argv, ServerEnvironment(), redis_->data_dir() + "/rekey.stderr");
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : testing::CommandResult{};
  }
};

TEST_F(KeyRotationTest, RekeyMovesEveryPhoneToTheNewKeyAndTheOldKeyCanGo) {
  const std::vector<std::string> phones = {"0912 345 671", "0983 456 782", "0376 543 213"};
  std::vector<std::string> ids;
  for (size_t i = 0; i < phones.size(); ++i) {
    ids.push_back(SubmitWithPhone(phones[i], static_cast<int>(i)));
  }
  SubmitWithPhone("", 9);  // no phone: nothing to seal
  for (const auto& [key, sealed] : SealedPhones(*redis_)) {
    EXPECT_TRUE(sealed.starts_with("v1.k1.")) << key << " " << sealed;
  }
  const std::string before = MaskedPhoneOf(ids[0]);
  ASSERT_EQ(before, "+84 9•• ••• •71");

  // Mid-rotation: new values under k2, old ones still read with k1.
  RestartServerWith(
      {{"MODERATION_ENCRYPTION_KEY_ID", "k2"}, {"MODERATION_DECRYPTION_KEY_IDS", "k1"}});
  EXPECT_EQ(MaskedPhoneOf(ids[0]), before);
  ids.push_back(SubmitWithPhone("0709 876 545", 3));

  const testing::CommandResult rekeyed = Rekey();
  ASSERT_EQ(rekeyed.exit_code, 0) << rekeyed.output;
  EXPECT_THAT(rekeyed.output,
              ::testing::HasSubstr("done scanned=4 resealed=3 current=1 changed=0 unreadable=0"));
  // Progress lines name the cursor a later run can resume from.
  EXPECT_THAT(rekeyed.output, ::testing::HasSubstr("progress scanned="));
  const std::map<std::string, std::string> sealed = SealedPhones(*redis_);
  EXPECT_EQ(sealed.size(), 4u);
  for (const auto& [key, value] : sealed) {
    EXPECT_TRUE(value.starts_with("v1.k2.")) << key << " " << value;
  }

  // k1 is gone from the configuration: everything still reads.
  RestartServerWith({{"MODERATION_ENCRYPTION_KEY_ID", "k2"}});
  const std::vector<std::string> masked = {"+84 9•• ••• •71", "+84 9•• ••• •82", "+84 3•• ••• •13",
                                           "+84 7•• ••• •45"};
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(MaskedPhoneOf(ids[i]), masked[i]) << ids[i];
  }
  // A second run finds nothing to do.
  const testing::CommandResult again = Rekey();
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, ::testing::HasSubstr("resealed=0 current=4"));
}

TEST_F(KeyRotationTest, RekeyRefusesToCallItDoneWhileAValueNeedsAMissingKey) {
  const std::string id = SubmitWithPhone("0912 345 671", 0);
  // k1 not configured: the k1 value cannot be opened, so k1 must not go yet.
  RestartServerWith({{"MODERATION_ENCRYPTION_KEY_ID", "k2"}});
  const testing::CommandResult refused = Rekey();
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, ::testing::HasSubstr("unreadable=1"));
  EXPECT_TRUE(SealedPhones(*redis_).begin()->second.starts_with("v1.k1."));
}

}  // namespace
}  // namespace moderation::e2e
