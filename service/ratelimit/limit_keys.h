#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "service/privacy/pseudonymiser.h"
#include "service/ratelimit/rate_limiter.h"

namespace moderation::ratelimit {

// The limits on comment submissions, as configured.
struct SubmissionLimits {
  LimitRule ip{.name = "submit_ip", .count = 5, .period = absl::Minutes(1), .burst = 3};
  LimitRule ip_block{
      .name = "submit_ip_block", .count = 30, .period = absl::Minutes(1), .burst = 20};
  LimitRule phone{.name = "submit_phone", .count = 5, .period = absl::Minutes(1), .burst = 3};
  LimitRule article{
      .name = "submit_article", .count = 600, .period = absl::Minutes(1), .burst = 100};
  LimitRule ip_article{
      .name = "submit_ip_article", .count = 3, .period = absl::Minutes(1), .burst = 2};
  LimitRule global{
      .name = "submit_global", .count = 12000, .period = absl::Minutes(1), .burst = 2000};
  // Wrong captcha answers per address. Counted only when the answer is
  // wrong, while the limits above count only comments whose answer was
  // right: a reader who mistypes twice then answers right is accepted, a bot
  // guessing is stopped here.
  LimitRule wrong_answer_ip{.name = "wrong_answer_ip",
                            .count = 10,
                            .period = absl::Minutes(10),
                            .burst = 5,
                            .counts_wrong_answers = true};
};

// The limits on captcha creation and refresh.
struct CaptchaLimits {
  LimitRule ip{.name = "captcha_ip", .count = 20, .period = absl::Minutes(1), .burst = 10};
  LimitRule ip_block{
      .name = "captcha_ip_block", .count = 200, .period = absl::Minutes(1), .burst = 100};
  LimitRule global{
      .name = "captcha_global", .count = 30000, .period = absl::Minutes(1), .burst = 5000};
};

// The subjects a submission counts against. IPs and phones appear only as
// keyed hashes; an IP's block is its IPv4 /24 or IPv6 /64. `address_digest`
// and `phone_digest` are the pseudonymiser's AddressDigest and PhoneDigest of
// the request, made once by the caller; `phone_digest` may be empty.
[[nodiscard]] std::vector<LimitSubject> SubmissionSubjects(
    const SubmissionLimits& limits, const privacy::Pseudonymiser& pseudonymiser,
    absl::string_view client_ip, absl::string_view address_digest, absl::string_view phone_digest,
    absl::string_view article_id);

// The subjects a captcha creation counts against; `client_ip` may be empty,
// and then only the global limit applies. `address_digest` is the
// pseudonymiser's AddressDigest of `client_ip`, made once by the caller.
[[nodiscard]] std::vector<LimitSubject> CaptchaSubjects(const CaptchaLimits& limits,
                                                        const privacy::Pseudonymiser& pseudonymiser,
                                                        absl::string_view client_ip,
                                                        absl::string_view address_digest);

// The block an address belongs to, in text: "203.0.113.0/24", "2001:db8:1:2::/64".
[[nodiscard]] std::string IpBlockOf(absl::string_view canonical_ip);

// Addresses that skip every limit (the portal's own staff, monitoring).
class AllowList {
 public:
  // Entries are addresses or CIDR prefixes ("10.0.0.0/8", "2001:db8::/32").
  // INVALID_ARGUMENT naming the bad entry.
  static absl::StatusOr<AllowList> Parse(const std::vector<std::string>& entries);
  [[nodiscard]] bool Contains(absl::string_view canonical_ip) const;
  [[nodiscard]] bool empty() const { return prefixes_.empty(); }

 private:
  struct Prefix {
    int family = 0;
    unsigned char bytes[16] = {};
    int length = 0;
  };
  std::vector<Prefix> prefixes_;
};

}  // namespace moderation::ratelimit
