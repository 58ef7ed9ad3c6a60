#include "tests/load/load_driver.h"

#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/async_unary_call.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/slice.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string_view>
#include <thread>
#include <utility>

#include "moderation/v1/comment_service.grpc.pb.h"
#include "tests/load/error_description.h"
#include "tests/load/submission_data.h"

namespace moderation::loadgen {
namespace {

namespace v1 = moderation::v1;
using Clock = std::chrono::steady_clock;

// The standard health service is called through the generic stub because the
// distribution's gRPC ships no generated code for it. An empty request asks
// about the server as a whole.
constexpr char kHealthCheckMethod[] = "/grpc.health.v1.Health/Check";
// HealthCheckResponse{status: SERVING}: field 1, varint 1. A proto3 encoder
// writes exactly these two bytes for it.
constexpr std::string_view kServingResponse("\x08\x01", 2);

constexpr int64_t kMinConnectTimeoutMs = 5000;

// Calls completing inside [start, end) are counted; before is warm-up, and
// nothing new starts after.
struct Window {
  Clock::time_point start;
  Clock::time_point end;

  [[nodiscard]] bool Contains(Clock::time_point t) const { return t >= start && t < end; }
};

// Stubs for one channel. Stubs are thread-safe, so every worker shares them.
struct ChannelStubs {
  std::unique_ptr<grpc::GenericStub> generic;
  std::unique_ptr<v1::CommentService::Stub> comments;
};

struct WorkerStats {
  CallStats health;
  CallStats captcha;
  CallStats submit;
  CallStats operation;
};

// One call kept in flight: when it completes, the next one starts in its
// place. Only the owning worker's thread touches it.
struct Slot {
  enum class Step { kHealth, kCaptcha, kSubmit };

  const ChannelStubs* stubs = nullptr;
  Step step = Step::kHealth;
  uint64_t sequence = 0;
  uint64_t next_sequence = 0;
  Clock::time_point call_start;
  Clock::time_point operation_start;

  std::unique_ptr<grpc::ClientContext> context;
  grpc::Status status;

  grpc::ByteBuffer health_request;
  grpc::ByteBuffer health_response;
  std::unique_ptr<grpc::ClientAsyncResponseReader<grpc::ByteBuffer>> health_call;

  v1::CreateCaptchaRequest captcha_request;
  v1::CreateCaptchaResponse captcha_response;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::CreateCaptchaResponse>> captcha_call;

  v1::SubmitCommentRequest submit_request;
  v1::SubmitCommentResponse submit_response;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::SubmitCommentResponse>> submit_call;
};

std::string ByteBufferToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) {
    return bytes;
  }
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// Empty on success, else the failure reason for the report.
std::string FailureReason(const grpc::Status& status) {
  return status.ok() ? std::string() : StatusCodeName(status.error_code());
}

// Owns a completion queue, the thread that polls it and a share of the slots.
class Worker {
 public:
  Worker(Phase phase, Window window, std::chrono::milliseconds deadline, std::string run_id,
         uint64_t sequence_stride, const std::string& token)
      : phase_(phase),
        window_(window),
        deadline_(deadline),
        run_id_(std::move(run_id)),
        sequence_stride_(sequence_stride),
        authorization_(token.empty() ? "" : "Bearer " + token) {}

  void AddSlot(const ChannelStubs* stubs, uint64_t first_sequence) {
    auto slot = std::make_unique<Slot>();
    slot->stubs = stubs;
    slot->next_sequence = first_sequence;
    grpc::Slice empty;
    slot->health_request = grpc::ByteBuffer(&empty, 1);
    slots_.push_back(std::move(slot));
  }

  void Run() {
    size_t active = slots_.size();
    for (const std::unique_ptr<Slot>& slot : slots_) {
      StartOperation(*slot);
    }
    if (active == 0) {
      queue_.Shutdown();
    }
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) {
      if (!OnCompleted(*static_cast<Slot*>(tag)) && --active == 0) {
        queue_.Shutdown();
      }
    }
  }

  [[nodiscard]] const WorkerStats& stats() const { return stats_; }

  // The first operation number none of this worker's slots has used.
  [[nodiscard]] uint64_t UnusedSequence() const {
    uint64_t unused = 0;
    for (const std::unique_ptr<Slot>& slot : slots_) {
      unused = std::max(unused, slot->next_sequence);
    }
    return unused;
  }

 private:
  void NewContext(Slot& slot) {
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.context->set_deadline(std::chrono::system_clock::now() + deadline_);
    if (!authorization_.empty()) {
      slot.context->AddMetadata("authorization", authorization_);
    }
    slot.call_start = Clock::now();
  }

