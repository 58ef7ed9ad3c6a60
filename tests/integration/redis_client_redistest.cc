#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "service/common/deadline.h"
#include "service/storage/redis/redis_client.h"
#include "tests/support/await.h"
#include "tests/support/redis_fixture.h"
#include "tests/support/redis_sentinel_group.h"

namespace moderation::redis {
namespace {

using Reply = absl::StatusOr<RedisValue>;

class RedisClientTest : public testing::RedisTest {
 protected:
  RedisClientOptions ClientOptions() override {
    RedisClientOptions options;
    options.command_timeout = absl::Seconds(1);
    return options;
  }

  std::unique_ptr<RedisClient> Connect(absl::Duration command_timeout) {
    RedisClientOptions options;
    options.command_timeout = command_timeout;
    return RedisTest::Connect(std::move(options));
  }

  Reply Run(RedisClient& client, Command command) {
    std::optional<Reply> reply =
        testing::Await<Reply>([&](auto done) { client.Execute(std::move(command), done); });
    return reply ? *std::move(reply) : absl::DeadlineExceededError("no callback");
  }
};

TEST_F(RedisClientTest, ExecutesCommandsAndConvertsReplies) {
  EXPECT_EQ(Run(*client_, {"SET", "k", "value"})->string, "OK");
  EXPECT_EQ(Run(*client_, {"GET", "k"})->string, "value");
  EXPECT_TRUE(Run(*client_, {"GET", "missing"})->is_nil());
  EXPECT_EQ(Run(*client_, {"INCRBY", "n", "5"})->integer, 5);
  Reply array = Run(*client_, {"MGET", "k", "missing"});
  ASSERT_EQ(array->elements.size(), 2u);
  EXPECT_TRUE(array->elements[1].is_nil());
}

TEST_F(RedisClientTest, KeepsBinaryArgumentsIntact) {
  const std::string binary("a\0b\r\n\xff", 6);
  ASSERT_TRUE(Run(*client_, {"SET", "bin", binary}).ok());
  EXPECT_EQ(Run(*client_, {"GET", "bin"})->string, binary);
}

TEST_F(RedisClientTest, ErrorRepliesAreErrors) {
  Reply reply = Run(*client_, {"INCR", "no", "such", "arity"});
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal);
}

TEST_F(RedisClientTest, TransientRefusalsAreUnavailableNotInternal) {
  // Under noeviction, a full Redis refuses writes with OOM until memory frees.
  ASSERT_TRUE(Run(*client_, {"CONFIG", "SET", "maxmemory", "1"}).ok());
  EXPECT_EQ(Run(*client_, {"SET", "k", "v"}).status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(Run(*client_, {"CONFIG", "SET", "maxmemory", "0"}).ok());
  EXPECT_TRUE(Run(*client_, {"SET", "k", "v"}).ok());
}

TEST_F(RedisClientTest, BatchAnswersEachCommandInOrder) {
  std::optional<std::vector<Reply>> replies = testing::Await<std::vector<Reply>>([&](auto done) {
    client_->ExecuteBatch({{"SET", "a", "1"}, {"INCR", "a"}, {"LPUSH", "a", "x"}, {"GET", "a"}},
                          done);
  });
  ASSERT_TRUE(replies.has_value());
  ASSERT_EQ(replies->size(), 4u);
  EXPECT_EQ((*replies)[1]->integer, 2);
  EXPECT_FALSE((*replies)[2].ok());  // WRONGTYPE, and the batch went on
  EXPECT_EQ((*replies)[3]->string, "2");
}

TEST_F(RedisClientTest, ReloadsScriptsAfterTheServerForgetsThem) {
  const RedisScript script("return tonumber(ARGV[1]) + 1");
  auto eval = [&] {
    return *testing::Await<Reply>(
        [&](auto done) { client_->EvalScript(script, {}, {"41"}, done); });
  };
  EXPECT_EQ(eval()->integer, 42);
  ASSERT_TRUE(Run(*client_, {"SCRIPT", "FLUSH"}).ok());
  EXPECT_EQ(eval()->integer, 42);
}

TEST_F(RedisClientTest, ManyConcurrentCommandsAllComplete) {
  constexpr int kCommands = 5000;
  std::atomic<int> ok{0};
  absl::Notification all_done;
  std::atomic<int> remaining{kCommands};
  for (int i = 0; i < kCommands; ++i) {
    client_->Execute({"INCR", "counter"}, [&](Reply reply) {
      if (reply.ok()) {
        ++ok;
      }
      if (--remaining == 0) {
        all_done.Notify();
      }
    });
  }
  ASSERT_TRUE(all_done.WaitForNotificationWithTimeout(absl::Seconds(20)));
  EXPECT_EQ(ok.load(), kCommands);
  EXPECT_EQ(Run(*client_, {"GET", "counter"})->string, std::to_string(kCommands));
}

TEST_F(RedisClientTest, FailsFastWhileRedisIsDownAndRecoversByItself) {
  ASSERT_TRUE(server_->Kill().ok());
  ASSERT_TRUE(testing::WaitFor([&] { return !client_->IsConnected(); }, absl::Seconds(5)));
  const absl::Time start = absl::Now();
  Reply reply = Run(*client_, {"PING"});
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));

  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(client_->WaitUntilConnected(absl::Seconds(5)));
  EXPECT_EQ(Run(*client_, {"PING"})->string, "PONG");
}

