#include "tests/chaos/chaos_fixture.h"

#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "service/storage/redis/keys.h"
#include "service/storage/redis/redis_client.h"
#include "tests/support/await.h"

namespace moderation::chaos {
namespace {

constexpr char kSecretHex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

using Reply = absl::StatusOr<redis::RedisValue>;

Reply RunCommand(redis::RedisClient& client, redis::Command command) {
  std::optional<Reply> reply = testing::Await<Reply>(
      [&](auto done) { client.Execute(std::move(command), done); }, absl::Seconds(30));
  return reply ? *std::move(reply) : absl::DeadlineExceededError("no reply");
}

}  // namespace

void ChaosTest::TearDown() {
  if ((HasFailure() || getenv("CHAOS_SHOW_LOG") != nullptr) && !server_log_.empty()) {
    std::cerr << "---- moderation-server log ----\n" << ReadFile(server_log_);
  }
  server_.reset();
  redis_.reset();
}

void ChaosTest::StartRedis() {
  absl::StatusOr<std::unique_ptr<testing::RedisServer>> redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  redis_ = *std::move(redis);
}

void ChaosTest::StartServer(const std::string& redis_url,
                            std::map<std::string, std::string> settings) {
  address_ = absl::StrCat("127.0.0.1:", testing::PickFreePort());
  server_log_ = dir_->path() + "/moderation-server.log";
  std::map<std::string, std::string> environment = {
      {"MODERATION_LISTEN", address_},
      {"MODERATION_REDIS_URL", redis_url},
      {"MODERATION_DEV_REVEAL_CAPTCHA", "1"},
      {"MODERATION_SECRET_KEY", kSecretHex},
      {"MODERATION_METRICS_LISTEN", ""},
      {"MODERATION_RATELIMIT_ENABLED", "0"},
      {"MODERATION_CAPTCHA_AUDIO", "0"},
      // A stuck Redis is noticed in half a second, a dead one at once.
      {"MODERATION_REDIS_COMMAND_TIMEOUT_MS", "500"},
      {"MODERATION_REDIS_CONNECT_TIMEOUT_MS", "300"},
      {"MODERATION_SHUTDOWN_GRACE_SECONDS", "5"}};
  for (auto& [name, value] : settings) {
    environment[name] = value;
  }
  absl::StatusOr<testing::ChildProcess> server =
      testing::ChildProcess::Start({MODERATION_SERVER_BINARY}, environment, server_log_);
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = std::make_unique<testing::ChildProcess>(*std::move(server));
  // Retries the connection quickly while the server starts.
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
  channel_ = grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), arguments);
  ASSERT_TRUE(WaitUntilServing(absl::Seconds(20))) << "moderation-server did not come up:\n"
                                                   << ReadFile(server_log_);
}

bool ChaosTest::WaitUntilServing(absl::Duration timeout) {
  return testing::WaitFor([&] { return HealthOf(channel_, "") == "SERVING"; }, timeout);
}

LoadOptions ChaosTest::Load() const {
  LoadOptions options;
  options.target = address_;
  options.tag = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  return options;
}

