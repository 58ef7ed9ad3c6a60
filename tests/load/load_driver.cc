#include "tests/load/load_driver.h"

#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/async_unary_call.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/slice.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <string_view>
#include <thread>
#include <utility>

#include "moderation/v1/comment_service.grpc.pb.h"
#include "service/pow/altcha.h"
#include "tests/load/error_description.h"

namespace moderation::loadgen {
namespace {

namespace v1 = moderation::v1;
using Clock = std::chrono::steady_clock;

// The proof of work for a captcha's challenge. A server in reveal mode hands
// it over solved, so that the load measures the server and not a solver;
// any other challenge is solved here as the widget would (SHA-256 of the salt
// and each number in turn, or a key derivation per counter), before the timed
// phase.
std::string ProofOfWorkFor(const v1::CreateCaptchaResponse& captcha) {
  if (!captcha.dev_altcha_payload().empty() || !captcha.has_altcha()) {
    return captcha.dev_altcha_payload();
  }
  if (captcha.altcha().algorithm() != pow::kAltchaAlgorithm) {
    const std::optional<pow::AltchaChallenge> parsed =
        pow::ParseAltchaChallenge(captcha.altcha().json());
    return parsed ? pow::SolveAltchaPayload(*parsed).value_or("") : "";
  }
  pow::AltchaChallenge puzzle;
  puzzle.algorithm = captcha.altcha().algorithm();
  puzzle.challenge = captcha.altcha().challenge();
  puzzle.maxnumber = captcha.altcha().maxnumber();
  puzzle.salt = captcha.altcha().salt();
  puzzle.signature = captcha.altcha().signature();
  const std::optional<int64_t> number = pow::SolveAltcha(puzzle);
  return number.has_value() ? pow::EncodeAltchaPayload(puzzle, *number) : "";
}

// The standard health service is called through the generic stub because the
// distribution's gRPC ships no generated code for it. An empty request asks
// about the server as a whole.
constexpr char kHealthCheckMethod[] = "/grpc.health.v1.Health/Check";
constexpr char kSubmitCommentMethod[] = "/moderation.v1.CommentService/SubmitComment";
// HealthCheckResponse{status: SERVING}: field 1, varint 1. A proto3 encoder
// writes exactly these two bytes for it.
constexpr std::string_view kServingResponse("\x08\x01", 2);
constexpr char kHealthExpectation[] = "OK SERVING";

constexpr int64_t kMinConnectTimeoutMs = 5000;
// An open-loop call sent later than this after it was due counts as late.
constexpr auto kLateAfter = std::chrono::milliseconds(1);
// The rate limited address is sent at most this many submissions to get it
// refused (its burst is 3).
constexpr int kMaxHotAddressSubmissions = 50;

// A sample of each watched process, in the order of `processes`.
std::vector<ProcessSample> SampleWatched(const std::vector<WatchedProcess>& processes) {
  std::vector<ProcessSample> samples;
  for (const WatchedProcess& process : processes) {
    samples.push_back(SampleProcess(process.pid));
  }
  return samples;
}

std::vector<ProcessUsage> UsageOfWatched(const std::vector<WatchedProcess>& processes,
                                         const std::vector<ProcessSample>& before,
                                         const std::vector<ProcessSample>& after,
                                         uint64_t answered) {
  std::vector<ProcessUsage> usage;
  for (size_t i = 0; i < processes.size(); ++i) {
    if (std::optional<ProcessUsage> one =
            UsageOver(processes[i].name, before[i], after[i], answered)) {
      usage.push_back(*std::move(one));
    }
  }
  return usage;
}

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

grpc::ByteBuffer StringToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string SubmitOutcome(const grpc::Status& status, const grpc::ByteBuffer& response) {
  if (!status.ok()) {
    return OutcomeLabel(status);
  }
  v1::SubmitCommentResponse answer;
  if (!answer.ParseFromString(ByteBufferToString(response))) {
    return "OK UNPARSABLE_RESPONSE";
  }
  std::string outcome = "OK " + v1::SubmissionStatus_Name(answer.status())
                                    .substr(std::string_view("SUBMISSION_STATUS_").size());
  if (answer.status() == v1::SUBMISSION_STATUS_REFUSED) {
    outcome += " " + answer.refusal_reason();
  }
  return outcome;
}

std::string HealthOutcome(const grpc::Status& status, const grpc::ByteBuffer& response) {
  if (!status.ok()) {
    return StatusCodeName(status.error_code());
  }
  return ByteBufferToString(response) == kServingResponse ? kHealthExpectation : "OK NOT_SERVING";
}

// What one phase's workers share. Read-only but for the atomics.
struct PhasePlan {
  Phase phase = Phase::kHealth;
  const std::vector<std::unique_ptr<grpc::GenericStub>>* stubs = nullptr;
  const std::vector<grpc::ByteBuffer>* requests = nullptr;  // submit phase
  const std::vector<CallKind>* kinds = nullptr;             // submit phase
  grpc::ByteBuffer health_request;
  std::chrono::milliseconds deadline{0};
  std::string authorization;  // the header's value, or empty