// Health follows the client's word: it must hear of every change, both ways,
// as it happens (not from a poll of IsConnected).
TEST_F(RedisClientTest, TellsOfEveryServingChangeBothWays) {
  absl::Mutex mutex;
  std::vector<bool> changes;
  RedisClientOptions options;
  options.endpoint = *ParseRedisUrl(server_->url());
  options.on_serving_change = [&](bool serving) {
    absl::MutexLock lock(&mutex);
    changes.push_back(serving);
  };
  std::unique_ptr<RedisClient> client = *RedisClient::Create(options);
  auto seen = [&] {
    absl::MutexLock lock(&mutex);
    return changes;
  };
  ASSERT_TRUE(testing::WaitFor([&] { return seen().size() == 1; }, absl::Seconds(5)));
  EXPECT_TRUE(client->IsConnected());

  ASSERT_TRUE(server_->Kill().ok());
  ASSERT_TRUE(testing::WaitFor([&] { return seen().size() == 2; }, absl::Seconds(5)));
  EXPECT_FALSE(client->IsConnected());
  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(testing::WaitFor([&] { return seen().size() == 3; }, absl::Seconds(5)));
  EXPECT_TRUE(client->IsConnected());
  EXPECT_EQ(seen(), (std::vector<bool>{true, false, true}));
}

TEST_F(RedisClientTest, ItsEventLoopKeepsTicking) {
  const absl::Time first = client_->LastLoopTick();
  EXPECT_TRUE(testing::WaitFor([&] { return client_->LastLoopTick() > first; }, absl::Seconds(5)));
}

TEST_F(RedisClientTest, ASilentServerTimesOutAndTheConnectionIsRenewed) {
  std::unique_ptr<RedisClient> impatient = Connect(absl::Milliseconds(200));
  // DEBUG SLEEP blocks the server longer than the command timeout.
  Reply slow = Run(*impatient, {"DEBUG", "SLEEP", "1"});
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kUnavailable);
  // Once the server wakes up, a renewed connection serves again.
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        Reply pong = Run(*impatient, {"PING"});
        return pong.ok() && pong->string == "PONG";
      },
      absl::Seconds(10)));
}

TEST_F(RedisClientTest, RefusesBeyondThePendingLimit) {
  RedisClientOptions options;
  options.max_pending_commands = 1;
  std::unique_ptr<RedisClient> small = RedisTest::Connect(std::move(options));
  ASSERT_NE(small, nullptr);
  absl::Notification first_done;
  small->Execute({"DEBUG", "SLEEP", "0.3"}, [&](Reply) { first_done.Notify(); });
  Reply refused = Run(*small, {"PING"});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  first_done.WaitForNotification();
}

