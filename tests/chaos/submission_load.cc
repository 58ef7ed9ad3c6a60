#include "tests/chaos/submission_load.h"
#include "tests/support/reader_address.h"

#include <grpcpp/generic/generic_stub.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "moderation/v1/comment_service.grpc.pb.h"

namespace moderation::chaos {
namespace {

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    default:
      return absl::StrCat("CODE_", static_cast<int>(code));
  }
}

std::chrono::system_clock::time_point DeadlineIn(absl::Duration wait) {
  return std::chrono::system_clock::now() + absl::ToChronoMilliseconds(wait);
}

}  // namespace

absl::Time LoadReport::FirstAcknowledgedAfter(absl::Time since) const {
  absl::Time first = absl::InfiniteFuture();
  for (const Acknowledged& ack : acknowledged) {
    if (ack.answered >= since && ack.answered < first) {
      first = ack.answered;
    }
  }
  return first;
}

absl::Duration LoadReport::FailedCallQuantile(double fraction) const {
  if (failed_call_latencies.empty()) {
    return absl::ZeroDuration();
  }
  std::vector<absl::Duration> sorted = failed_call_latencies;
  std::sort(sorted.begin(), sorted.end());
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

std::string LoadReport::ErrorSummary() const {
  std::string out;
  for (const auto& [code, count] : errors) {
    absl::StrAppend(&out, out.empty() ? "" : " ", code, "=", count);
  }
  return out.empty() ? "none" : out;
}

SubmissionLoad::SubmissionLoad(LoadOptions options) : options_(std::move(options)) {
  // A few connections shared by the workers, as a portal's backend would hold.
  for (int i = 0; i < 2; ++i) {
    grpc::ChannelArguments arguments;
    arguments.SetInt("grpc.channel_id", i);  // distinct channels, distinct connections
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
    channels_.push_back(
        grpc::CreateCustomChannel(options_.target, grpc::InsecureChannelCredentials(), arguments));
  }
}

SubmissionLoad::~SubmissionLoad() {
  if (!threads_.empty()) {
    (void)Stop();
  }
}

void SubmissionLoad::Start() {
  for (int i = 0; i < options_.workers; ++i) {
    threads_.emplace_back([this, i] { Work(i); });
  }
}

LoadReport SubmissionLoad::Stop() {
  stop_.store(true);
  for (std::thread& thread : threads_) {
    thread.join();
  }
  threads_.clear();
  absl::MutexLock lock(&mutex_);
  return report_;
}

absl::Time SubmissionLoad::FirstAcknowledgedAfter(absl::Time since) {
  absl::MutexLock lock(&mutex_);
  // Acknowledgements are appended roughly in time order: look back from the
  // newest until well before `since`.
  absl::Time first = absl::InfiniteFuture();
  for (auto it = report_.acknowledged.rbegin(); it != report_.acknowledged.rend(); ++it) {
    if (it->answered >= since) {
      first = std::min(first, it->answered);
    } else if (it->answered < since - absl::Seconds(5)) {
      break;
    }
  }
  return first;
}

LoadReport SubmissionLoad::Snapshot() {
  absl::MutexLock lock(&mutex_);
  return report_;
}

void SubmissionLoad::Record(const grpc::Status& status, absl::Duration took) {
  absl::MutexLock lock(&mutex_);
  ++report_.calls;
  report_.slowest_call = std::max(report_.slowest_call, took);
  if (!status.ok()) {
    ++report_.errors[CodeName(status.error_code())];
    report_.failed_call_latencies.push_back(took);
  }
}

void SubmissionLoad::Work(int worker) {
  auto stub = v1::CommentService::NewStub(channels_[worker % channels_.size()]);
  for (int sequence = 0; !stop_.load(); ++sequence) {
    const std::string token = absl::StrCat(options_.tag, "-", worker, "-", sequence);
    v1::SubmitCommentRequest request;
    request.set_article_id(absl::StrCat("chaos-article-", worker % 4));
    request.set_name(absl::StrCat("Bạn đọc ", worker));
    request.set_title(absl::StrCat("Ý kiến ", token));
    request.set_body(absl::StrCat("Góp ý số ", sequence, " của bạn đọc thứ ", worker,
                                  ": bài viết cần nói rõ hơn về nguồn số liệu."));
    request.set_client_ip(absl::StrCat("198.51.100.", 1 + worker));
    request.set_idempotency_key(token);
    bool failed_before = false;
    while (!stop_.load()) {
      grpc::ClientContext captcha_context;
      captcha_context.set_deadline(DeadlineIn(options_.call_deadline));
      v1::CreateCaptchaResponse captcha;
      absl::Time start = absl::Now();
      grpc::Status status =
          stub->CreateCaptcha(&captcha_context, testing::ReaderCaptchaRequest(), &captcha);
      Record(status, absl::Now() - start);
      if (status.ok()) {
        request.set_captcha_id(captcha.captcha_id());
        request.set_captcha_answer(captcha.dev_answer());
        request.set_altcha_payload(captcha.dev_altcha_payload());
        grpc::ClientContext context;
        context.set_deadline(DeadlineIn(options_.call_deadline));
        v1::SubmitCommentResponse response;
        start = absl::Now();
        status = stub->SubmitComment(&context, request, &response);
        const absl::Time answered = absl::Now();
        Record(status, answered - start);
        if (status.ok()) {
          absl::MutexLock lock(&mutex_);
          if (response.status() == v1::SUBMISSION_STATUS_PENDING_MODERATION) {
            report_.acknowledged.push_back({token, response.comment_id(), answered});
            acknowledged_count_.fetch_add(1);
            if (failed_before) {
              ++report_.acknowledged_after_retry;
            }
          } else {
            ++report_.refused;
          }
          break;
        }
      }
      failed_before = true;
      absl::SleepFor(options_.retry_backoff);
    }
  }
}

std::string HealthOf(const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(absl::Seconds(1)));
  // HealthCheckRequest{service = 1}, written by hand (Debian ships no stub).
  std::string request_bytes;
  if (!service.empty()) {
    request_bytes =
        absl::StrCat("\x0a", std::string(1, static_cast<char>(service.size())), service);
  }
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  grpc::CompletionQueue queue;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader =
      stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &queue);
  reader->StartCall();
  reader->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  queue.Next(&tag, &ok);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  if (!status.ok()) {
    return CodeName(status.error_code());
  }
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string bytes;
  for (const grpc::Slice& part : slices) {
    bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }
  return bytes.size() == 2 && bytes[0] == 0x08 && bytes[1] == 0x01 ? "SERVING" : "NOT_SERVING";
}

}  // namespace moderation::chaos
