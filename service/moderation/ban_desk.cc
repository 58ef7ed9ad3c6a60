#include "service/moderation/ban_desk.h"

#include <atomic>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "service/common/errors.h"
#include "service/common/ids.h"
#include "service/validation/ip.h"
#include "service/validation/phone.h"
#include "service/validation/unicode.h"

namespace moderation {
namespace {

constexpr std::size_t kReasonMaxChars = 500;

bans::Ban NewBan(const BanOrder& order, absl::Time now) {
  bans::Ban ban;
  ban.reason = order.reason;
  ban.created_by = order.moderator;
  ban.create_time = now;
  if (order.duration > absl::ZeroDuration()) {
    ban.expire_time = now + order.duration;
  }
  return ban;
}

}  // namespace

BanDesk::BanDesk(bans::BanStore& store, comments::CommentRepository& comments, const Clock& clock,
                 const crypto::ServiceKeys& keys, PagingLimits paging, audit::AuditLog* audit,
                 ModerationDesk* decisions)
    : store_(store),
      comments_(comments),
      clock_(clock),
      keys_(keys),
      pseudonymiser_(keys.lookup_key),
      paging_(paging),
      audit_(audit),
      decisions_(decisions) {}

void BanDesk::Create(BanOrder order,
                     absl::AnyInvocable<void(absl::StatusOr<std::vector<bans::Ban>>) &&> done) {
  const std::string comment_id = order.comment_id;
  Make(std::move(order),
       [this, comment_id, done = std::move(done)](absl::StatusOr<Made> made) mutable {
         if (!made.ok()) {
           std::move(done)(made.status());
           return;
         }
         Store(std::move(made->bans), comment_id, std::move(done));
       });
}

void BanDesk::CreateAndReject(BanOrder order,
                              absl::AnyInvocable<void(absl::StatusOr<BanOutcome>) &&> done) {
  const std::string comment_id = order.comment_id;
  const bool reject = order.reject_pending;
  const comments::RejectionReason reason =
      order.reject_reason.value_or(comments::RejectionReason::kSpam);
  const std::string moderator = order.moderator;
  Make(std::move(order), [this, comment_id, reject, reason, moderator,
                          done = std::move(done)](absl::StatusOr<Made> made) mutable {
    if (!made.ok()) {
      std::move(done)(made.status());
      return;
    }
    std::vector<std::string> author_keys = std::move(made->author_keys);
    Store(std::move(made->bans), comment_id,
          [this, reject, reason, moderator, author_keys = std::move(author_keys),
           done = std::move(done)](absl::StatusOr<std::vector<bans::Ban>> stored) mutable {
            if (!stored.ok()) {
              std::move(done)(stored.status());
              return;
            }
            auto outcome = std::make_shared<BanOutcome>();
            outcome->bans = *std::move(stored);
            if (!reject) {
              std::move(done)(std::move(*outcome));
              return;
            }
            decisions_->RejectAllPendingBy(
                std::move(author_keys), reason, "", moderator,
                [outcome, done = std::move(done)](
                    absl::StatusOr<std::vector<std::string>> rejected) mutable {
                  if (!rejected.ok()) {
                    std::move(done)(rejected.status());
                    return;
                  }
                  outcome->rejected_comment_ids = *std::move(rejected);
                  std::move(done)(std::move(*outcome));
                });
          });
  });
}

void BanDesk::Make(BanOrder order, absl::AnyInvocable<void(absl::StatusOr<Made>) &&> done) {
  std::vector<FieldViolation> violations;
  const int targets = (order.ip_address.empty() ? 0 : 1) + (order.ip_prefix.empty() ? 0 : 1) +
                      (order.phone.empty() ? 0 : 1) + (order.comment_id.empty() ? 0 : 1);
  if (targets != 1) {
    violations.push_back({"ip_address", "ONE_TARGET_REQUIRED",
                          "Chọn đúng một đối tượng: địa chỉ IP, dải IP, số điện thoại hoặc "
                          "bình luận."});
  }
  validation::NormalizedText reason;
  switch (validation::NormalizeUserText(order.reason, validation::LineBreaks::kRefuse, reason)) {
    case validation::TextProblem::kInvalidUtf8:
      violations.push_back(
          {"reason", "INVALID_UTF8", "Lý do cấm chứa ký tự không hợp lệ (không phải UTF-8)."});
      break;
    case validation::TextProblem::kControlCharacter:
      violations.push_back(
          {"reason", "CONTROL_CHARACTER", "Lý do cấm chứa ký tự điều khiển không được phép."});
      break;
    case validation::TextProblem::kNone:
      if (reason.code_points == 0 || !reason.visible) {
        violations.push_back({"reason", "REQUIRED", "Vui lòng nhập lý do cấm."});
      } else if (reason.code_points > kReasonMaxChars) {
        violations.push_back(
            {"reason", "TOO_LONG",
             absl::StrCat("Lý do cấm quá dài (tối đa ", kReasonMaxChars, " ký tự).")});
      }
      break;
  }
  if (order.duration < absl::ZeroDuration()) {
    violations.push_back({"duration", "OUT_OF_RANGE", "Thời hạn cấm không hợp lệ."});
  }
  if (order.reject_pending && (decisions_ == nullptr || !order.ip_prefix.empty())) {
    violations.push_back({"reject_pending", "UNSUPPORTED",
                          "Chỉ từ chối được bình luận của một địa chỉ, số điện thoại hoặc tác giả "
                          "của một bình luận, không phải của cả dải IP."});
  }
  order.reason = reason.text;
  const absl::Time now = clock_.Now();
  bans::Ban ban = NewBan(order, now);
  std::vector<std::string> author_keys;

  if (violations.empty() && !order.ip_address.empty()) {
    if (std::optional<validation::ClientAddress> address =
            validation::ParseClientAddress(order.ip_address)) {
      const std::string address_digest = pseudonymiser_.AddressDigest(address->canonical);
      ban.id = bans::IpAddressBanIdFromDigest(address_digest);
      ban.kind = bans::BanKind::kIpAddress;
      ban.target_display = absl::StrCat(address->network, " (1 địa chỉ)");
      author_keys.push_back(comments::IpAuthorKeyFromDigest(address_digest));
    } else {
      violations.push_back({"ip_address", "INVALID_FORMAT", "Địa chỉ IP không đúng định dạng."});
    }
  } else if (violations.empty() && !order.ip_prefix.empty()) {
    if (absl::StatusOr<std::string> prefix = bans::CanonicalBanPrefix(order.ip_prefix);
        prefix.ok()) {
      ban.id = bans::IpPrefixBanId(pseudonymiser_, *prefix);
      ban.kind = bans::BanKind::kIpPrefix;
      ban.target_display = *prefix;
    } else {
      violations.push_back({"ip_prefix", "INVALID_FORMAT",
                            "Dải IP phải có dạng 203.0.113.0/24 (IPv4 /16, /24; IPv6 /48, /64)."});
    }
  } else if (violations.empty() && !order.phone.empty()) {
    if (absl::StatusOr<std::string> e164 = validation::NormalizeVietnamesePhone(order.phone);
        e164.ok()) {
      ban.id = bans::PhoneBanId(pseudonymiser_, *e164);
      ban.kind = bans::BanKind::kPhone;
      ban.target_display = validation::MaskPhone(*e164);
      author_keys.push_back(comments::PhoneAuthorKeyFromDigest(pseudonymiser_.PhoneDigest(*e164)));
    } else {
      violations.push_back({"phone", "PHONE_INVALID", "Số điện thoại không hợp lệ."});
    }
  } else if (violations.empty() && !IsWellFormedCommentId(order.comment_id)) {
    violations.push_back({"comment_id", "INVALID_FORMAT", "Mã bình luận không hợp lệ."});
  }
  if (!violations.empty()) {
    std::move(done)(InvalidFields(std::move(violations)));
    return;
  }
  if (order.comment_id.empty()) {
    std::vector<bans::Ban> made;
    made.push_back(std::move(ban));
    std::move(done)(Made{std::move(made), std::move(author_keys)});
    return;
  }
  // Ban the author of a comment: its address by the keyed hash it was stored
  // under, its phone (if any) decrypted only to be hashed and masked.
  comments_.Get(order.comment_id, [this, ban = std::move(ban), done = std::move(done)](
                                      absl::StatusOr<comments::Comment> comment) mutable {
    if (!comment.ok()) {
      std::move(done)(comment.status());
      return;
    }
    Made made;
    made.author_keys.push_back(comments::IpAuthorKey(*comment));
    bans::Ban by_address = ban;
    by_address.id = bans::IpAddressBanIdFromDigest(comment->client_ip_digest);
    by_address.kind = bans::BanKind::kIpAddress;
    by_address.target_display = absl::StrCat(comment->client_network, " (1 địa chỉ)");
    made.bans.push_back(std::move(by_address));
    if (!comment->phone_sealed.empty()) {
      if (absl::StatusOr<std::string> phone = keys_.phone_cipher.Open(comment->phone_sealed);
          phone.ok()) {
        bans::Ban by_phone = ban;
        by_phone.id = bans::PhoneBanId(pseudonymiser_, *phone);
        by_phone.kind = bans::BanKind::kPhone;
        by_phone.target_display = validation::MaskPhone(*phone);
        made.bans.push_back(std::move(by_phone));
        made.author_keys.push_back(
            comments::PhoneAuthorKeyFromDigest(pseudonymiser_.PhoneDigest(*phone)));
      }
    }
    std::move(done)(std::move(made));
  });
}

void BanDesk::Audit(std::vector<bans::Ban> made, std::size_t next, const std::string& comment_id,
                    absl::AnyInvocable<void(absl::StatusOr<std::vector<bans::Ban>>) &&> done) {
  if (audit_ == nullptr || next == made.size()) {
    std::move(done)(std::move(made));
    return;
  }
  const bans::Ban& ban = made[next];
  audit::Event event;
  event.action = audit::Action::kBan;
  event.actor = ban.created_by;
  event.time = ban.create_time;
  event.comment_id = comment_id;
  event.ban_id = ban.id;
  event.ban_target = ban.target_display;
  event.ban_reason = ban.reason;
  audit_->Append(std::move(event),
                 [this, made = std::move(made), next, comment_id,
                  done = std::move(done)](const absl::StatusOr<audit::Entry>& appended) mutable {
                   if (!appended.ok()) {
                     std::move(done)(appended.status());
                     return;
                   }
                   Audit(std::move(made), next + 1, comment_id, std::move(done));
                 });
}

void BanDesk::Store(std::vector<bans::Ban> made, const std::string& comment_id,
                    absl::AnyInvocable<void(absl::StatusOr<std::vector<bans::Ban>>) &&> done) {
  struct Pending {
    std::vector<bans::Ban> bans;
    std::atomic<std::size_t> remaining{0};
    absl::Mutex mutex;
    absl::Status first_error ABSL_GUARDED_BY(mutex);
    absl::AnyInvocable<void(absl::StatusOr<std::vector<bans::Ban>>) &&> done;
  };
  auto pending = std::make_shared<Pending>();
  pending->bans = std::move(made);
  pending->remaining = pending->bans.size();
  pending->done = [this, comment_id,
                   done = std::move(done)](absl::StatusOr<std::vector<bans::Ban>> stored) mutable {
    if (!stored.ok()) {
      std::move(done)(stored.status());
      return;
    }
    Audit(*std::move(stored), 0, comment_id, std::move(done));
  };
  for (const bans::Ban& ban : pending->bans) {
    store_.Put(ban, [pending](absl::Status stored) {
      if (!stored.ok()) {
        absl::MutexLock lock(&pending->mutex);
        if (pending->first_error.ok()) {
          pending->first_error = std::move(stored);
        }
      }
      if (pending->remaining.fetch_sub(1) != 1) {
        return;
      }
      absl::Status error;
      {
        absl::MutexLock lock(&pending->mutex);
        error = pending->first_error;
      }
      if (!error.ok()) {
        std::move(pending->done)(std::move(error));
        return;
      }
      std::move(pending->done)(std::move(pending->bans));
    });
  }
}

void BanDesk::Delete(const std::string& ban_id, const std::string& moderator,
                     absl::AnyInvocable<void(absl::Status) &&> done) {
  const bool well_formed =
      !ban_id.empty() && ban_id.size() <= 40 &&
      ban_id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
  if (!well_formed) {
    std::move(done)(InvalidFields({{"ban_id", "INVALID_FORMAT", "Mã lệnh cấm không hợp lệ."}}));
    return;
  }
  store_.Delete(ban_id, [this, ban_id, moderator,
                         done = std::move(done)](const absl::Status& deleted) mutable {
    if (!deleted.ok() || audit_ == nullptr) {
      std::move(done)(deleted);
      return;
    }
    audit::Event event;
    event.action = audit::Action::kUnban;
    event.actor = moderator;
    event.time = clock_.Now();
    event.ban_id = ban_id;
    audit_->Append(std::move(event),
                   [done = std::move(done)](const absl::StatusOr<audit::Entry>& appended) mutable {
                     std::move(done)(appended.status());
                   });
  });
}

void BanDesk::List(int page_size, const std::string& page_token,
                   absl::AnyInvocable<void(absl::StatusOr<BanPage>) &&> done) {
  int offset = 0;
  std::vector<FieldViolation> violations;
  if (!page_token.empty() && (!absl::SimpleAtoi(page_token, &offset) || offset < 0)) {
    violations.push_back({"page_token", "INVALID_FORMAT", "Mã trang không hợp lệ."});
  }
  if (page_size < 0 || page_size > paging_.max_page_size) {
    violations.push_back(
        {"page_size", "OUT_OF_RANGE",
         absl::StrCat("Số mục mỗi trang phải từ 1 đến ", paging_.max_page_size, ".")});
  }
  if (!violations.empty()) {
    std::move(done)(InvalidFields(std::move(violations)));
    return;
  }
  const int limit = page_size == 0 ? paging_.default_page_size : page_size;
  store_.List(offset, limit + 1,
              [offset, limit,
               done = std::move(done)](absl::StatusOr<std::vector<bans::Ban>> listed) mutable {
                if (!listed.ok()) {
                  std::move(done)(listed.status());
                  return;
                }
                BanPage page;
                page.bans = *std::move(listed);
                if (static_cast<int>(page.bans.size()) > limit) {
                  page.bans.resize(limit);
                  page.next_page_token = absl::StrCat(offset + limit);
                }
                std::move(done)(std::move(page));
              });
}

}  // namespace moderation