  void StartOperation(Slot& slot) {
    if (phase_ == Phase::kHealth) {
      StartHealthCheck(slot);
      return;
    }
    slot.sequence = slot.next_sequence;
    slot.next_sequence += sequence_stride_;
    slot.operation_start = Clock::now();
    StartCreateCaptcha(slot);
  }

  void StartHealthCheck(Slot& slot) {
    slot.step = Slot::Step::kHealth;
    slot.health_response.Clear();
    NewContext(slot);
    slot.health_call = slot.stubs->generic->PrepareUnaryCall(slot.context.get(), health_method_,
                                                             slot.health_request, &queue_);
    slot.health_call->StartCall();
    slot.health_call->Finish(&slot.health_response, &slot.status, &slot);
  }

  void StartCreateCaptcha(Slot& slot) {
    slot.step = Slot::Step::kCaptcha;
    slot.captcha_request.Clear();
    slot.captcha_request.set_client_ip(ClientIpFor(slot.sequence));
    slot.captcha_response.Clear();
    NewContext(slot);
    slot.captcha_call = slot.stubs->comments->PrepareAsyncCreateCaptcha(
        slot.context.get(), slot.captcha_request, &queue_);
    slot.captcha_call->StartCall();
    slot.captcha_call->Finish(&slot.captcha_response, &slot.status, &slot);
  }

  void StartSubmitComment(Slot& slot) {
    slot.step = Slot::Step::kSubmit;
    FillSubmission(slot.sequence, run_id_, slot.captcha_response.captcha_id(),
                   slot.captcha_response.dev_answer(), &slot.submit_request);
    slot.submit_response.Clear();
    NewContext(slot);
    slot.submit_call = slot.stubs->comments->PrepareAsyncSubmitComment(
        slot.context.get(), slot.submit_request, &queue_);
    slot.submit_call->StartCall();
    slot.submit_call->Finish(&slot.submit_response, &slot.status, &slot);
  }

  // Records the call just completed and starts the slot's next one. False when
  // the window has closed and the slot is done.
  bool OnCompleted(Slot& slot) {
    const Clock::time_point now = Clock::now();
    const bool counted = window_.Contains(now);
    const bool more_time = now < window_.end;
    switch (slot.step) {
      case Slot::Step::kHealth: {
        std::string reason = FailureReason(slot.status);
        if (reason.empty() && ByteBufferToString(slot.health_response) != kServingResponse) {
          reason = "OK:NOT_SERVING";
        }
        if (counted) {
          Record(stats_.health, reason, now - slot.call_start, Example(slot.status, reason));
        }
        break;
      }
      case Slot::Step::kCaptcha: {
        const std::string reason = FailureReason(slot.status);
        const std::string example = Example(slot.status, reason);
        if (counted) {
          Record(stats_.captcha, reason, now - slot.call_start, example);
        }
        std::string operation_failure = reason;
        std::string operation_example = example;
        if (reason.empty() && slot.captcha_response.dev_answer().empty()) {
          operation_failure = "OK:NO_DEV_ANSWER";
          operation_example =
              "CreateCaptcha returned no dev_answer: is the server running with "
              "MODERATION_DEV_REVEAL_CAPTCHA=1?";
        }
        if (operation_failure.empty()) {
          if (!more_time) {
            return false;
          }
          StartSubmitComment(slot);
          return true;
        }
        if (counted) {
          Record(stats_.operation, operation_failure, now - slot.operation_start,
                 operation_example);
        }
        break;
      }
      case Slot::Step::kSubmit: {
        std::string reason = FailureReason(slot.status);
        if (reason.empty() &&
            slot.submit_response.status() != v1::SUBMISSION_STATUS_PENDING_MODERATION) {
          reason = slot.submit_response.status() == v1::SUBMISSION_STATUS_REFUSED
                       ? "OK:REFUSED:" + slot.submit_response.refusal_reason()
                       : "OK:" + v1::SubmissionStatus_Name(slot.submit_response.status());
        }
        if (counted) {
          const std::string example = Example(slot.status, reason);
          Record(stats_.submit, reason, now - slot.call_start, example);
          Record(stats_.operation, reason, now - slot.operation_start, example);
        }
        break;
      }
    }
    if (!more_time) {
      return false;
    }
    StartOperation(slot);
    return true;
  }

  static void Record(CallStats& stats, const std::string& reason, Clock::duration latency,
                     const std::string& example) {
    if (reason.empty()) {
      stats.RecordSuccess(latency);
    } else {
      stats.RecordFailure(reason, example);
    }
  }