  Clock::time_point start;
  Clock::time_point window_start;
  Clock::time_point window_end;  // closed loop with a duration
  uint64_t count = 0;            // closed loop: measured calls, or 0 for the duration

  // Closed loop.
  std::atomic<uint64_t> next_index{0};
  std::atomic<uint64_t> measured_started{0};
  std::atomic<int64_t> ran_out_at_ns{std::numeric_limits<int64_t>::max()};
  std::atomic<int64_t> last_completion_ns{0};
  // Every call answered, warm-up included: what the watched processes'
  // CPU time is divided by.
  std::atomic<uint64_t> answered{0};

  // Open loop: call i is due at start + i / rate; calls [first_measured,
  // end_measured) are measured, and there are `total` in all.
  double rate = 0;
  uint64_t first_measured = 0;
  uint64_t end_measured = 0;
  uint64_t total = 0;

  [[nodiscard]] uint64_t limit() const {
    return phase == Phase::kHealth ? std::numeric_limits<uint64_t>::max() : requests->size();
  }
  [[nodiscard]] Clock::time_point Due(uint64_t index) const {
    return start +
           std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(index) * 1e9 / rate));
  }
  [[nodiscard]] int64_t SinceStartNs(Clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t - start).count();
  }
};

// One call in flight. In closed loop only the owning worker's thread touches
// it; in open loop the pacer fills and starts it, and once started only the
// worker polling its queue does.
struct Call {
  uint64_t index = 0;
  // When the call was due (open loop) or started (closed loop): its latency
  // counts from here.
  Clock::time_point due;
  bool measured = false;
  std::unique_ptr<grpc::ClientContext> context;
  grpc::ByteBuffer response;
  grpc::Status status;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
};

struct WorkerStats {
  CallStats health;
  std::array<CallStats, kCallKindCount> submit;
};

// Owns a completion queue, the thread that polls it and a share of the calls.
class Worker {
 public:
  explicit Worker(PhasePlan& plan) : plan_(plan) {}

