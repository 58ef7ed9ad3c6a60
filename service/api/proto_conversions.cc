#include "service/api/proto_conversions.h"

#include <algorithm>

#include "google/protobuf/timestamp.pb.h"
#include "service/common/log.h"
#include "service/validation/phone.h"

namespace moderation::api {
namespace {

v1::CommentStatus ToProto(comments::CommentStatus status) {
  switch (status) {
    case comments::CommentStatus::kPending:
      return v1::COMMENT_STATUS_PENDING;
    case comments::CommentStatus::kApproved:
      return v1::COMMENT_STATUS_APPROVED;
    case comments::CommentStatus::kRejected:
      return v1::COMMENT_STATUS_REJECTED;
  }
  return v1::COMMENT_STATUS_UNSPECIFIED;
}

v1::AuditAction ToProto(audit::Action action) {
  switch (action) {
    case audit::Action::kApprove:
      return v1::AUDIT_ACTION_APPROVE;
    case audit::Action::kReject:
      return v1::AUDIT_ACTION_REJECT;
    case audit::Action::kUndo:
      return v1::AUDIT_ACTION_UNDO;
    case audit::Action::kBan:
      return v1::AUDIT_ACTION_BAN;
    case audit::Action::kUnban:
      return v1::AUDIT_ACTION_UNBAN;
    case audit::Action::kErase:
      return v1::AUDIT_ACTION_ERASE;
    case audit::Action::kExpire:
      return v1::AUDIT_ACTION_EXPIRE;
  }
  return v1::AUDIT_ACTION_UNSPECIFIED;
}

}  // namespace

v1::RejectionReason ToProto(comments::RejectionReason reason) {
  switch (reason) {
    case comments::RejectionReason::kSpam:
      return v1::REJECTION_REASON_SPAM;
    case comments::RejectionReason::kAdvertising:
      return v1::REJECTION_REASON_ADVERTISING;
    case comments::RejectionReason::kOffensive:
      return v1::REJECTION_REASON_OFFENSIVE;
    case comments::RejectionReason::kOffTopic:
      return v1::REJECTION_REASON_OFF_TOPIC;
    case comments::RejectionReason::kPersonalData:
      return v1::REJECTION_REASON_PERSONAL_DATA;
    case comments::RejectionReason::kOther:
      return v1::REJECTION_REASON_OTHER;
  }
  return v1::REJECTION_REASON_UNSPECIFIED;
}

void SetTimestamp(absl::Time time, google::protobuf::Timestamp& out) {
  const int64_t nanos = absl::ToUnixNanos(time);
  out.set_seconds(nanos / 1000000000);
  out.set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

void ToProtoBan(const bans::Ban& ban, v1::Ban& out) {
  out.set_ban_id(ban.id);
  switch (ban.kind) {
    case bans::BanKind::kIpAddress:
      out.set_kind(v1::BAN_KIND_IP_ADDRESS);
      break;
    case bans::BanKind::kIpPrefix:
      out.set_kind(v1::BAN_KIND_IP_PREFIX);
      break;
    case bans::BanKind::kPhone:
      out.set_kind(v1::BAN_KIND_PHONE);
      break;
  }
  out.set_target_display(ban.target_display);
  out.set_reason(ban.reason);
  out.set_created_by(ban.created_by);
  SetTimestamp(ban.create_time, *out.mutable_create_time());
  if (ban.expire_time) {
    SetTimestamp(*ban.expire_time, *out.mutable_expire_time());
  }
}

void ToPublishedComment(const comments::Comment& comment, v1::PublishedComment& out) {
  out.set_comment_id(comment.id);
  out.set_article_id(comment.article_id);
  out.set_name(comment.name);
  out.set_title(comment.title);
  out.set_body(comment.body);
  SetTimestamp(comment.create_time, *out.mutable_create_time());
}

void ToModeratedComment(const comments::Comment& comment, const crypto::FieldCipher& phone_cipher,
                        v1::ModeratedComment& out) {
  out.set_comment_id(comment.id);
  out.set_article_id(comment.article_id);
  out.set_name(comment.name);
  out.set_title(comment.title);
  out.set_body(comment.body);
  out.set_status(ToProto(comment.status));
  SetTimestamp(comment.create_time, *out.mutable_create_time());
  if (!comment.phone_sealed.empty()) {
    absl::StatusOr<std::string> phone = phone_cipher.Open(comment.phone_sealed);
    if (phone.ok()) {
      out.set_phone_masked(validation::MaskPhone(*phone));
    } else {
      // Shown as unreadable rather than failing the whole listing.
      log::Warning("cannot decrypt a stored phone number",
                   {{"comment_id", comment.id}, {"error", phone.status().message()}});
      out.set_phone_masked("(không giải mã được)");
    }
  }
  out.set_client_network(comment.client_network);
  out.set_user_agent(comment.user_agent);
  if (comment.decide_time) {
    SetTimestamp(*comment.decide_time, *out.mutable_decide_time());
  }
  out.set_decided_by(comment.decided_by);
  if (comment.rejection_reason) {
    out.set_rejection_reason(ToProto(*comment.rejection_reason));
  }
  out.set_decision_note(comment.decision_note);
  out.set_spam_score(comment.spam_score);
  out.set_flagged(comment.flagged);
  out.set_author_phone_key(comments::PhoneAuthorKey(comment));
  out.set_author_ip_key(comments::IpAuthorKey(comment));
  out.set_claimed_by(comment.claimed_by);
  for (const comments::SpamSignal& signal : comment.spam_signals) {
    v1::SpamSignal* added = out.add_spam_signals();
    added->set_rule(signal.rule);
    added->set_score(signal.score);
    added->set_detail(signal.detail);
    added->set_shadow(signal.shadow);
  }
}

std::optional<comments::RejectionReason> FromProto(v1::RejectionReason reason) {
  switch (reason) {
    case v1::REJECTION_REASON_SPAM:
      return comments::RejectionReason::kSpam;
    case v1::REJECTION_REASON_ADVERTISING:
      return comments::RejectionReason::kAdvertising;
    case v1::REJECTION_REASON_OFFENSIVE:
      return comments::RejectionReason::kOffensive;
    case v1::REJECTION_REASON_OFF_TOPIC:
      return comments::RejectionReason::kOffTopic;
    case v1::REJECTION_REASON_PERSONAL_DATA:
      return comments::RejectionReason::kPersonalData;
    case v1::REJECTION_REASON_OTHER:
      return comments::RejectionReason::kOther;
    default:
      return std::nullopt;
  }
}

absl::Duration FromProto(const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) + absl::Nanoseconds(duration.nanos());
}

void SetDuration(absl::Duration duration, google::protobuf::Duration& out) {
  const int64_t nanos = absl::ToInt64Nanoseconds(duration);
  out.set_seconds(nanos / 1000000000);
  out.set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

QueueFilter FromProto(const v1::PendingFilter& filter) {
  QueueFilter out;
  out.article_id = filter.article_id();
  out.spam_rule = filter.spam_rule();
  out.min_spam_score = filter.min_spam_score();
  out.min_age = FromProto(filter.min_age());
  out.max_age = FromProto(filter.max_age());
  out.author_key = filter.author_key();
  out.client_network = filter.client_network();
  out.flagged_only = filter.flagged_only();
  return out;
}

void ToAuditEntry(const audit::Entry& entry, v1::AuditEntry& out) {
  const audit::Event& event = entry.event;
  out.set_entry_id(entry.entry_id);
  out.set_sequence(entry.sequence);
  SetTimestamp(event.time, *out.mutable_time());
  out.set_moderator(event.actor);
  out.set_action(ToProto(event.action));
  out.set_comment_id(event.comment_id);
  if (std::optional<comments::RejectionReason> reason =
          comments::ParseReason(event.rejection_reason)) {
    out.set_rejection_reason(ToProto(*reason));
  }
  if (event.undone) {
    out.set_undone_action(ToProto(*event.undone));
  }
  out.set_note(event.note);
  out.set_ban_id(event.ban_id);
  out.set_ban_target(event.ban_target);
  out.set_ban_reason(event.ban_reason);
  out.set_flagged(event.flagged);
  out.set_mac(entry.mac);
}

void ToAuthorHistory(const comments::AuthorRecord& record, absl::string_view shown_as,
                     v1::AuthorHistory& out) {
  out.set_author_key(record.author_key);
  out.set_shown_as(std::string(shown_as));
  out.set_other_comments(record.other_comments);
  out.set_pending(record.pending);
  out.set_approved(record.approved);
  out.set_rejected(record.rejected);
  out.set_counts_partial(record.partial);
  for (const comments::Comment& comment : record.recent) {
    v1::AuthorComment* recent = out.add_recent();
    recent->set_comment_id(comment.id);
    recent->set_article_id(comment.article_id);
    recent->set_status(ToProto(comment.status));
    if (comment.rejection_reason) {
      recent->set_rejection_reason(ToProto(*comment.rejection_reason));
    }
    SetTimestamp(comment.create_time, *recent->mutable_create_time());
  }
}

absl::Time FromProto(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

void ToVerifyResponse(const audit::Verification& verification, v1::VerifyAuditLogResponse& out) {
  out.set_intact(!verification.first_break.has_value());
  out.set_entries_checked(verification.checked);
  out.set_head_sequence(verification.head_sequence);
  if (!verification.first_break) {
    return;
  }
  const audit::Break& broken = *verification.first_break;
  out.set_broken_entry_id(broken.entry_id);
  out.set_broken_sequence(broken.sequence);
  switch (broken.problem) {
    case audit::Problem::kAltered:
      out.set_problem(v1::AUDIT_PROBLEM_ALTERED);
      break;
    case audit::Problem::kSequenceGap:
      out.set_problem(v1::AUDIT_PROBLEM_SEQUENCE_GAP);
      break;
    case audit::Problem::kBrokenLink:
      out.set_problem(v1::AUDIT_PROBLEM_BROKEN_LINK);
      break;
    case audit::Problem::kMalformed:
      out.set_problem(v1::AUDIT_PROBLEM_MALFORMED);
      break;
    case audit::Problem::kHeadMismatch:
      out.set_problem(v1::AUDIT_PROBLEM_HEAD_MISMATCH);
      break;
  }
}

void ToStatsResponse(const Figures& figures, v1::GetStatsResponse& out) {
  out.set_pending(figures.queue.pending);
  out.set_pending_flagged(figures.queue.flagged);
  if (figures.queue.oldest) {
    SetDuration(std::max(absl::ZeroDuration(), figures.period_end - *figures.queue.oldest),
                *out.mutable_oldest_pending_age());
  }
  SetTimestamp(figures.period_start, *out.mutable_period_start());
  SetTimestamp(figures.period_end, *out.mutable_period_end());
  for (const auto& [name, tally] : figures.decisions.moderators) {
    v1::ModeratorStats* moderator = out.add_moderators();
    moderator->set_moderator(name);
    moderator->set_approved(tally.approved);
    moderator->set_rejected(tally.rejected);
    moderator->set_undone(tally.undone);
  }
  // In the enum's order, so that the output is stable.
  for (comments::RejectionReason reason :
       {comments::RejectionReason::kSpam, comments::RejectionReason::kAdvertising,
        comments::RejectionReason::kOffensive, comments::RejectionReason::kOffTopic,
        comments::RejectionReason::kPersonalData, comments::RejectionReason::kOther}) {
    auto it = figures.decisions.reasons.find(std::string(comments::ReasonName(reason)));
    if (it != figures.decisions.reasons.end() && it->second > 0) {
      v1::ReasonStats* stats = out.add_reasons();
      stats->set_reason(ToProto(reason));
      stats->set_rejected(it->second);
    }
  }
  v1::SpamFilterStats* spam = out.mutable_spam_filter();
  spam->set_flagged_rejected(figures.decisions.flagged_rejected);
  spam->set_flagged_approved(figures.decisions.flagged_approved);
  spam->set_unflagged_rejected(figures.decisions.unflagged_rejected);
  spam->set_unflagged_approved(figures.decisions.unflagged_approved);
  out.set_partial(figures.partial);
  out.set_retention_erased(figures.decisions.retention_erased);
  out.set_retention_expired(figures.decisions.retention_expired);
}

}  // namespace moderation::api
