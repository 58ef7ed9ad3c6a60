#include "client/modctl/review.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/modctl/display_text.h"
#include "client/modctl/enum_names.h"

namespace moderation::modctl {
namespace {

constexpr char kCtrlC = '\x03';
constexpr char kCtrlD = '\x04';
constexpr absl::string_view kClearScreen = "\x1b[H\x1b[2J";
// Skipped comments the server is asked not to hand back; beyond this, the
// oldest skips may come round again.
constexpr std::size_t kMaxSkipped = 1000;

std::string OneLine(absl::string_view text) {
  return SanitizeForTerminal(text, LineBreaks::kReplace);
}

// A name for this run, so that two terminals of one moderator get
// different comments.
std::string NewSessionId() {
  std::random_device device;
  std::uniform_int_distribution<int> digit(0, 15);
  std::string session;
  for (int i = 0; i < 16; ++i) {
    session.push_back("0123456789abcdef"[digit(device)]);
  }
  return session;
}

class Review {
 public:
  Review(const CommandContext& context, const ReviewOptions& options, int input_fd)
      : context_(context), options_(options), input_(input_fd), session_(NewSessionId()) {}

  ExitCode Run() {
    std::variant<v1::PendingFilter, ExitCode> filter = ResolveFilter(context_, options_.filter);
    if (const ExitCode* failed = std::get_if<ExitCode>(&filter)) {
      return *failed;
    }
    filter_ = std::get<v1::PendingFilter>(filter);
    if (const std::optional<ExitCode> failed = Claim(""); failed.has_value()) {
      return *failed;
    }
    while (true) {
      Draw();
      const std::optional<char> key = input_.ReadKey();
      if (!key || *key == 'q' || *key == kCtrlC || *key == kCtrlD) {
        return Quit();
      }
      switch (*key) {
        case 'a':
          Approve();
          break;
        case 'r':
          Reject();
          break;
        case 's':
          Skip();
          break;
        case 'b':
          Ban();
          break;
        case 'u':
          Undo();
          break;
        case 'g':
          notice_ = "looked for comments again";
          Claim("");
          break;
        case '?':
        case 'h':
          notice_ = "a approve · r reject (then 1-6) · s skip · b ban the author · u undo · q quit";
          break;
        case '\n':
        case '\r':
        case ' ':
        case '\t':
          break;
        default:
          notice_ =
              absl::StrCat("unknown key \"", OneLine(std::string(1, *key)), "\": ? shows the keys");
      }
    }
  }

 private:
  [[nodiscard]] bool HasComment() const { return current_.has_comment(); }
  [[nodiscard]] const std::string& CurrentId() const { return current_.comment().comment_id(); }

  // Claims the next comment, giving up `release` in the same call. Returns
  // an exit code when reviewing cannot go on.
  std::optional<ExitCode> Claim(const std::string& release) {
    v1::ClaimNextRequest request;
    *request.mutable_filter() = filter_;
    request.set_release_comment_id(release);
    request.set_session_id(session_);
    for (const std::string& id : skipped_) {
      request.add_exclude_comment_ids(id);
    }
    v1::ClaimNextResponse response;
    grpc::ClientContext call;
    PrepareCall(context_.call, call);
    const grpc::Status status = context_.stub.ClaimNext(&call, request, &response);
    if (!status.ok()) {
      const CallError error = DescribeError(status);
      if (!started_) {
        return ReportError(context_, error);
      }
      notice_ = absl::StrCat("could not get the next comment: ", OneLine(FormatError(error)),
                             " (g tries again)");
      current_.clear_comment();
      return std::nullopt;
    }
    started_ = true;
    total_pending_ = response.total_pending();
    current_ = std::move(response);
    return std::nullopt;
  }

  void Draw() {
    std::string screen;
    if (options_.clear_screen) {
      screen = std::string(kClearScreen);
    }
    if (!notice_.empty()) {
      absl::StrAppend(&screen, context_.style.Cyan(notice_), "\n\n");
      notice_.clear();
    }
    if (HasComment()) {
      absl::StrAppend(&screen,
                      RenderReviewScreen(current_, Moderator(), context_.width, context_.now(),
                                         context_.time_zone, context_.style));
    } else {
      absl::StrAppend(&screen, context_.style.Bold("Nothing to review"), " (", total_pending_,
                      " pending; the others are being reviewed, skipped or filtered out)\n",
                      "[g] look again  [u]ndo  [q]uit\n");
    }
    context_.out << screen << std::flush;
  }

