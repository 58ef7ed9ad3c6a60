#include "service/learning/learned_filter.h"

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "service/common/log.h"
#include "service/storage/redis/keys.h"

namespace moderation::learning {
namespace {

using redis::RedisValue;

// Bounds the reloads of one catch-up when snapshots race with it; the next
// poll goes on.
constexpr int kMaxReloadsPerCatchUp = 3;

// Lessons in the stream carry features, never the comment's text.
std::string EncodeFeatures(const classifier::FeatureVector& features) {
  std::string out;
  out.resize(features.indices.size() * 8);
  for (std::size_t i = 0; i < features.indices.size(); ++i) {
    std::memcpy(&out[i * 8], &features.indices[i], 4);
    std::memcpy(&out[i * 8 + 4], &features.values[i], 4);
  }
  return out;
}

std::optional<classifier::FeatureVector> DecodeFeatures(absl::string_view encoded) {
  if (encoded.size() % 8 != 0) {
    return std::nullopt;
  }
  classifier::FeatureVector features;
  const std::size_t n = encoded.size() / 8;
  features.indices.resize(n);
  features.values.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::memcpy(&features.indices[i], encoded.data() + i * 8, 4);
    std::memcpy(&features.values[i], encoded.data() + i * 8 + 4, 4);
  }
  return features;
}

// "1700000000000-3" → {1700000000000, 3}.
std::optional<std::pair<uint64_t, uint64_t>> ParseStreamId(absl::string_view id) {
  std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(id, '-');
  uint64_t ms = 0;
  uint64_t seq = 0;
  if (!absl::SimpleAtoi(parts.first, &ms) || !absl::SimpleAtoi(parts.second, &seq)) {
    return std::nullopt;
  }
  return std::make_pair(ms, seq);
}

// Runs one command and waits for it (start-up and the follower thread only).
absl::StatusOr<RedisValue> Call(redis::RedisClient& redis, redis::Command command,
                                absl::Duration timeout) {
  struct Result {
    absl::Notification done;
    absl::StatusOr<RedisValue> reply;
  };
  auto result = std::make_shared<Result>();
  redis.Execute(std::move(command), timeout, [result](absl::StatusOr<RedisValue> reply) {
    result->reply = std::move(reply);
    result->done.Notify();
  });
  if (!result->done.WaitForNotificationWithTimeout(timeout + absl::Seconds(1))) {
    return absl::UnavailableError("Redis did not answer in time");
  }
  return std::move(result->reply);
}

// KEYS: snapshot. ARGV: stream id (ms), (seq), blob. Replaces the snapshot
// only with a newer one.
constexpr absl::string_view kWriteSnapshotScript = R"lua(
local current = redis.call('GET', KEYS[1])
if current then
  local ms, seq = string.match(current, '^(%d+)-(%d+) ')
  if ms and (tonumber(ms) > tonumber(ARGV[1]) or
             (tonumber(ms) == tonumber(ARGV[1]) and tonumber(seq) >= tonumber(ARGV[2]))) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. '-' .. ARGV[2] .. ' ' .. ARGV[3])
return 1
)lua";

}  // namespace

std::optional<bool> LessonOf(const comments::Comment& decided) {
  if (decided.status == comments::CommentStatus::kApproved) {
    return false;
  }
  if (decided.status == comments::CommentStatus::kRejected && decided.rejection_reason &&
      (*decided.rejection_reason == comments::RejectionReason::kSpam ||
       *decided.rejection_reason == comments::RejectionReason::kAdvertising)) {
    return true;
  }
  // Offensive or off-topic comments are not spam; they teach nothing here.
  return std::nullopt;
}

LearnedFilter::LearnedFilter(redis::RedisClient& redis, classifier::SpamClassifier initial,
                             LearningOptions options)
    : redis_(redis),
      options_(options),
      classifier_(std::make_shared<classifier::SpamClassifier>(std::move(initial))) {}

std::shared_ptr<classifier::SpamClassifier> LearnedFilter::Model() const {
  absl::ReaderMutexLock lock(&model_mutex_);
  return classifier_;
}

LearnedFilter::~LearnedFilter() { Stop(); }

absl::Status LearnedFilter::Start(absl::Duration timeout) {
  absl::Status loaded = LoadSnapshot(timeout, /*at_start=*/true);
  if (!loaded.ok()) {
    return loaded;
  }
  absl::StatusOr<int> applied = CatchUp(timeout);
  if (!applied.ok()) {
    return applied.status();
  }
  follower_ = std::thread([this] { Follow(); });
  return absl::OkStatus();
}

