#pragma once

#include <string>
#include <vector>

#include "service/bans/ban.h"
#include "service/comments/comment_repository.h"
#include "service/common/clock.h"
#include "service/crypto/secrets.h"
#include "service/moderation/paging.h"

namespace moderation {

// A moderator's ban order, as sent: exactly one target.
struct BanOrder {
  std::string ip_address;
  std::string ip_prefix;
  std::string phone;
  std::string comment_id;
  std::string reason;
  absl::Duration duration = absl::ZeroDuration();  // zero: for ever
  std::string moderator;
};

struct BanPage {
  std::vector<bans::Ban> bans;
  std::string next_page_token;
};

// Bans and lifts bans. Targets are stored only as keyed hashes, shown only
// masked. Thread-safe.
class BanDesk {
 public:
  BanDesk(bans::BanStore& store, comments::CommentRepository& comments, const Clock& clock,
          const crypto::ServiceKeys& keys, PagingLimits paging);

  // INVALID_ARGUMENT naming the field for a bad order; NOT_FOUND for an
  // unknown comment. Returns the bans made (two for a comment whose author
  // gave a phone).
  void Create(BanOrder order,
              absl::AnyInvocable<void(absl::StatusOr<std::vector<bans::Ban>>) &&> done);
  void Delete(const std::string& ban_id, absl::AnyInvocable<void(absl::Status) &&> done);
  void List(int page_size, const std::string& page_token,
            absl::AnyInvocable<void(absl::StatusOr<BanPage>) &&> done);

 private:
  void Store(std::vector<bans::Ban> made,
             absl::AnyInvocable<void(absl::StatusOr<std::vector<bans::Ban>>) &&> done);

  bans::BanStore& store_;
  comments::CommentRepository& comments_;
  const Clock& clock_;
  const crypto::ServiceKeys& keys_;
  const PagingLimits paging_;
};

}  // namespace moderation