  // Describing an error parses its details, so it is done only for failures.
  static std::string Example(const grpc::Status& status, const std::string& reason) {
    if (reason.empty() || status.ok()) {
      return std::string();
    }
    return DescribeError(status);
  }

  const Phase phase_;
  const Window window_;
  const std::chrono::milliseconds deadline_;
  const std::string run_id_;
  const uint64_t sequence_stride_;
  const std::string authorization_;  // the header's value, or empty
  // The generic stub takes the method name as a std::string; built once.
  const std::string health_method_ = kHealthCheckMethod;
  grpc::CompletionQueue queue_;
  std::vector<std::unique_ptr<Slot>> slots_;
  WorkerStats stats_;
};

std::string NewRunId() {
  std::random_device device;
  const uint64_t id = (static_cast<uint64_t>(device()) << 32) | device();
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(id));
  return text;
}

}  // namespace

std::string PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kHealth:
      return "health";
    case Phase::kSubmit:
      return "submit";
  }
  return "unknown";
}

LoadDriver::LoadDriver(DriverOptions options) : options_(std::move(options)), run_id_(NewRunId()) {}

LoadDriver::~LoadDriver() = default;

bool LoadDriver::Connect(std::string* error) {
  channels_.clear();
  // A short per-call deadline is a setting under test; connecting is not.
  const std::chrono::milliseconds connect_timeout =
      std::max(options_.deadline, std::chrono::milliseconds(kMinConnectTimeoutMs));
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options_.tls_ca_pem.empty()) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = options_.tls_ca_pem;
    credentials = grpc::SslCredentials(tls);
  }
  for (int i = 0; i < options_.channels; ++i) {
    grpc::ChannelArguments arguments;
    // Without this, channels with the same target and arguments share one
    // subchannel, hence one TCP connection.
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateCustomChannel(options_.target, credentials, arguments);
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + connect_timeout)) {
      *error = "cannot connect to " + options_.target + " (channel " + std::to_string(i) +
               ") within " + std::to_string(connect_timeout.count()) + " ms";
      return false;
    }
    channels_.push_back(std::move(channel));
  }
  return true;
}

PhaseResult LoadDriver::Run(Phase phase) {
  std::vector<ChannelStubs> stubs(channels_.size());
  for (size_t i = 0; i < channels_.size(); ++i) {
    stubs[i].generic = std::make_unique<grpc::GenericStub>(channels_[i]);
    stubs[i].comments = v1::CommentService::NewStub(channels_[i]);
  }

  const Clock::time_point start = Clock::now();
  const Window window{start + options_.warmup, start + options_.warmup + options_.duration};
  const auto concurrency = static_cast<size_t>(options_.concurrency);
  const size_t worker_count = std::min(static_cast<size_t>(options_.threads), concurrency);
  std::vector<std::unique_ptr<Worker>> workers;
  for (size_t i = 0; i < worker_count; ++i) {
    workers.push_back(std::make_unique<Worker>(phase, window, options_.deadline, run_id_,
                                               concurrency, options_.token));
  }
  // With as many threads as channels, each thread serves one channel's slots.
  for (size_t i = 0; i < concurrency; ++i) {
    workers[i % worker_count]->AddSlot(&stubs[i % stubs.size()], next_sequence_base_ + i);
  }

  std::vector<std::thread> threads;
  threads.reserve(workers.size());
  for (const std::unique_ptr<Worker>& worker : workers) {
    threads.emplace_back([&worker] { worker->Run(); });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  WorkerStats total;
  for (const std::unique_ptr<Worker>& worker : workers) {
    total.health.Merge(worker->stats().health);
    total.captcha.Merge(worker->stats().captcha);
    total.submit.Merge(worker->stats().submit);
    total.operation.Merge(worker->stats().operation);
    next_sequence_base_ = std::max(next_sequence_base_, worker->UnusedSequence());
  }

  PhaseResult result;
  result.phase = phase;
  result.measured_seconds = std::chrono::duration<double>(options_.duration).count();
  if (phase == Phase::kHealth) {
    result.rows.push_back({"Health/Check", std::move(total.health), {}});
  } else {
    result.rows.push_back({"CreateCaptcha", std::move(total.captcha), {}});
    result.rows.push_back({"SubmitComment", std::move(total.submit), {}});
    result.rows.push_back({"captcha+submit", std::move(total.operation), {}});
  }
  for (ResultRow& row : result.rows) {
    row.latency = row.stats.SummarizeLatency();
  }
  return result;
}

}  // namespace moderation::loadgen