void LearnedFilter::Stop() {
  if (!stop_.HasBeenNotified()) {
    stop_.Notify();
  }
  if (follower_.joinable()) {
    follower_.join();
  }
}

double LearnedFilter::SpamProbability(absl::string_view text) const {
  const std::shared_ptr<classifier::SpamClassifier> model = Model();
  return model->SpamProbability(model->Extract(std::string_view(text.data(), text.size())));
}

void LearnedFilter::OnDecided(const comments::Comment& decided) {
  const std::optional<bool> is_spam = LessonOf(decided);
  if (!is_spam) {
    return;
  }
  const classifier::FeatureVector features =
      Model()->Extract(spam::ClassifierText(decided.title, decided.body));
  redis_.Execute({"XADD", redis::keys::SpamLessons(), "*", "label", *is_spam ? "spam" : "ham",
                  "features", EncodeFeatures(features)},
                 [](const absl::StatusOr<RedisValue>& reply) {
                   if (!reply.ok()) {
                     log::Warning("moderator decision not passed to the spam filter",
                                  {{"error", std::string(reply.status().message())}});
                   }
                 });
}

absl::Status LearnedFilter::LoadSnapshot(absl::Duration timeout, bool at_start) {
  absl::StatusOr<RedisValue> reply = Call(redis_, {"GET", redis::keys::SpamModel()}, timeout);
  if (!reply.ok()) {
    return reply.status();
  }
  // At start no snapshot, or a bad one, means the model file; later it
  // means nothing to take.
  const absl::Status nothing_to_take =
      at_start ? absl::OkStatus() : absl::FailedPreconditionError("no usable snapshot");
  if (reply->is_nil()) {
    return nothing_to_take;
  }
  const std::string& blob = reply->string;
  const std::size_t space = blob.find(' ');
  if (space == std::string::npos || !ParseStreamId(blob.substr(0, space))) {
    log::Warning("spam filter snapshot malformed; starting from the model file");
    return nothing_to_take;
  }
  const std::string snapshot_id = blob.substr(0, space);
  if (!at_start) {
    absl::MutexLock lock(&mutex_);
    const auto snapshot_at = ParseStreamId(snapshot_id);
    const auto applied_to = ParseStreamId(last_id_);
    if (!snapshot_at || !applied_to || *snapshot_at <= *applied_to) {
      return absl::FailedPreconditionError("the snapshot is not newer than the lessons applied");
    }
  }
  absl::StatusOr<classifier::SpamClassifier> model =
      classifier::SpamClassifier::Parse(std::string_view(blob).substr(space + 1));
  if (!model.ok()) {
    log::Warning("spam filter snapshot unreadable; starting from the model file",
                 {{"error", std::string(model.status().message())}});
    return nothing_to_take;
  }
  {
    absl::MutexLock lock(&model_mutex_);
    classifier_ = std::make_shared<classifier::SpamClassifier>(*std::move(model));
  }
  absl::MutexLock lock(&mutex_);
  last_id_ = snapshot_id;
  return absl::OkStatus();
}

absl::StatusOr<bool> LearnedFilter::FellBehindRetention(absl::Duration timeout) {
  absl::StatusOr<RedisValue> oldest =
      Call(redis_, {"XRANGE", redis::keys::SpamLessons(), "-", "+", "COUNT", "1"}, timeout);
  if (!oldest.ok()) {
    return oldest.status();
  }
  if (oldest->elements.empty() || oldest->elements[0].elements.empty()) {
    return false;
  }
  const auto first = ParseStreamId(oldest->elements[0].elements[0].string);
  absl::MutexLock lock(&mutex_);
  const auto applied_to = ParseStreamId(last_id_);
  if (!first || !applied_to) {
    return false;
  }
  // The next lesson needed is the first after `applied_to`; any id up to
  // {ms, seq + 1} could be it.
  const std::pair<uint64_t, uint64_t> next = {applied_to->first, applied_to->second + 1};
  return *first > next;
}