  // Closed loop: keeps `slots` calls in flight until the window closes.
  void RunClosedLoop(int slots) {
    std::vector<std::unique_ptr<Call>> calls;
    size_t active = 0;
    for (int i = 0; i < slots; ++i) {
      calls.push_back(std::make_unique<Call>());
      if (StartNextClosedLoopCall(*calls.back())) {
        ++active;
      }
    }
    if (active == 0) {
      return;
    }
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) {
      Call& call = *static_cast<Call*>(tag);
      Complete(call);
      if (!StartNextClosedLoopCall(call) && --active == 0) {
        break;
      }
    }
  }

  // Open loop: the pacer (another thread) starts calls on this worker's
  // queue with StartOpenLoopCall; this records them as they complete, until
  // the pacer calls Finish and the last one is in.
  void CompleteOpenLoopCalls(std::atomic<int>& in_flight) {
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) {
      const std::unique_ptr<Call> call(static_cast<Call*>(tag));
      Complete(*call);
      in_flight.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  // Takes ownership of `call`; any thread may call it.
  void StartOpenLoopCall(std::unique_ptr<Call> call) { Start(*call.release()); }

  // No more calls will be started.
  void Finish() {
    queue_.Shutdown();
    shut_down_ = true;
  }

  [[nodiscard]] const WorkerStats& stats() const { return stats_; }

  ~Worker() {
    if (!shut_down_) {
      queue_.Shutdown();
    }
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) {
    }
  }

 private:
  // Takes the next call number and starts it, or says the slot is done: the
  // window has closed, the count is reached, or the captchas have run out.
  bool StartNextClosedLoopCall(Call& call) {
    const Clock::time_point now = Clock::now();
    if (plan_.count == 0 && now >= plan_.window_end) {
      return false;
    }
    const bool measured = now >= plan_.window_start;
    if (measured && plan_.count > 0 && plan_.measured_started.fetch_add(1) >= plan_.count) {
      return false;
    }
    const uint64_t index = plan_.next_index.fetch_add(1);
    if (index >= plan_.limit()) {
      int64_t expected = std::numeric_limits<int64_t>::max();
      plan_.ran_out_at_ns.compare_exchange_strong(expected, plan_.SinceStartNs(now));
      return false;
    }
    call.index = index;
    call.due = now;
    call.measured = measured;
    Start(call);
    return true;
  }

  void Start(Call& call) {
    call.context = std::make_unique<grpc::ClientContext>();
    call.context->set_deadline(std::chrono::system_clock::now() + plan_.deadline);
    if (!plan_.authorization.empty()) {
      call.context->AddMetadata("authorization", plan_.authorization);
    }
    call.response.Clear();
    grpc::GenericStub& stub = *(*plan_.stubs)[call.index % plan_.stubs->size()];
    if (plan_.phase == Phase::kHealth) {
      call.reader =
          stub.PrepareUnaryCall(call.context.get(), health_method_, plan_.health_request, &queue_);
    } else {
      call.reader = stub.PrepareUnaryCall(call.context.get(), submit_method_,
                                          (*plan_.requests)[call.index], &queue_);
    }
    call.reader->StartCall();
    call.reader->Finish(&call.response, &call.status, &call);
  }

  void Complete(Call& call) {
    const Clock::time_point now = Clock::now();
    plan_.answered.fetch_add(1, std::memory_order_relaxed);
    if (!call.measured) {
      return;
    }
    const int64_t completion_ns = plan_.SinceStartNs(now);
    int64_t latest = plan_.last_completion_ns.load(std::memory_order_relaxed);
    while (latest < completion_ns &&
           !plan_.last_completion_ns.compare_exchange_weak(latest, completion_ns)) {
    }
    if (plan_.phase == Phase::kHealth) {
      const std::string outcome = HealthOutcome(call.status, call.response);
      const bool expected = outcome == kHealthExpectation;
      Record(stats_.health, outcome, expected, now - call.due, call.status);
      return;
    }
    const CallKind kind = (*plan_.kinds)[call.index];
    const std::string outcome = SubmitOutcome(call.status, call.response);
    Record(stats_.submit[static_cast<int>(kind)], outcome, MatchesExpectation(kind, outcome),
           now - call.due, call.status);
  }

  static void Record(CallStats& stats, const std::string& outcome, bool expected,
                     Clock::duration latency, const grpc::Status& status) {
    stats.Record(outcome, expected, latency);
    // Describing an error parses its details, so only the first of each
    // unexpected kind is.
    if (!expected && !stats.HasExample(outcome)) {
      stats.AddExample(outcome, status.ok() ? "" : DescribeError(status));
    }
  }

  PhasePlan& plan_;
  // The generic stub takes the method name as a std::string; built once.
  const std::string health_method_ = kHealthCheckMethod;
  const std::string submit_method_ = kSubmitCommentMethod;
  grpc::CompletionQueue queue_;
  bool shut_down_ = false;
  WorkerStats stats_;
};

std::string NewRunId(uint64_t* salt) {
  std::random_device device;
  const uint64_t id = (static_cast<uint64_t>(device()) << 32) | device();
  *salt = (static_cast<uint64_t>(device()) << 32) | device();
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(id));
  return text;
}

