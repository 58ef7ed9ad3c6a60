#pragma once

#include <optional>

#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "moderation/v1/moderation_service.pb.h"
#include "moderation/v1/types.pb.h"
#include "service/audit/audit_log.h"
#include "service/bans/ban.h"
#include "service/comments/comment.h"
#include "service/crypto/crypto.h"
#include "service/moderation/audit_desk.h"
#include "service/moderation/moderation_desk.h"

namespace moderation::api {

void SetTimestamp(absl::Time time, google::protobuf::Timestamp& out);

void ToProtoBan(const bans::Ban& ban, v1::Ban& out);

void ToPublishedComment(const comments::Comment& comment, v1::PublishedComment& out);

// Personal data is shown masked: the phone is decrypted only to be masked.
void ToModeratedComment(const comments::Comment& comment, const crypto::FieldCipher& phone_cipher,
                        v1::ModeratedComment& out);

[[nodiscard]] std::optional<comments::RejectionReason> FromProto(v1::RejectionReason reason);

[[nodiscard]] v1::RejectionReason ToProto(comments::RejectionReason reason);

[[nodiscard]] QueueFilter FromProto(const v1::PendingFilter& filter);

void ToAuditEntry(const audit::Entry& entry, v1::AuditEntry& out);

// `shown_as` is how moderators see the author (masked phone or network).
void ToAuthorHistory(const comments::AuthorRecord& record, absl::string_view shown_as,
                     v1::AuthorHistory& out);

void ToVerifyResponse(const audit::Verification& verification, v1::VerifyAuditLogResponse& out);

void ToStatsResponse(const Figures& figures, v1::GetStatsResponse& out);

[[nodiscard]] absl::Time FromProto(const google::protobuf::Timestamp& timestamp);
[[nodiscard]] absl::Duration FromProto(const google::protobuf::Duration& duration);
void SetDuration(absl::Duration duration, google::protobuf::Duration& out);

}  // namespace moderation::api