  [[nodiscard]] std::string Moderator() const {
    return context_.call.moderator_as.empty() ? "you" : context_.call.moderator_as;
  }

  // After a decision: remember it for undo, move on at once.
  void Decided(absl::string_view what) {
    last_decided_ = CurrentId();
    notice_ = absl::StrCat(what, " ", CurrentId());
    Claim("");
  }

  // A failed decision: a comment decided meanwhile by someone else is simply
  // passed over; anything else stays on screen to try again.
  void Failed(absl::string_view what, const grpc::Status& status) {
    const CallError error = DescribeError(status);
    if (error.code == grpc::StatusCode::FAILED_PRECONDITION ||
        error.code == grpc::StatusCode::NOT_FOUND) {
      notice_ = absl::StrCat(CurrentId(), " was decided meanwhile by someone else");
      Claim("");
      return;
    }
    notice_ = absl::StrCat("could not ", what, ": ", OneLine(FormatError(error)));
  }

  void Approve() {
    if (!HasComment()) {
      return;
    }
    v1::ApproveCommentRequest request;
    request.set_comment_id(CurrentId());
    v1::ApproveCommentResponse response;
    grpc::ClientContext call;
    PrepareCall(context_.call, call);
    const grpc::Status status = context_.stub.ApproveComment(&call, request, &response);
    if (!status.ok()) {
      Failed("approve", status);
      return;
    }
    ++approved_;
    Decided("approved");
  }

  // Asks for a reason with one key; nullopt when the moderator changes
  // their mind (any other key).
  std::optional<v1::RejectionReason> AskReason(absl::string_view question) {
    std::vector<std::string> choices;
    for (std::size_t i = 0; i < RejectionReasonNames().size(); ++i) {
      choices.push_back(absl::StrCat(i + 1, " ", RejectionReasonNames()[i]));
    }
    context_.out << "\n"
                 << context_.style.Bold(question) << "  " << absl::StrJoin(choices, "  ")
                 << "  (other key: cancel) " << std::flush;
    std::optional<char> key = input_.ReadKey();
    while (key && (*key == '\n' || *key == '\r' || *key == ' ')) {
      key = input_.ReadKey();
    }
    context_.out << "\n";
    if (!key || *key < '1' || *key > static_cast<char>('0' + RejectionReasonNames().size())) {
      notice_ = "cancelled";
      return std::nullopt;
    }
    return ParseRejectionReason(RejectionReasonNames()[static_cast<std::size_t>(*key - '1')]);
  }

  void Reject() {
    if (!HasComment()) {
      return;
    }
    const std::optional<v1::RejectionReason> reason = AskReason("Reject as:");
    if (!reason) {
      return;
    }
    v1::RejectCommentRequest request;
    request.set_comment_id(CurrentId());
    request.set_reason(*reason);
    v1::RejectCommentResponse response;
    grpc::ClientContext call;
    PrepareCall(context_.call, call);
    const grpc::Status status = context_.stub.RejectComment(&call, request, &response);
    if (!status.ok()) {
      Failed("reject", status);
      return;
    }
    ++rejected_;
    Decided(absl::StrCat("rejected (", RejectionReasonName(*reason), ")"));
  }

  void Skip() {
    if (!HasComment()) {
      return;
    }
    const std::string skipped = CurrentId();
    ++skipped_count_;
    skipped_.push_back(skipped);
    if (skipped_.size() > kMaxSkipped) {
      skipped_.erase(skipped_.begin());
    }
    notice_ = absl::StrCat("skipped ", skipped);
    Claim(skipped);
  }

