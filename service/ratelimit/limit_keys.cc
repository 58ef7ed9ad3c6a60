#include "service/ratelimit/limit_keys.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace moderation::ratelimit {
namespace {

bool PrefixMatches(const unsigned char* address, const unsigned char* prefix, int length) {
  const int whole = length / 8;
  if (std::memcmp(address, prefix, whole) != 0) {
    return false;
  }
  const int rest = length % 8;
  if (rest == 0) {
    return true;
  }
  const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (address[whole] & mask) == (prefix[whole] & mask);
}

}  // namespace

std::string IpBlockOf(absl::string_view canonical_ip) {
  std::string text(canonical_ip);
  std::array<unsigned char, 16> bytes{};
  std::array<char, INET6_ADDRSTRLEN> buffer{};
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    bytes[3] = 0;
    inet_ntop(AF_INET, bytes.data(), buffer.data(), buffer.size());
    return absl::StrCat(buffer.data(), "/24");
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    inet_ntop(AF_INET6, bytes.data(), buffer.data(), buffer.size());
    return absl::StrCat(buffer.data(), "/64");
  }
  return text;
}

std::vector<LimitSubject> SubmissionSubjects(const SubmissionLimits& limits,
                                             const privacy::Pseudonymiser& pseudonymiser,
                                             absl::string_view client_ip,
                                             absl::string_view address_digest,
                                             absl::string_view phone_digest,
                                             absl::string_view article_id) {
  const std::string ip(privacy::Pseudonymiser::ShortOf(address_digest));
  std::vector<LimitSubject> subjects = {
      {&limits.ip, ip},
      {&limits.ip_block, pseudonymiser.ShortDigest("ip-block", IpBlockOf(client_ip))},
      {&limits.article, std::string(article_id)},
      {&limits.ip_article, absl::StrCat(ip, ":", article_id)},
      {&limits.global, "all"},
  };
  if (!phone_digest.empty()) {
    subjects.push_back({&limits.phone, std::string(privacy::Pseudonymiser::ShortOf(phone_digest))});
  }
  subjects.push_back({&limits.wrong_answer_ip, ip});
  return subjects;
}

std::vector<LimitSubject> CaptchaSubjects(const CaptchaLimits& limits,
                                          const privacy::Pseudonymiser& pseudonymiser,
                                          absl::string_view client_ip,
                                          absl::string_view address_digest) {
  std::vector<LimitSubject> subjects = {{&limits.global, "all"}};
  if (!client_ip.empty()) {
    subjects.push_back({&limits.ip, std::string(privacy::Pseudonymiser::ShortOf(address_digest))});
    subjects.push_back(
        {&limits.ip_block, pseudonymiser.ShortDigest("ip-block", IpBlockOf(client_ip))});
  }
  return subjects;
}

absl::StatusOr<AllowList> AllowList::Parse(const std::vector<std::string>& entries) {
  AllowList list;
  for (const std::string& entry : entries) {
    const std::size_t slash = entry.find('/');
    const std::string address = entry.substr(0, slash);
    Prefix prefix;
    int max_length = 0;
    if (inet_pton(AF_INET, address.c_str(), prefix.bytes) == 1) {
      prefix.family = AF_INET;
      max_length = 32;
    } else if (inet_pton(AF_INET6, address.c_str(), prefix.bytes) == 1) {
      prefix.family = AF_INET6;
      max_length = 128;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("allow list: not an address: ", entry));
    }
    prefix.length = max_length;
    if (slash != std::string::npos &&
        (!absl::SimpleAtoi(absl::string_view(entry).substr(slash + 1), &prefix.length) ||
         prefix.length < 0 || prefix.length > max_length)) {
      return absl::InvalidArgumentError(absl::StrCat("allow list: bad prefix length: ", entry));
    }
    list.prefixes_.push_back(prefix);
  }
  return list;
}

bool AllowList::Contains(absl::string_view canonical_ip) const {
  const std::string text(canonical_ip);
  unsigned char bytes[16] = {};
  int family = AF_INET;
  if (inet_pton(AF_INET, text.c_str(), bytes) != 1) {
    if (inet_pton(AF_INET6, text.c_str(), bytes) != 1) {
      return false;
    }
    family = AF_INET6;
  }
  for (const Prefix& prefix : prefixes_) {
    if (prefix.family == family && PrefixMatches(bytes, prefix.bytes, prefix.length)) {
      return true;
    }
  }
  return false;
}

}  // namespace moderation::ratelimit