TEST_F(RedisClientTest, ShutdownFailsLaterCommandsCleanly) {
  client_->Shutdown(absl::Seconds(1));
  EXPECT_EQ(Run(*client_, {"PING"}).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(RedisClientTest, DropsACommandWhoseCallersDeadlineHasPassed) {
  Reply dropped = absl::UnknownError("");
  {
    const ScopedDeadline passed(absl::Now() - absl::Milliseconds(1));
    dropped = Run(*client_, {"INCR", "never"});
  }
  EXPECT_EQ(dropped.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(Run(*client_, {"GET", "never"})->is_nil()) << "it was sent anyway";
}

TEST_F(RedisClientTest, StopsWaitingAtTheCallersDeadlineAndCarriesItIntoCallbacks) {
  const absl::Time deadline = absl::Now() + absl::Milliseconds(150);
  std::optional<absl::Time> seen_in_callback;
  std::optional<Reply> slow;
  {
    const ScopedDeadline scope(deadline);
    slow = testing::Await<Reply>([&](auto done) {
      client_->Execute({"DEBUG", "SLEEP", "0.6"}, [&, done](Reply reply) mutable {
        seen_in_callback = CurrentDeadline();
        done(std::move(reply));
      });
    });
  }
  ASSERT_TRUE(slow.has_value());
  EXPECT_EQ(slow->status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - deadline, absl::Milliseconds(300)) << "waited for the reply";
  EXPECT_EQ(seen_in_callback, deadline);
  EXPECT_EQ(CurrentDeadline(), absl::InfiniteFuture());
  EXPECT_EQ(Run(*client_, {"PING"})->string, "PONG");
}

TEST_F(RedisClientTest, ReplicatedWritesAreRefusedWhenNoReplicaConfirmsThem) {
  RedisClientOptions options;
  options.wait_replicas = 1;
  options.wait_timeout = absl::Milliseconds(50);
  std::unique_ptr<RedisClient> waiting = RedisTest::Connect(std::move(options));
  ASSERT_NE(waiting, nullptr);
  const RedisScript replicated("return redis.call('INCR', KEYS[1])", WriteAck::kReplicated);
  const RedisScript plain("return redis.call('INCR', KEYS[1])");
  auto eval = [&](const RedisScript& script) {
    return *testing::Await<Reply>(
        [&](auto done) { waiting->EvalScript(script, {"counter"}, {}, done); });
  };
  // This Redis has no replica: the primary has the write, nobody confirms it.
  EXPECT_EQ(eval(replicated).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(eval(plain)->integer, 2);
}

TEST(RedisSentinelClientTest, FindsThePrimaryAndFollowsAFailover) {
  absl::StatusOr<std::unique_ptr<testing::RedisSentinelGroup>> group =
      testing::RedisSentinelGroup::Start(/*replicas=*/1);
  ASSERT_TRUE(group.ok()) << group.status();
  ASSERT_TRUE((*group)->WaitUntilSettled(absl::Seconds(30)).ok());
  RedisClientOptions options;
  for (const std::string& address : (*group)->SentinelAddresses()) {
    options.sentinels.push_back(*ParseSentinelAddress(address));
  }
  options.master_name = testing::RedisSentinelGroup::kMasterName;
  std::unique_ptr<RedisClient> client = *RedisClient::Create(options);
  ASSERT_TRUE(client->WaitUntilConnected(absl::Seconds(5)));
  auto run = [&](Command command) {
    std::optional<Reply> reply =
        testing::Await<Reply>([&](auto done) { client->Execute(std::move(command), done); });
    return reply ? *std::move(reply) : absl::DeadlineExceededError("no callback");
  };
  ASSERT_TRUE(run({"SET", "before", "1"}).ok());
  // Replication is asynchronous: only a write a replica has is sure to
  // survive the failover.
  ASSERT_EQ(run({"WAIT", "1", "1000"})->integer, 1);
  const int first = (*group)->PrimaryPort();

  // A manual failover: the old primary stays up and becomes a replica, so
  // only the announcement (or its READONLY refusals) can tell the client.
  ASSERT_TRUE((*group)
                  ->Cli(std::stoi((*group)->SentinelAddresses()[0].substr(10)),
                        {"SENTINEL", "FAILOVER", testing::RedisSentinelGroup::kMasterName})
                  .ok());
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        const int now = (*group)->PrimaryPort();
        return now != 0 && now != first;
      },
      absl::Seconds(30)));
  const int second = (*group)->PrimaryPort();
  // The Sentinels name the new primary before the old one learns it was
  // demoted: for a moment writes may still land on the old one (and be lost,
  // unless WAIT confirmed them; see docs/reliability.md). Soon every write
  // goes to the new primary.
  int attempt = 0;
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        const std::string value = absl::StrCat(++attempt);
        return run({"SET", "after", value}).ok() &&
               *(*group)->Cli(second, {"GET", "after"}) == value;
      },
      absl::Seconds(5)));
  EXPECT_EQ(*(*group)->Cli(second, {"GET", "before"}), "1");
}

}  // namespace
}  // namespace moderation::redis
