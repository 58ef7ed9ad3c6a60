#include "service/privacy/pseudonymiser.h"

#include "absl/strings/str_cat.h"
#include "service/crypto/crypto.h"

namespace moderation::privacy {

std::string Pseudonymiser::Mac(absl::string_view purpose, absl::string_view value) const {
  return crypto::HmacSha256(lookup_key_, absl::StrCat(purpose, ":", value));
}

std::string Pseudonymiser::Digest(absl::string_view purpose, absl::string_view value) const {
  return crypto::HexEncode(Mac(purpose, value));
}

std::string Pseudonymiser::AddressDigest(absl::string_view canonical_ip) const {
  return Digest("ip", canonical_ip);
}

std::string Pseudonymiser::PhoneDigest(absl::string_view e164) const {
  return Digest("phone", e164);
}

std::string Pseudonymiser::NetworkDigest(absl::string_view network) const {
  return Digest("net", network);
}

std::string Pseudonymiser::BodyDigest(absl::string_view normalized_body) const {
  return Digest("body", normalized_body);
}

std::string Pseudonymiser::IdempotencyKeyDigest(absl::string_view idempotency_key) const {
  return Digest("idempotency", idempotency_key);
}

std::string Pseudonymiser::ContentFingerprint(absl::string_view article_id, absl::string_view name,
                                              absl::string_view e164, absl::string_view title,
                                              absl::string_view body) const {
  return Digest("content", absl::StrCat(article_id.size(), ":", article_id, name.size(), ":", name,
                                        e164.size(), ":", e164, title.size(), ":", title,
                                        body.size(), ":", body));
}

std::string Pseudonymiser::ShortDigest(absl::string_view purpose, absl::string_view value) const {
  return crypto::HexEncode(Mac(purpose, value).substr(0, 16));
}

}  // namespace moderation::privacy