  void Ban() {
    if (!HasComment()) {
      return;
    }
    const std::optional<v1::RejectionReason> reason = AskReason(
        "Ban the author (address and phone) for good and reject all their pending "
        "comments as:");
    if (!reason) {
      return;
    }
    v1::CreateBanRequest request;
    request.set_comment_id(CurrentId());
    request.set_reason(RejectionReasonName(*reason));
    request.set_reject_pending(true);
    request.set_reject_reason(*reason);
    v1::CreateBanResponse response;
    grpc::ClientContext call;
    CallSettings settings = context_.call;
    settings.timeout = std::max(settings.timeout, absl::Seconds(120));
    PrepareCall(settings, call);
    const grpc::Status status = context_.stub.CreateBan(&call, request, &response);
    if (!status.ok()) {
      const CallError error = DescribeError(status);
      notice_ = absl::StrCat(
          "could not ban: ", OneLine(FormatError(error)),
          error.code == grpc::StatusCode::PERMISSION_DENIED ? " (bans need an admin token)" : "");
      return;
    }
    rejected_ += response.rejected_comment_ids_size();
    // The rejections came with the ban, which cannot be undone from here.
    last_decided_.reset();
    notice_ = absl::StrCat(
        "banned the author; rejected ", response.rejected_comment_ids_size(),
        response.rejected_comment_ids_size() == 1 ? " pending comment" : " pending comments");
    Claim("");
  }

  void Undo() {
    if (!last_decided_) {
      notice_ = "nothing to undo";
      return;
    }
    v1::UndoDecisionRequest request;
    request.set_comment_id(*last_decided_);
    request.set_session_id(session_);
    v1::UndoDecisionResponse response;
    grpc::ClientContext call;
    PrepareCall(context_.call, call);
    const grpc::Status status = context_.stub.UndoDecision(&call, request, &response);
    if (!status.ok()) {
      notice_ = absl::StrCat("could not undo: ", OneLine(FormatError(DescribeError(status))));
      return;
    }
    // The comment is ours again; the one on screen goes back to the queue.
    if (HasComment() && CurrentId() != *last_decided_) {
      v1::ReleaseClaimRequest release;
      release.set_comment_id(CurrentId());
      v1::ReleaseClaimResponse released;
      grpc::ClientContext release_call;
      PrepareCall(context_.call, release_call);
      (void)context_.stub.ReleaseClaim(&release_call, release, &released);
    }
    v1::ClaimNextResponse back;
    back.set_total_pending(total_pending_ + 1);
    *back.mutable_comment() = response.comment();
    // The author's history, as on any other screen.
    v1::GetCommentRequest get;
    get.set_comment_id(*last_decided_);
    v1::GetCommentResponse got;
    grpc::ClientContext get_call;
    PrepareCall(context_.call, get_call);
    if (context_.stub.GetComment(&get_call, get, &got).ok()) {
      *back.mutable_author_history() = got.author_history();
    }
    current_ = std::move(back);
    total_pending_ = current_.total_pending();
    notice_ = absl::StrCat("undone: ", *last_decided_, " is pending again");
    ++undone_;
    last_decided_.reset();
  }

  ExitCode Quit() {
    if (HasComment()) {
      v1::ReleaseClaimRequest request;
      request.set_comment_id(CurrentId());
      v1::ReleaseClaimResponse response;
      grpc::ClientContext call;
      PrepareCall(context_.call, call);
      (void)context_.stub.ReleaseClaim(&call, request, &response);
    }
    context_.out << "\nreview ended: " << approved_ << " approved, " << rejected_ << " rejected, "
                 << skipped_count_ << " skipped, " << undone_ << " undone\n";
    return kExitOk;
  }

  const CommandContext& context_;
  const ReviewOptions& options_;
  RawInput input_;
  const std::string session_;
  v1::PendingFilter filter_;
  v1::ClaimNextResponse current_;
  int64_t total_pending_ = 0;
  bool started_ = false;
  std::vector<std::string> skipped_;
  std::optional<std::string> last_decided_;
  std::string notice_;
  int approved_ = 0;
  int rejected_ = 0;
  int skipped_count_ = 0;
  int undone_ = 0;
};

}  // namespace

ExitCode RunReview(const CommandContext& context, const ReviewOptions& options, int input_fd) {
  if (context.output == OutputFormat::kJson) {
    return ReportUsageError(context, "review is interactive: it has no --output json");
  }
  return Review(context, options, input_fd).Run();
}

}  // namespace moderation::modctl
