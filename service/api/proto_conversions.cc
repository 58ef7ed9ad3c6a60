#include "service/api/proto_conversions.h"

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

}  // namespace

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

}  // namespace moderation::api
