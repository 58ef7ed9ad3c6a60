#include "service/validation/phone.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include "absl/strings/str_cat.h"

namespace moderation::validation {

absl::StatusOr<std::string> NormalizeVietnamesePhone(absl::string_view raw) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  if (raw.size() > 32) {
    return absl::InvalidArgumentError("phone number too long");
  }
  PhoneNumber number;
  if (util.Parse(std::string(raw), "VN", &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return absl::InvalidArgumentError("not a phone number");
  }
  if (!util.IsValidNumberForRegion(number, "VN")) {
    return absl::InvalidArgumentError("not a valid Vietnamese phone number");
  }
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

std::string MaskPhone(absl::string_view e164) {
  constexpr absl::string_view kDot = "\u2022";
  if (e164.size() < 8 || e164.substr(0, 3) != "+84") {
    return std::string(e164.empty() ? "" : "•••");
  }
  const absl::string_view national = e164.substr(3);
  std::string masked = absl::StrCat("+84 ", national.substr(0, 1));
  // Group the hidden middle in threes, as Vietnamese numbers are read.
  const std::size_t hidden = national.size() - 3;
  for (std::size_t i = 0; i < hidden; ++i) {
    if (i > 0 && (i + 1) % 3 == 0) {
      masked.push_back(' ');
    }
    masked.append(kDot.data(), kDot.size());
  }
  absl::StrAppend(&masked, national.substr(national.size() - 2));
  return masked;
}

}  // namespace moderation::validation
