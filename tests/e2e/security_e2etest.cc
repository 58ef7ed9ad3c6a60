// Transport security and roles, through the real binaries: TLS and mutual TLS
// on the gRPC port, bearer tokens with roles, the start-up refusals, the
// new-token command and modctl's TLS options and exit codes.

#include <gmock/gmock.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/support/test_pki.h"
#include "tests/support/reader_address.h"

namespace moderation::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A token from `moderation-server new-token` and the configuration line it
// printed for it.
struct IssuedToken {
  std::string token;
  std::string line;  // name:role:sha256
};

IssuedToken IssueToken(const std::string& name, const std::string& role) {
  absl::StatusOr<testing::CommandResult> printed = testing::RunCommand(
      {MODERATION_SERVER_BINARY, "new-token", "--name", name, "--role", role}, {});
  EXPECT_TRUE(printed.ok()) << printed.status();
  if (!printed.ok()) {
    return {};
  }
  EXPECT_EQ(printed->exit_code, 0);
  IssuedToken issued;
  for (absl::string_view line : absl::StrSplit(printed->output, '\n', absl::SkipEmpty())) {
    if (line.front() == '#' || line.front() == '[' || absl::StrContains(line, " = ")) {
      continue;
    }
    // The token comes first; the name:role:sha256 line last.
    if (issued.token.empty()) {
      issued.token = std::string(line);
    } else {
      issued.line = std::string(line);
    }
  }
  EXPECT_EQ(issued.token.size(), 43u) << printed->output;
  EXPECT_TRUE(absl::StartsWith(issued.line, absl::StrCat(name, ":", role, ":"))) << printed->output;
  return issued;
}

std::shared_ptr<grpc::ChannelCredentials> TlsCredentials(const std::string& ca_file,
                                                         const std::string& cert_file = "",
                                                         const std::string& key_file = "") {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = testing::ReadTextFile(ca_file);
  if (!cert_file.empty()) {
    options.pem_cert_chain = testing::ReadTextFile(cert_file);
    options.pem_private_key = testing::ReadTextFile(key_file);
  }
  return grpc::SslCredentials(options);
}

// Runs with TLS (the test CA's server certificate for 127.0.0.1) and three
// tokens: portal-web (portal, from MODERATION_AUTH_TOKENS), lan (moderator)
// and mai (admin), both from a tokens file.
class SecurityTest : public EndToEndTest {
 protected:
  void SetUp() override {
    absl::StatusOr<testing::TestPki> pki = testing::WriteTestPki(files_.path());
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *std::move(pki);
    portal_web_ = IssueToken("portal-web", "portal");
    lan_ = IssueToken("lan", "moderator");
    mai_ = IssueToken("mai", "admin");
    tokens_file_ = files_.path() + "/tokens";
    std::ofstream(tokens_file_) << "# moderators\n" << lan_.line << "\n" << mai_.line << "\n";
    extra_settings_ = SecureSettings(/*mutual=*/false);
    channel_credentials_ = TlsCredentials(pki_.ca_cert);
    portal_token_ = portal_web_.token;
    EndToEndTest::SetUp();
  }

  std::map<std::string, std::string> SecureSettings(bool mutual) const {
    std::map<std::string, std::string> settings = {{"MODERATION_TLS_CERT_FILE", pki_.server_cert},
                                                   {"MODERATION_TLS_KEY_FILE", pki_.server_key},
                                                   {"MODERATION_AUTH_TOKENS", portal_web_.line},
                                                   {"MODERATION_AUTH_TOKENS_FILE", tokens_file_}};
    if (mutual) {
      settings["MODERATION_TLS_CLIENT_CA_FILE"] = pki_.ca_cert;
    }
    return settings;
  }

  static std::unique_ptr<grpc::ClientContext> ContextWith(const std::string& authorization) {
    auto context = Context();
    if (!authorization.empty()) {
      context->AddMetadata("authorization", authorization);
    }
    return context;
  }
  static std::string Bearer(const IssuedToken& issued) { return "Bearer " + issued.token; }