Audit ChaosTest::AuditRedis(const std::string& redis_url, const LoadReport& report) {
  Audit audit;
  audit.acknowledged = static_cast<int>(report.acknowledged.size());
  redis::RedisClientOptions options;
  absl::StatusOr<redis::RedisEndpoint> endpoint = redis::ParseRedisUrl(redis_url);
  EXPECT_TRUE(endpoint.ok()) << endpoint.status();
  if (!endpoint.ok()) {
    return audit;
  }
  options.endpoint = *endpoint;
  options.command_timeout = absl::Seconds(20);
  std::unique_ptr<redis::RedisClient> client = *redis::RedisClient::Create(options);
  EXPECT_TRUE(client->WaitUntilConnected(absl::Seconds(10)));

  // Every stored comment: id, title (which carries the token), status.
  const Reply stored = RunCommand(*client, {"EVAL", R"lua(
local out = {}
for _, key in ipairs(redis.call('KEYS', ARGV[1] .. '*')) do
  if redis.call('TYPE', key).ok == 'hash' then
    local v = redis.call('HMGET', key, 'id', 'title', 'status')
    out[#out + 1] = v[1] or ''
    out[#out + 1] = v[2] or ''
    out[#out + 1] = v[3] or ''
  end
end
return out
)lua",
                                            "0", std::string(redis::keys::kCommentPrefix)});
  EXPECT_TRUE(stored.ok()) << stored.status();
  const Reply queue = RunCommand(*client, {"ZRANGE", redis::keys::PendingQueue(), "0", "-1"});
  EXPECT_TRUE(queue.ok()) << queue.status();
  if (!stored.ok() || !queue.ok()) {
    return audit;
  }
  std::set<std::string> queued;
  for (const redis::RedisValue& position : queue->elements) {
    queued.insert(position.string.substr(1));
  }
  struct Stored {
    std::string id;
    std::string status;
  };
  std::map<std::string, std::vector<Stored>> by_token;
  for (std::size_t i = 0; i + 2 < stored->elements.size(); i += 3) {
    const std::string& title = stored->elements[i + 1].string;
    const std::size_t space = title.rfind(' ');
    by_token[title.substr(space + 1)].push_back(
        {stored->elements[i].string, stored->elements[i + 2].string});
  }
  std::set<std::string> acknowledged_tokens;
  for (const Acknowledged& ack : report.acknowledged) {
    acknowledged_tokens.insert(ack.token);
    auto it = by_token.find(ack.token);
    if (it == by_token.end()) {
      audit.problems.push_back(absl::StrCat(ack.token, " (", ack.comment_id, "): missing"));
    } else if (it->second.size() != 1) {
      audit.problems.push_back(absl::StrCat(ack.token, ": stored ", it->second.size(), " times"));
    } else if (it->second[0].id != ack.comment_id) {
      audit.problems.push_back(absl::StrCat(ack.token, ": acknowledged as ", ack.comment_id,
                                            ", stored as ", it->second[0].id));
    } else if (it->second[0].status != "pending" || !queued.contains(ack.comment_id)) {
      audit.problems.push_back(absl::StrCat(ack.token, ": not pending in the queue"));
    } else {
      ++audit.found;
    }
  }
  for (const auto& [token, copies] : by_token) {
    if (copies.size() > 1) {
      ++audit.duplicated;
    }
    if (!acknowledged_tokens.contains(token)) {
      ++audit.stored_unacknowledged;
    }
  }
  client->Shutdown(absl::Seconds(1));
  return audit;
}

void ChaosTest::Summarise(const std::string& scenario, const LoadReport& report, const Audit& audit,
                          absl::Duration recovery) {
  const std::string line = absl::StrCat(
      "CHAOS ", scenario, ": acknowledged=", audit.acknowledged, " found=", audit.found,
      " duplicated=", audit.duplicated, " stored_unacknowledged=", audit.stored_unacknowledged,
      " acknowledged_after_retry=", report.acknowledged_after_retry, " calls=", report.calls,
      " errors: ", report.ErrorSummary(),
      " slowest_call_ms=", absl::ToInt64Milliseconds(report.slowest_call),
      " failed_call_p90_ms=", absl::ToInt64Milliseconds(report.FailedCallQuantile(0.9)),
      " recovery_ms=",
      recovery == absl::InfiniteDuration() ? std::string("n/a")
                                           : absl::StrCat(absl::ToInt64Milliseconds(recovery)));
  std::cout << line << std::endl;
  RecordProperty("acknowledged", audit.acknowledged);
  RecordProperty("found", audit.found);
  RecordProperty("summary", line);
  EXPECT_GT(audit.acknowledged, 0) << "the load acknowledged nothing";
  EXPECT_EQ(audit.found, audit.acknowledged) << absl::StrJoin(audit.problems, "\n");
  EXPECT_EQ(audit.duplicated, 0);
  EXPECT_EQ(report.errors.count("DEADLINE_EXCEEDED"), 0u) << "a call hung until its deadline";
  EXPECT_EQ(report.errors.count("INTERNAL"), 0u);
}

}  // namespace moderation::chaos