std::vector<std::unique_ptr<grpc::GenericStub>> GenericStubs(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels) {
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (const std::shared_ptr<grpc::Channel>& channel : channels) {
    stubs.push_back(std::make_unique<grpc::GenericStub>(channel));
  }
  return stubs;
}

// Builds the result rows from the workers' figures.
// `pacer` holds the open loop's late and dropped calls, when there is one.
std::vector<ResultRow> Rows(Phase phase, const std::vector<std::unique_ptr<Worker>>& workers,
                            const Mix& mix, const WorkerStats* pacer = nullptr) {
  std::vector<ResultRow> rows;
  if (phase == Phase::kHealth) {
    ResultRow row{"Health/Check", kHealthExpectation, {}, {}};
    for (const std::unique_ptr<Worker>& worker : workers) {
      row.stats.Merge(worker->stats().health);
    }
    rows.push_back(std::move(row));
  } else {
    ResultRow all{"SubmitComment", "", {}, {}};
    for (int k = 0; k < kCallKindCount; ++k) {
      const auto kind = static_cast<CallKind>(k);
      if (!mix.Has(kind)) {
        continue;
      }
      ResultRow row{CallKindName(kind), Expectation(kind), {}, {}};
      for (const std::unique_ptr<Worker>& worker : workers) {
        row.stats.Merge(worker->stats().submit[k]);
      }
      if (pacer != nullptr) {
        row.stats.Merge(pacer->submit[k]);
      }
      all.stats.Merge(row.stats);
      rows.push_back(std::move(row));
    }
    // One kind's row is already the total.
    if (rows.size() > 1) {
      all.expectation = "as its kind";
      rows.push_back(std::move(all));
    }
  }
  for (ResultRow& row : rows) {
    row.latency = row.stats.SummarizeLatency();
  }
  return rows;
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

LoadDriver::LoadDriver(DriverOptions options)
    : options_(std::move(options)), run_id_(NewRunId(&salt_)) {}

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

uint64_t LoadDriver::PoolSize() const {
  if (options_.captchas > 0) {
    return options_.captchas;
  }
  const double warmup_s = std::chrono::duration<double>(options_.warmup).count();
  const double duration_s = std::chrono::duration<double>(options_.duration).count();
  const double rate = options_.rate > 0 ? options_.rate : options_.closed_loop_rate_guess;
  const auto warmup_calls = static_cast<uint64_t>(std::ceil(rate * warmup_s));
  const uint64_t measured_calls =
      options_.count > 0 ? options_.count : static_cast<uint64_t>(std::ceil(rate * duration_s));
  // Closed loop: the slots in flight when the count is reached take a few more.
  const uint64_t slack = options_.rate > 0 ? 1 : static_cast<uint64_t>(options_.concurrency);
  return warmup_calls + measured_calls + slack;
}

bool LoadDriver::FetchCaptchas(uint64_t size, std::string* error) {
  requests_.assign(size, grpc::ByteBuffer());
  kinds_.assign(size, CallKind::kValid);
  const uint64_t first_sequence = next_sequence_;
  next_sequence_ += size;
  std::unique_ptr<v1::CommentService::Stub> stub = v1::CommentService::NewStub(channels_.front());
  const std::string authorization = options_.token.empty() ? "" : "Bearer " + options_.token;

  struct Fetch {
    uint64_t index = 0;
    grpc::ClientContext context;
    v1::CreateCaptchaRequest request;
    v1::CreateCaptchaResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::CreateCaptchaResponse>> reader;
  };
  grpc::CompletionQueue queue;
  uint64_t next = 0;
  uint64_t in_flight = 0;
  // Starts fetching the captcha of pool entry `index`.
  const auto start_fetch = [&](uint64_t index) {
    auto fetch = std::make_unique<Fetch>();
    fetch->index = index;
    fetch->context.set_deadline(std::chrono::system_clock::now() + options_.deadline);
    if (!authorization.empty()) {
      fetch->context.AddMetadata("authorization", authorization);
    }
    fetch->request.set_client_ip(ClientIpFor(first_sequence + fetch->index));
    fetch->reader = stub->PrepareAsyncCreateCaptcha(&fetch->context, fetch->request, &queue);
    fetch->reader->StartCall();
    Fetch* tag = fetch.release();
    tag->reader->Finish(&tag->response, &tag->status, tag);
    ++in_flight;
  };
  const auto concurrency = static_cast<uint64_t>(std::max(options_.captcha_concurrency, 1));
  while (next < size && in_flight < concurrency) {
    start_fetch(next++);
  }
  // A server short of CPU or of Redis answers some calls UNAVAILABLE or late
  // for a moment; the pool is not the measurement, so those are asked again,
  // up to a point.
  const uint64_t max_retries = std::max<uint64_t>(100, size / 100);
  uint64_t retries = 0;
  Clock::time_point earliest_expiry = Clock::time_point::max();
  uint64_t done = 0;
  uint64_t next_progress = size / 10;
  void* tag = nullptr;
  bool ok = false;
  while (in_flight > 0 && queue.Next(&tag, &ok)) {
    std::unique_ptr<Fetch> fetch(static_cast<Fetch*>(tag));
    --in_flight;
    const grpc::StatusCode code = fetch->status.error_code();
    if (error->empty() &&
        (code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED) &&
        retries < max_retries) {
      ++retries;
      start_fetch(fetch->index);
      continue;
    }
    if (error->empty()) {
      if (!fetch->status.ok()) {
        *error = "CreateCaptcha failed after " + std::to_string(done) + " of " +
                 std::to_string(size) + " captchas and " + std::to_string(retries) +
                 " retries: " + StatusCodeName(fetch->status.error_code()) + " " +
                 DescribeError(fetch->status) +
                 (fetch->status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED
                      ? " (the pool needs one captcha per submission: raise the server's "
                        "ratelimit.captcha_global for the benchmark, or ask for fewer with "
                        "--captchas, --count or a shorter --duration)"
                      : "");
      } else if (fetch->response.dev_answer().empty()) {
        *error =
            "CreateCaptcha returned no dev_answer: is the server running with "
            "MODERATION_DEV_REVEAL_CAPTCHA=1?";
      }
    }
    if (!error->empty()) {
      continue;  // drain what is in flight, start nothing new
    }
    const uint64_t sequence = first_sequence + fetch->index;
    const CallKind kind = options_.mix.KindFor(sequence);
    v1::SubmitCommentRequest request;
    FillSubmission(kind, sequence, run_id_, salt_, fetch->response.captcha_id(),
                   fetch->response.dev_answer(), &request);
    request.set_altcha_payload(ProofOfWorkFor(fetch->response));
    requests_[fetch->index] = StringToByteBuffer(request.SerializeAsString());
    kinds_[fetch->index] = kind;
    const std::chrono::nanoseconds ttl =
        std::chrono::seconds(fetch->response.expire_time().seconds()) +
        std::chrono::nanoseconds(fetch->response.expire_time().nanos()) -
        std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::system_clock::now().time_since_epoch());
    earliest_expiry =
        std::min(earliest_expiry, Clock::now() + std::chrono::duration_cast<Clock::duration>(ttl));
    ++done;
    if (done >= next_progress && size >= 1000) {
      std::fprintf(stderr, "\r  captchas: %llu of %llu", static_cast<unsigned long long>(done),
                   static_cast<unsigned long long>(size));
      next_progress += size / 10;
    }
    if (next < size) {
      start_fetch(next++);
    }
  }
  if (size >= 1000) {
    std::fputc('\n', stderr);
  }
  if (retries > 0) {
    std::fprintf(stderr, "  %llu CreateCaptcha calls failed for a moment and were retried\n",
                 static_cast<unsigned long long>(retries));
  }
  first_captcha_expiry_ = earliest_expiry;
  return error->empty();
}