  grpc::Status ListPending(const std::string& authorization,
                           v1::ListPendingResponse* response = nullptr) {
    v1::ListPendingResponse ignored;
    auto context = ContextWith(authorization);
    return moderation_->ListPending(context.get(), v1::ListPendingRequest(),
                                    response != nullptr ? response : &ignored);
  }
  grpc::Status CreateCaptcha(const std::string& authorization) {
    v1::CreateCaptchaResponse response;
    auto context = ContextWith(authorization);
    return portal_->CreateCaptcha(context.get(), testing::ReaderCaptchaRequest(), &response);
  }
  grpc::Status BanAddress(const std::string& authorization, v1::CreateBanResponse* response) {
    v1::CreateBanRequest request;
    request.set_ip_address("198.51.100.23");
    request.set_reason("quảng cáo");
    auto context = ContextWith(authorization);
    return moderation_->CreateBan(context.get(), request, response);
  }
  grpc::Status GetComment(const std::string& authorization, const std::string& comment_id) {
    v1::GetCommentRequest request;
    request.set_comment_id(comment_id);
    v1::GetCommentResponse response;
    auto context = ContextWith(authorization);
    return moderation_->GetComment(context.get(), request, &response);
  }

  std::string SubmitOne() {
    v1::SubmitCommentResponse response;
    const grpc::Status status = Submit(ValidSubmission(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.comment_id();
  }

  // Runs modctl with these arguments and environment; stderr is kept in
  // modctl_stderr_.
  testing::CommandResult RunModctl(const std::vector<std::string>& args,
                                   const std::map<std::string, std::string>& environment = {}) {
    std::vector<std::string> argv = {MODERATION_MODCTL_BINARY, "--timeout", "5"};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string stderr_path = files_.path() + "/modctl.stderr";
    absl::StatusOr<testing::CommandResult> result =
        testing::RunCommand(argv, environment, stderr_path);
    EXPECT_TRUE(result.ok()) << result.status();
    modctl_stderr_ = testing::ReadTextFile(stderr_path);
    return result.ok() ? *result : testing::CommandResult{};
  }

  testing::TempDir files_;
  testing::TestPki pki_;
  IssuedToken portal_web_;
  IssuedToken lan_;
  IssuedToken mai_;
  std::string tokens_file_;
  std::string modctl_stderr_;
};

TEST_F(SecurityTest, CallsOverTlsSucceedForTheRightRole) {
  const std::string comment_id = SubmitOne();
  v1::ListPendingResponse pending;
  const grpc::Status listed = ListPending(Bearer(lan_), &pending);
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  ASSERT_EQ(pending.comments_size(), 1);
  EXPECT_EQ(pending.comments(0).comment_id(), comment_id);
  EXPECT_TRUE(ListPending(Bearer(mai_)).ok());
  EXPECT_TRUE(GetComment(Bearer(lan_), comment_id).ok());

  v1::CreateBanResponse banned;
  const grpc::Status ban = BanAddress(Bearer(mai_), &banned);
  ASSERT_TRUE(ban.ok()) << ban.error_message();
  ASSERT_EQ(banned.bans_size(), 1);
  EXPECT_EQ(banned.bans(0).created_by(), "mai");
}

// Calls `call` without pause on a thread of its own until stopped, counting
// the calls that failed.
class SteadyCalls {
 public:
  explicit SteadyCalls(std::function<grpc::Status()> call)
      : thread_([this, call = std::move(call)] {
          while (!stop_.load()) {
            const grpc::Status status = call();
            calls_.fetch_add(1);
            if (!status.ok()) {
              absl::MutexLock lock(&mutex_);
              failures_.push_back(absl::StrCat(status.error_code(), " ", status.error_message()));
            }
          }
        }) {}
  ~SteadyCalls() { Stop(); }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  [[nodiscard]] int calls() const { return calls_.load(); }
  [[nodiscard]] std::vector<std::string> failures() {
    absl::MutexLock lock(&mutex_);
    return failures_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> calls_{0};
  absl::Mutex mutex_;
  std::vector<std::string> failures_ ABSL_GUARDED_BY(mutex_);
  std::thread thread_;
};

// A channel with a connection of its own: channels otherwise share the
// connections of a process-wide pool.
std::shared_ptr<grpc::Channel> FreshChannel(
    const std::string& address, const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, credentials, arguments);
}

// The certificate a fresh connection to `address` is served.
std::string ServedCertificate(const std::string& address,
                              const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  auto stub = v1::CommentService::NewStub(FreshChannel(address, credentials));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::CreateCaptchaResponse response;
  (void)stub->CreateCaptcha(&context, testing::ReaderCaptchaRequest(), &response);
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) {
    return "";
  }
  std::vector<grpc::string_ref> pem = auth->FindPropertyValues("x509_pem_cert");
  return pem.empty() ? "" : std::string(pem[0].data(), pem[0].size());
}

TEST_F(SecurityTest, TokensRotateOnSighupWithoutAFailedCall) {
  const IssuedToken lan_next = IssueToken("lan", "moderator");
  absl::Mutex mutex;
  std::string in_use = Bearer(lan_);
  SteadyCalls moderator([&] {
    std::string authorization;
    {
      absl::MutexLock lock(&mutex);
      authorization = in_use;
    }
    return ListPending(authorization);
  });
  auto wait_for_calls = [&](int more) {
    const int target = moderator.calls() + more;
    return testing::WaitFor([&] { return moderator.calls() >= target; }, absl::Seconds(30));
  };
  ASSERT_TRUE(wait_for_calls(20));

  // The new token joins the old one; the client moves to it; the old one goes.
  std::ofstream(tokens_file_) << lan_.line << "\n" << lan_next.line << "\n" << mai_.line << "\n";
  ASSERT_EQ(kill(server_->pid(), SIGHUP), 0);
  ASSERT_TRUE(
      testing::WaitFor([&] { return ListPending(Bearer(lan_next)).ok(); }, absl::Seconds(10)));
  {
    absl::MutexLock lock(&mutex);
    in_use = Bearer(lan_next);
  }
  ASSERT_TRUE(wait_for_calls(20));
  std::ofstream(tokens_file_) << lan_next.line << "\n" << mai_.line << "\n";
  ASSERT_EQ(kill(server_->pid(), SIGHUP), 0);
  ASSERT_TRUE(testing::WaitFor(
      [&] { return ListPending(Bearer(lan_)).error_code() == grpc::StatusCode::UNAUTHENTICATED; },
      absl::Seconds(10)));
  ASSERT_TRUE(wait_for_calls(20));

  // A broken file (a truncated hash) changes nothing, and the log says why.
  std::ofstream(tokens_file_) << "lan:moderator:abc\n";
  ASSERT_EQ(kill(server_->pid(), SIGHUP), 0);
  ASSERT_TRUE(testing::WaitFor(
      [&] { return absl::StrContains(testing::ReadTextFile(server_log_), "tokens not reloaded"); },
      absl::Seconds(10)));
  ASSERT_TRUE(wait_for_calls(20));
  EXPECT_TRUE(ListPending(Bearer(mai_)).ok());
  EXPECT_EQ(ListPending(Bearer(lan_)).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  moderator.Stop();
  EXPECT_THAT(moderator.failures(), ::testing::IsEmpty());
  EXPECT_GT(moderator.calls(), 80);
}

TEST_F(SecurityTest, CertificatesRotateWithoutAFailedCallAndABadOneIsRefused) {
  // The next certificate comes from a new CA, which clients trust beside the
  // old one (the usual order of a CA rotation).
  testing::TempDir next_dir;
  absl::StatusOr<testing::TestPki> next = testing::WriteTestPki(next_dir.path());
  ASSERT_TRUE(next.ok()) << next.status();
  const std::string both_cas =
      testing::ReadTextFile(pki_.ca_cert) + testing::ReadTextFile(next->ca_cert);
  grpc::SslCredentialsOptions trust_both;
  trust_both.pem_root_certs = both_cas;
  const std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::SslCredentials(trust_both);
  // The server reads copies of its files: rotate the configured ones.
  const std::string cert_file = files_.path() + "/served.crt";
  const std::string key_file = files_.path() + "/served.key";
  std::ofstream(cert_file) << testing::ReadTextFile(pki_.server_cert);
  std::ofstream(key_file) << testing::ReadTextFile(pki_.server_key);
  std::map<std::string, std::string> settings = SecureSettings(/*mutual=*/false);
  settings["MODERATION_TLS_CERT_FILE"] = cert_file;
  settings["MODERATION_TLS_KEY_FILE"] = key_file;
  channel_credentials_ = credentials;
  RestartServerWith(settings);
  ASSERT_EQ(ServedCertificate(address_, credentials), testing::ReadTextFile(pki_.server_cert));

  // One client keeps its connection; another opens a new one for each call.
  SteadyCalls kept([&] { return CreateCaptcha(Bearer(portal_web_)); });
  SteadyCalls fresh([&] {
    auto stub = v1::CommentService::NewStub(FreshChannel(address_, credentials));
    auto context = ContextWith(Bearer(portal_web_));
    v1::CreateCaptchaResponse response;
    return stub->CreateCaptcha(context.get(), testing::ReaderCaptchaRequest(), &response);
  });
  ASSERT_TRUE(testing::WaitFor([&] { return fresh.calls() >= 10; }, absl::Seconds(30)));

  std::ofstream(key_file) << testing::ReadTextFile(next->server_key);
  std::ofstream(cert_file) << testing::ReadTextFile(next->server_cert);
  ASSERT_EQ(kill(server_->pid(), SIGHUP), 0);
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return ServedCertificate(address_, credentials) == testing::ReadTextFile(next->server_cert);
      },
      absl::Seconds(10)));
  const int fresh_after_rotation = fresh.calls();
  ASSERT_TRUE(testing::WaitFor([&] { return fresh.calls() >= fresh_after_rotation + 10; },
                               absl::Seconds(30)));

  // A key that is not the certificate's is refused: the last good pair stays.
  std::ofstream(key_file) << testing::ReadTextFile(pki_.server_key);
  ASSERT_EQ(kill(server_->pid(), SIGHUP), 0);
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return absl::StrContains(testing::ReadTextFile(server_log_),
                                 "TLS certificate not reloaded");
      },
      absl::Seconds(10)));
  absl::SleepFor(absl::Milliseconds(1500));  // past the watcher's next look
  EXPECT_EQ(ServedCertificate(address_, credentials), testing::ReadTextFile(next->server_cert));

  kept.Stop();
  fresh.Stop();
  EXPECT_THAT(kept.failures(), ::testing::IsEmpty());
  EXPECT_THAT(fresh.failures(), ::testing::IsEmpty());
  EXPECT_GT(fresh.calls(), 20);
}