absl::StatusOr<int> LearnedFilter::CatchUp(absl::Duration timeout) {
  // Cut off for longer than the stream's retention, this replica would skip
  // the trimmed lessons and drift from the others for good: the snapshot
  // holds them. Another replica may write a newer snapshot and trim the
  // stream between our reading the snapshot and reading the stream, leaving
  // a gap again: the check repeats for as long as a newer snapshot exists.
  for (int reloads = 0; reloads < kMaxReloadsPerCatchUp; ++reloads) {
    absl::StatusOr<bool> behind = FellBehindRetention(timeout);
    if (!behind.ok()) {
      return behind.status();
    }
    if (!*behind) {
      break;
    }
    std::string from;
    {
      absl::MutexLock lock(&mutex_);
      from = last_id_;
    }
    absl::Status reloaded = LoadSnapshot(timeout, /*at_start=*/false);
    if (absl::IsFailedPrecondition(reloaded)) {
      break;  // nothing newer to take: apply what the stream still holds
    }
    if (!reloaded.ok()) {
      return reloaded;
    }
    snapshot_reloads_.fetch_add(1);
    log::Warning("spam filter fell behind the lesson stream's retention; reloaded the snapshot",
                 {{"applied_up_to", from}});
  }
  const std::shared_ptr<classifier::SpamClassifier> model = Model();
  int applied = 0;
  while (true) {
    std::string after;
    {
      absl::MutexLock lock(&mutex_);
      after = last_id_;
    }
    absl::StatusOr<RedisValue> reply =
        Call(redis_,
             {"XRANGE", redis::keys::SpamLessons(), absl::StrCat("(", after), "+", "COUNT", "500"},
             timeout);
    if (!reply.ok()) {
      return reply.status();
    }
    if (reply->elements.empty()) {
      return applied;
    }
    std::string last_seen = after;
    for (const RedisValue& entry : reply->elements) {
      if (entry.elements.size() != 2) {
        continue;
      }
      last_seen = entry.elements[0].string;
      const RedisValue& fields = entry.elements[1];
      std::optional<bool> is_spam;
      std::optional<classifier::FeatureVector> features;
      for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
        const std::string& name = fields.elements[i].string;
        const std::string& value = fields.elements[i + 1].string;
        if (name == "label" && (value == "spam" || value == "ham")) {
          is_spam = value == "spam";
        } else if (name == "features") {
          features = DecodeFeatures(value);
        }
      }
      if (!is_spam || !features) {
        log::Warning("malformed lesson in the spam filter stream skipped");
        continue;
      }
      model->Learn(*features, *is_spam);
      ++applied;
      lessons_applied_.fetch_add(1);
    }
    bool snapshot = false;
    {
      absl::MutexLock lock(&mutex_);
      last_id_ = last_seen;
      since_snapshot_ += static_cast<int>(reply->elements.size());
      if (since_snapshot_ >= options_.snapshot_every) {
        since_snapshot_ = 0;
        snapshot = true;
      }
    }
    if (snapshot) {
      WriteSnapshot();
    }
  }
}

void LearnedFilter::Follow() {
  while (!stop_.WaitForNotificationWithTimeout(options_.poll_interval)) {
    absl::StatusOr<int> applied = CatchUp(absl::Seconds(1));
    if (!applied.ok()) {
      log::Warning("spam filter could not read new lessons",
                   {{"error", std::string(applied.status().message())}});
    }
  }
}

void LearnedFilter::WriteSnapshot() {
  std::string id;
  {
    absl::MutexLock lock(&mutex_);
    id = last_id_;
  }
  const auto parsed = ParseStreamId(id);
  if (!parsed) {
    return;
  }
  static const auto* script = new redis::RedisScript(std::string(kWriteSnapshotScript));
  redis_.EvalScript(
      *script, {redis::keys::SpamModel()},
      {absl::StrCat(parsed->first), absl::StrCat(parsed->second), Model()->Serialize()},
      [this, ms = parsed->first](const absl::StatusOr<RedisValue>& reply) {
        if (!reply.ok()) {
          log::Warning("spam filter snapshot not written",
                       {{"error", std::string(reply.status().message())}});
          return;
        }
        const uint64_t retention =
            static_cast<uint64_t>(absl::ToInt64Milliseconds(options_.stream_retention));
        if (ms > retention) {
          redis_.Execute(
              {"XTRIM", redis::keys::SpamLessons(), "MINID", "~", absl::StrCat(ms - retention)},
              [](const absl::StatusOr<RedisValue>&) {});
        }
      });
}

}  // namespace moderation::learning