bool LoadDriver::OverloadHotAddress(std::string* error) {
  std::unique_ptr<v1::CommentService::Stub> stub = v1::CommentService::NewStub(channels_.front());
  const std::string authorization = options_.token.empty() ? "" : "Bearer " + options_.token;
  for (int attempt = 1; attempt <= kMaxHotAddressSubmissions; ++attempt) {
    const uint64_t sequence = next_sequence_++;
    grpc::ClientContext captcha_context;
    captcha_context.set_deadline(std::chrono::system_clock::now() + options_.deadline);
    if (!authorization.empty()) {
      captcha_context.AddMetadata("authorization", authorization);
    }
    v1::CreateCaptchaRequest captcha_request;
    captcha_request.set_client_ip(ClientIpFor(sequence));
    v1::CreateCaptchaResponse captcha;
    const grpc::Status captcha_status =
        stub->CreateCaptcha(&captcha_context, captcha_request, &captcha);
    if (!captcha_status.ok()) {
      *error = "CreateCaptcha failed: " + DescribeError(captcha_status);
      return false;
    }
    v1::SubmitCommentRequest request;
    FillSubmission(CallKind::kRateLimited, sequence, run_id_, salt_, captcha.captcha_id(),
                   captcha.dev_answer(), &request);
    request.set_altcha_payload(ProofOfWorkFor(captcha));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + options_.deadline);
    if (!authorization.empty()) {
      context.AddMetadata("authorization", authorization);
    }
    v1::SubmitCommentResponse response;
    const grpc::Status status = stub->SubmitComment(&context, request, &response);
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      preparation_.hot_address_submissions = attempt;
      return true;
    }
  }
  *error = std::string("the address ") + kHotClientIp + " was not refused after " +
           std::to_string(kMaxHotAddressSubmissions) +
           " submissions: are rate limits on (ratelimit.enabled), and is it not on "
           "ratelimit.allow_list? Leave rate_limited out of --mix otherwise";
  return false;
}

