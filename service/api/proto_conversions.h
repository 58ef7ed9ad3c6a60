#pragma once

#include <optional>

#include "google/protobuf/timestamp.pb.h"
#include "moderation/v1/moderation_service.pb.h"
#include "moderation/v1/types.pb.h"
#include "service/bans/ban.h"
#include "service/comments/comment.h"
#include "service/crypto/crypto.h"

namespace moderation::api {

void SetTimestamp(absl::Time time, google::protobuf::Timestamp& out);

void ToProtoBan(const bans::Ban& ban, v1::Ban& out);

void ToPublishedComment(const comments::Comment& comment, v1::PublishedComment& out);

// Personal data is shown masked: the phone is decrypted only to be masked.
void ToModeratedComment(const comments::Comment& comment, const crypto::FieldCipher& phone_cipher,
                        v1::ModeratedComment& out);

[[nodiscard]] std::optional<comments::RejectionReason> FromProto(v1::RejectionReason reason);

}  // namespace moderation::api