TEST_F(SecurityTest, PlaintextOrUntrustingClientsCannotTalkToTheTlsServer) {
  auto plaintext = v1::CommentService::NewStub(
      grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  v1::CreateCaptchaResponse response;
  auto context = ContextWith(Bearer(portal_web_));
  EXPECT_EQ(
      plaintext->CreateCaptcha(context.get(), testing::ReaderCaptchaRequest(), &response).error_code(),
      grpc::StatusCode::UNAVAILABLE);

  // A client that trusts another CA refuses the server's certificate.
  auto untrusting = v1::CommentService::NewStub(
      grpc::CreateChannel(address_, TlsCredentials(pki_.other_ca_cert)));
  context = ContextWith(Bearer(portal_web_));
  EXPECT_EQ(
      untrusting->CreateCaptcha(context.get(), testing::ReaderCaptchaRequest(), &response).error_code(),
      grpc::StatusCode::UNAVAILABLE);
}

TEST_F(SecurityTest, MutualTlsAdmitsOnlyClientsWithACertificateFromTheCa) {
  channel_credentials_ = TlsCredentials(pki_.ca_cert, pki_.client_cert, pki_.client_key);
  RestartServerWith(SecureSettings(/*mutual=*/true));
  EXPECT_TRUE(ListPending(Bearer(lan_)).ok());

  const auto call_with = [&](const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
    auto stub = v1::ModerationService::NewStub(grpc::CreateChannel(address_, credentials));
    v1::ListPendingResponse response;
    auto context = ContextWith(Bearer(lan_));
    return stub->ListPending(context.get(), v1::ListPendingRequest(), &response).error_code();
  };
  EXPECT_EQ(call_with(TlsCredentials(pki_.ca_cert)), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(call_with(TlsCredentials(pki_.ca_cert, pki_.other_client_cert, pki_.other_client_key)),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(call_with(TlsCredentials(pki_.ca_cert, pki_.client_cert, pki_.client_key)),
            grpc::StatusCode::OK);

  // modctl: exit 3 without a client certificate, 0 with one.
  EXPECT_EQ(
      RunModctl({"--server", address_, "--tls-ca", pki_.ca_cert, "--token", lan_.token, "list"})
          .exit_code,
      3);
  const testing::CommandResult with_cert =
      RunModctl({"--server", address_, "--tls-ca", pki_.ca_cert, "--tls-cert", pki_.client_cert,
                 "--tls-key", pki_.client_key, "--token", lan_.token, "list"});
  EXPECT_EQ(with_cert.exit_code, 0) << modctl_stderr_;
  EXPECT_EQ(RunModctl({"list"}, {{"MODCTL_SERVER", address_},
                                 {"MODCTL_TLS_CA", pki_.ca_cert},
                                 {"MODCTL_TLS_CERT", pki_.client_cert},
                                 {"MODCTL_TLS_KEY", pki_.client_key},
                                 {"MODCTL_TOKEN", lan_.token}})
                .exit_code,
            0)
      << modctl_stderr_;
}

TEST_F(SecurityTest, EachRoleIsDeniedWhatItMayNotDo) {
  v1::CreateBanResponse banned;
  struct Expectation {
    const char* what;
    grpc::Status status;
    grpc::StatusCode code;
  };
  const std::vector<Expectation> expectations = {
      {"portal lists the queue", ListPending(Bearer(portal_web_)),
       grpc::StatusCode::PERMISSION_DENIED},
      {"portal bans", BanAddress(Bearer(portal_web_), &banned),
       grpc::StatusCode::PERMISSION_DENIED},
      {"moderator bans", BanAddress(Bearer(lan_), &banned), grpc::StatusCode::PERMISSION_DENIED},
      {"moderator asks for a captcha", CreateCaptcha(Bearer(lan_)),
       grpc::StatusCode::PERMISSION_DENIED},
      {"admin asks for a captcha", CreateCaptcha(Bearer(mai_)),
       grpc::StatusCode::PERMISSION_DENIED},
      {"no token, portal call", CreateCaptcha(""), grpc::StatusCode::UNAUTHENTICATED},
      {"no token, moderation call", ListPending(""), grpc::StatusCode::UNAUTHENTICATED},
      {"wrong token", ListPending("Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
       grpc::StatusCode::UNAUTHENTICATED},
      {"the hash as a token", ListPending("Bearer " + lan_.line.substr(lan_.line.rfind(':') + 1)),
       grpc::StatusCode::UNAUTHENTICATED},
      {"not a bearer header", ListPending("Basic bGFuOnBhc3N3b3Jk"),
       grpc::StatusCode::UNAUTHENTICATED},
  };
  for (const Expectation& expected : expectations) {
    EXPECT_EQ(expected.status.error_code(), expected.code)
        << expected.what << ": " << expected.status.error_message();
    const std::string reason = DetailOf(expected.status).reason();
    EXPECT_EQ(reason, expected.code == grpc::StatusCode::UNAUTHENTICATED ? "UNAUTHENTICATED"
                                                                         : "PERMISSION_DENIED")
        << expected.what;
  }

  v1::DeleteBanRequest unban;
  unban.set_ban_id("no-such-ban");
  v1::DeleteBanResponse unbanned;
  auto context = ContextWith(Bearer(lan_));
  EXPECT_EQ(moderation_->DeleteBan(context.get(), unban, &unbanned).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(SecurityTest, DeniedCallsDoNotSayWhetherACommentExists) {
  const std::string existing = SubmitOne();
  const std::string missing = "01JD0000000000000000000001";

  const grpc::Status portal_existing = GetComment(Bearer(portal_web_), existing);
  const grpc::Status portal_missing = GetComment(Bearer(portal_web_), missing);
  EXPECT_EQ(portal_existing.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(portal_missing.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(portal_existing.error_message(), portal_missing.error_message());

  EXPECT_EQ(GetComment("", existing).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetComment("", missing).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetComment("Bearer nope", missing).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  v1::ApproveCommentRequest approve;
  approve.set_comment_id(missing);
  v1::ApproveCommentResponse approved;
  auto context = ContextWith(Bearer(portal_web_));
  EXPECT_EQ(moderation_->ApproveComment(context.get(), approve, &approved).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Only a moderator learns that the comment does not exist.
  EXPECT_EQ(GetComment(Bearer(lan_), missing).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(SecurityTest, DecisionsAndBansCarryTheCallersName) {
  const std::string approved_id = SubmitOne();
  const std::string rejected_id = SubmitOne();

  v1::ApproveCommentRequest approve;
  approve.set_comment_id(approved_id);
  v1::ApproveCommentResponse approved;
  auto context = ContextWith(Bearer(lan_));
  ASSERT_TRUE(moderation_->ApproveComment(context.get(), approve, &approved).ok());

  v1::RejectCommentRequest reject;
  reject.set_comment_id(rejected_id);
  reject.set_reason(v1::REJECTION_REASON_SPAM);
  v1::RejectCommentResponse rejected;
  context = ContextWith(Bearer(mai_));
  ASSERT_TRUE(moderation_->RejectComment(context.get(), reject, &rejected).ok());

  // The decision record (service/storage/redis/keys.h: mod:{c}:comment:<id>).
  EXPECT_EQ(*redis_->Cli({"HGET", "mod:{c}:comment:" + approved_id, "decided_by"}), "lan");
  EXPECT_EQ(*redis_->Cli({"HGET", "mod:{c}:comment:" + rejected_id, "decided_by"}), "mai");

  v1::CreateBanResponse banned;
  ASSERT_TRUE(BanAddress(Bearer(mai_), &banned).ok());
  v1::ListBansResponse bans;
  context = ContextWith(Bearer(lan_));
  ASSERT_TRUE(moderation_->ListBans(context.get(), v1::ListBansRequest(), &bans).ok());
  ASSERT_EQ(bans.bans_size(), 1);
  EXPECT_EQ(bans.bans(0).created_by(), "mai");

  // The access log names the caller, never the token.
  const std::string log = testing::ReadTextFile(server_log_);
  EXPECT_THAT(log, HasSubstr("\"principal\":\"lan\""));
  EXPECT_THAT(log, HasSubstr("\"principal\":\"mai\""));
  for (const IssuedToken* issued : {&portal_web_, &lan_, &mai_}) {
    EXPECT_THAT(log, Not(HasSubstr(issued->token)));
  }
}

TEST_F(SecurityTest, HealthStaysOpenForProbes) {
  const testing::CommandResult health =
      RunModctl({"--server", address_, "--tls-ca", pki_.ca_cert, "health"});
  EXPECT_EQ(health.exit_code, 0) << modctl_stderr_;
  EXPECT_THAT(health.output, HasSubstr("SERVING"));
}

TEST_F(SecurityTest, ModctlSpeaksTlsSendsTheTokenAndSaysWhyItFailed) {
  const std::string comment_id = SubmitOne();
  const std::vector<std::string> tls = {"--server", address_, "--tls-ca", pki_.ca_cert};
  const auto with = [&](std::vector<std::string> args) {
    std::vector<std::string> all = tls;
    all.insert(all.end(), args.begin(), args.end());
    return all;
  };

  testing::CommandResult listed = RunModctl(with({"--token", lan_.token, "list"}));
  EXPECT_EQ(listed.exit_code, 0) << modctl_stderr_;
  EXPECT_THAT(listed.output, HasSubstr(comment_id));
  listed = RunModctl(
      {"list"},
      {{"MODCTL_SERVER", address_}, {"MODCTL_TLS_CA", pki_.ca_cert}, {"MODCTL_TOKEN", lan_.token}});
  EXPECT_EQ(listed.exit_code, 0) << modctl_stderr_;
  EXPECT_THAT(listed.output, HasSubstr(comment_id));

  // Refused by the server: exit 1, with the code and a hint.
  EXPECT_EQ(RunModctl(with({"--token", portal_web_.token, "list"})).exit_code, 1);
  EXPECT_THAT(modctl_stderr_, HasSubstr("PERMISSION_DENIED"));
  EXPECT_EQ(RunModctl(with({"list"})).exit_code, 1);
  EXPECT_THAT(modctl_stderr_, HasSubstr("UNAUTHENTICATED"));
  EXPECT_THAT(modctl_stderr_, HasSubstr("--token or MODCTL_TOKEN"));
  EXPECT_EQ(RunModctl(with({"--token", "not-a-known-token", "list"})).exit_code, 1);
  EXPECT_THAT(modctl_stderr_, HasSubstr("UNAUTHENTICATED"));
  EXPECT_EQ(RunModctl(with({"--token", lan_.token, "ban", "--ip", "198.51.100.9", "--reason", "x"}))
                .exit_code,
            1);
  EXPECT_THAT(modctl_stderr_, HasSubstr("PERMISSION_DENIED"));
  EXPECT_EQ(RunModctl(with({"--token", mai_.token, "ban", "--ip", "198.51.100.9", "--reason", "x"}))
                .exit_code,
            0)
      << modctl_stderr_;

  // Cannot reach the server: exit 3. Plaintext against TLS, a CA that did
  // not sign the server's certificate, and a closed port.
  EXPECT_EQ(RunModctl({"--server", address_, "--token", lan_.token, "list"}).exit_code, 3);
  EXPECT_EQ(RunModctl({"--server", address_, "--tls-ca", pki_.other_ca_cert, "--token", lan_.token,
                       "list"})
                .exit_code,
            3);
  EXPECT_EQ(RunModctl({"--server", absl::StrCat("127.0.0.1:", testing::PickFreePort()), "--tls-ca",
                       pki_.ca_cert, "--token", lan_.token, "list"})
                .exit_code,
            3);
  // An unreadable CA file is a usage error: nothing was sent.
  EXPECT_EQ(
      RunModctl({"--server", address_, "--tls-ca", files_.path() + "/none.crt", "list"}).exit_code,
      2);
}

// Starts the server binary with the fixture's environment plus `settings`,
// and waits up to 10 s for it to exit; the exit status, or -1 if it is still
// running (then it is stopped).
int ExitStatusOfServerWith(const std::map<std::string, std::string>& base,
                           const std::map<std::string, std::string>& settings,
                           const std::string& log_path) {
  std::map<std::string, std::string> environment = base;
  for (const auto& [name, value] : settings) {
    environment[name] = value;
  }
  absl::StatusOr<testing::ChildProcess> server =
      testing::ChildProcess::Start({MODERATION_SERVER_BINARY}, environment, log_path);
  if (!server.ok()) {
    return -2;
  }
  absl::StatusOr<int> status = server->Stop(0, absl::Seconds(10));
  return status.ok() && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

TEST_F(SecurityTest, RefusesToServeOtherMachinesWithoutTlsAndTokens) {
  const std::string everywhere = absl::StrCat("0.0.0.0:", testing::PickFreePort());
  const std::string log_path = files_.path() + "/refused.log";
  std::map<std::string, std::string> base = ServerEnvironment();
  base["MODERATION_LISTEN"] = everywhere;
  base["MODERATION_DEV_REVEAL_CAPTCHA"] = "0";
  base["MODERATION_METRICS_LISTEN"] = "";

  // Neither TLS nor tokens.
  EXPECT_EQ(ExitStatusOfServerWith(base,
                                   {{"MODERATION_TLS_CERT_FILE", ""},
                                    {"MODERATION_TLS_KEY_FILE", ""},
                                    {"MODERATION_AUTH_TOKENS", ""},
                                    {"MODERATION_AUTH_TOKENS_FILE", ""}},
                                   log_path),
            1);
  std::string log = testing::ReadTextFile(log_path);
  EXPECT_THAT(log, HasSubstr("tls.cert_file"));
  EXPECT_THAT(log, HasSubstr("MODERATION_INSECURE"));

  // TLS without tokens.
  EXPECT_EQ(
      ExitStatusOfServerWith(
          base, {{"MODERATION_AUTH_TOKENS", ""}, {"MODERATION_AUTH_TOKENS_FILE", ""}}, log_path),
      1);
  log = testing::ReadTextFile(log_path);
  EXPECT_THAT(log, HasSubstr("auth.tokens"));

  // A token file that is not one.
  const std::string bad_tokens = files_.path() + "/bad-tokens";
  std::ofstream(bad_tokens) << "lan:moderator:" << lan_.token << "\n";
  EXPECT_EQ(ExitStatusOfServerWith(base, {{"MODERATION_AUTH_TOKENS_FILE", bad_tokens}}, log_path),
            1);
  log = testing::ReadTextFile(log_path);
  EXPECT_THAT(log, HasSubstr("not the token itself"));
  EXPECT_THAT(log, Not(HasSubstr(lan_.token)));
}

TEST_F(SecurityTest, InsecureServesOtherMachinesWithAWarning) {
  const int port = testing::PickFreePort();
  const std::string log_path = files_.path() + "/insecure.log";
  std::map<std::string, std::string> environment = ServerEnvironment();
  environment["MODERATION_LISTEN"] = absl::StrCat("0.0.0.0:", port);
  environment["MODERATION_DEV_REVEAL_CAPTCHA"] = "0";
  environment["MODERATION_METRICS_LISTEN"] = "";
  environment["MODERATION_TLS_CERT_FILE"] = "";
  environment["MODERATION_TLS_KEY_FILE"] = "";
  environment["MODERATION_AUTH_TOKENS"] = "";
  environment["MODERATION_AUTH_TOKENS_FILE"] = "";
  environment["MODERATION_INSECURE"] = "true";
  absl::StatusOr<testing::ChildProcess> server =
      testing::ChildProcess::Start({MODERATION_SERVER_BINARY}, environment, log_path);
  ASSERT_TRUE(server.ok()) << server.status();

  auto stub = v1::ModerationService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  const bool up = testing::WaitFor(
      [&] {
        v1::ListPendingResponse response;
        auto context = Context();
        context->set_wait_for_ready(true);
        return stub->ListPending(context.get(), v1::ListPendingRequest(), &response).ok();
      },
      absl::Seconds(15));
  EXPECT_TRUE(up) << testing::ReadTextFile(log_path);
  const std::string log = testing::ReadTextFile(log_path);
  EXPECT_THAT(log, HasSubstr("INSECURE"));
  EXPECT_THAT(log, HasSubstr("plaintext"));
  EXPECT_THAT(log, HasSubstr("without a token"));
  EXPECT_TRUE(server->Stop(SIGTERM, absl::Seconds(10)).ok());
}

}  // namespace
}  // namespace moderation::e2e