bool LoadDriver::PrepareSubmissions(std::string* error) {
  error->clear();
  const Clock::time_point start = Clock::now();
  const uint64_t size = PoolSize();
  std::fprintf(stderr, "preparing: %llu captchas (%d in flight)\n",
               static_cast<unsigned long long>(size), options_.captcha_concurrency);
  if (!FetchCaptchas(size, error)) {
    return false;
  }
  if (options_.mix.Has(CallKind::kRateLimited) && !OverloadHotAddress(error)) {
    return false;
  }
  const Clock::time_point fetched = Clock::now();
  preparation_.captchas = size;
  preparation_.seconds = std::chrono::duration<double>(fetched - start).count();
  // The last captcha was issued just before `fetched`.
  std::this_thread::sleep_until(fetched + options_.captcha_min_age);
  preparation_.captcha_seconds_left =
      std::chrono::duration<double>(first_captcha_expiry_ - Clock::now()).count();
  const double needed_s = std::chrono::duration<double>(options_.warmup).count() +
                          (options_.count > 0 && options_.rate > 0
                               ? static_cast<double>(options_.count) / options_.rate
                               : std::chrono::duration<double>(options_.duration).count());
  std::fprintf(stderr, "prepared in %.1f s (%.0f captchas/s); the first expires in %.0f s\n",
               preparation_.seconds, static_cast<double>(size) / preparation_.seconds,
               preparation_.captcha_seconds_left);
  if (options_.count == 0 && needed_s > preparation_.captcha_seconds_left) {
    std::fprintf(stderr,
                 "warning: the submit phase lasts %.0f s, longer than the captchas live: expect "
                 "CAPTCHA_EXPIRED (raise captcha.ttl_seconds or shorten the run)\n",
                 needed_s);
  }
  return true;
}

PhaseResult LoadDriver::Run(Phase phase) {
  if (phase == Phase::kSubmit && options_.rate > 0) {
    return RunOpenLoop();
  }
  return RunClosedLoop(phase);
}

PhaseResult LoadDriver::RunClosedLoop(Phase phase) {
  const std::vector<std::unique_ptr<grpc::GenericStub>> stubs = GenericStubs(channels_);
  PhasePlan plan;
  plan.phase = phase;
  plan.stubs = &stubs;
  plan.requests = &requests_;
  plan.kinds = &kinds_;
  grpc::Slice empty;
  plan.health_request = grpc::ByteBuffer(&empty, 1);
  plan.deadline = options_.deadline;
  plan.authorization = options_.token.empty() ? "" : "Bearer " + options_.token;
  plan.count = options_.count;
  plan.start = Clock::now();
  plan.window_start = plan.start + options_.warmup;
  plan.window_end = plan.window_start + options_.duration;

  const int worker_count = std::min(options_.threads, options_.concurrency);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < worker_count; ++i) {
    workers.push_back(std::make_unique<Worker>(plan));
  }
  const std::vector<ProcessSample> watched_before = SampleWatched(options_.watched);
  std::vector<std::thread> threads;
  for (int i = 0; i < worker_count; ++i) {
    const int slots =
        options_.concurrency / worker_count + (i < options_.concurrency % worker_count ? 1 : 0);
    threads.emplace_back([&worker = *workers[i], slots] { worker.RunClosedLoop(slots); });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  const std::vector<ProcessSample> watched_after = SampleWatched(options_.watched);

  PhaseResult result;
  result.phase = phase;
  result.processes =
      UsageOfWatched(options_.watched, watched_before, watched_after, plan.answered.load());
  const double window_start_s = std::chrono::duration<double>(options_.warmup).count();
  const int64_t ran_out_ns = plan.ran_out_at_ns.load();
  if (options_.count > 0) {
    result.measured_seconds =
        static_cast<double>(plan.last_completion_ns.load()) / 1e9 - window_start_s;
  } else {
    result.measured_seconds = std::chrono::duration<double>(options_.duration).count();
    const double ran_out_s = static_cast<double>(ran_out_ns) / 1e9 - window_start_s;
    if (ran_out_ns != std::numeric_limits<int64_t>::max() && ran_out_s < result.measured_seconds) {
      result.measured_seconds = std::max(ran_out_s, 0.0);
    }
  }
  result.pool_ran_out =
      ran_out_ns != std::numeric_limits<int64_t>::max() &&
      (options_.count > 0
           ? plan.measured_started.load() < options_.count
           : result.measured_seconds < std::chrono::duration<double>(options_.duration).count());
  result.rows = Rows(phase, workers, options_.mix);
  result.sent_per_second =
      result.measured_seconds > 0
          ? static_cast<double>(result.total().stats.calls()) / result.measured_seconds
          : 0;
  return result;
}

PhaseResult LoadDriver::RunOpenLoop() {
  const std::vector<std::unique_ptr<grpc::GenericStub>> stubs = GenericStubs(channels_);
  PhasePlan plan;
  plan.phase = Phase::kSubmit;
  plan.stubs = &stubs;
  plan.requests = &requests_;
  plan.kinds = &kinds_;
  plan.deadline = options_.deadline;
  plan.authorization = options_.token.empty() ? "" : "Bearer " + options_.token;
  plan.rate = options_.rate;
  plan.first_measured = static_cast<uint64_t>(
      std::ceil(options_.rate * std::chrono::duration<double>(options_.warmup).count()));
  plan.end_measured =
      plan.first_measured +
      (options_.count > 0
           ? options_.count
           : static_cast<uint64_t>(std::ceil(
                 options_.rate * std::chrono::duration<double>(options_.duration).count())));
  plan.total = std::min<uint64_t>(plan.end_measured, requests_.size());
  plan.start = Clock::now();

  const int worker_count = options_.threads;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < worker_count; ++i) {
    workers.push_back(std::make_unique<Worker>(plan));
  }
  std::atomic<int> in_flight{0};
  const std::vector<ProcessSample> watched_before = SampleWatched(options_.watched);
  std::vector<std::thread> threads;
  for (int i = 0; i < worker_count; ++i) {
    threads.emplace_back(
        [&worker = *workers[i], &in_flight] { worker.CompleteOpenLoopCalls(in_flight); });
  }

  // The pacer: one thread that sleeps until each call is due and starts it,
  // never waiting for an answer. A thread of its own because a completion
  // queue's timed wait wakes a millisecond or two late, which would be
  // counted as the server's latency; completions are recorded by the workers.
  WorkerStats pacer;
  uint64_t sent = 0;
  Clock::time_point last_send = plan.Due(plan.first_measured);
  for (uint64_t index = 0; index < plan.total; ++index) {
    const Clock::time_point due = plan.Due(index);
    Clock::time_point now = Clock::now();
    if (now < due) {
      std::this_thread::sleep_until(due);
      now = Clock::now();
    }
    const bool measured = index >= plan.first_measured && index < plan.end_measured;
    CallStats& stats = pacer.submit[static_cast<int>(kinds_[index])];
    if (in_flight.load(std::memory_order_relaxed) >= options_.max_in_flight) {
      if (measured) {
        stats.RecordDropped();
      }
      continue;
    }
    if (measured) {
      if (now - due > kLateAfter) {
        stats.RecordLate(now - due);
      }
      ++sent;
      last_send = now;
    }
    auto call = std::make_unique<Call>();
    call->index = index;
    call->due = due;
    call->measured = measured;
    in_flight.fetch_add(1, std::memory_order_relaxed);
    workers[index % workers.size()]->StartOpenLoopCall(std::move(call));
  }
  for (const std::unique_ptr<Worker>& worker : workers) {
    worker->Finish();
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  const std::vector<ProcessSample> watched_after = SampleWatched(options_.watched);

  PhaseResult result;
  result.phase = Phase::kSubmit;
  result.open_loop = true;
  result.processes =
      UsageOfWatched(options_.watched, watched_before, watched_after, plan.answered.load());
  result.target_rate = options_.rate;
  result.pool_ran_out = plan.total < plan.end_measured;
  const uint64_t measured_calls =
      plan.total > plan.first_measured ? plan.total - plan.first_measured : 0;
  result.measured_seconds = static_cast<double>(measured_calls) / options_.rate;
  // From when the first measured call was due to one interval after the last
  // one went out: a client that fell behind shows a lower rate.
  const double send_seconds =
      std::chrono::duration<double>(last_send - plan.Due(plan.first_measured)).count() +
      1 / options_.rate;
  result.sent_per_second = sent > 0 ? static_cast<double>(sent) / send_seconds : 0;
  result.rows = Rows(Phase::kSubmit, workers, options_.mix, &pacer);
  return result;
}

bool LoadDriver::WriteFramedRequest(const std::string& path, std::string* error) {
  std::unique_ptr<v1::CommentService::Stub> stub = v1::CommentService::NewStub(channels_.front());
  const std::string authorization = options_.token.empty() ? "" : "Bearer " + options_.token;
  const uint64_t sequence = next_sequence_++;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options_.deadline);
  if (!authorization.empty()) {
    context.AddMetadata("authorization", authorization);
  }
  v1::CreateCaptchaRequest captcha_request;
  captcha_request.set_client_ip(ClientIpFor(sequence));
  v1::CreateCaptchaResponse captcha;
  const grpc::Status status = stub->CreateCaptcha(&context, captcha_request, &captcha);
  if (!status.ok()) {
    *error = "CreateCaptcha failed: " + DescribeError(status);
    return false;
  }
  v1::SubmitCommentRequest request;
  FillSubmission(CallKind::kRateLimited, sequence, run_id_, salt_, captcha.captcha_id(),
                 captcha.dev_answer(), &request);
  request.set_altcha_payload(ProofOfWorkFor(captcha));
  // Answered wrongly so that no copy is ever accepted: an accepted one would
  // record its idempotency key, and every later copy would be answered as a
  // retry of it, a different and much cheaper path.
  request.set_captcha_answer(std::string(captcha.dev_answer().size(), '0'));
  const std::string message = request.SerializeAsString();
  // gRPC's length-prefixed message: a compression flag (0: none), then the
  // length as 4 bytes, big-endian.
  std::string framed(5, '\0');
  const auto length = static_cast<uint32_t>(message.size());
  framed[1] = static_cast<char>(length >> 24);
  framed[2] = static_cast<char>(length >> 16);
  framed[3] = static_cast<char>(length >> 8);
  framed[4] = static_cast<char>(length);
  framed += message;
  std::ofstream file(path, std::ios::binary);
  file << framed;
  if (!file) {
    *error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace moderation::loadgen
