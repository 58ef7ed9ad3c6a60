#include "service/auth/access_policy.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "service/common/errors.h"

namespace moderation::auth {
namespace {

constexpr std::size_t kMaxTokenChars = 512;

bool IsToken68(absl::string_view token) {
  std::size_t i = 0;
  for (; i < token.size(); ++i) {
    const char c = token[i];
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_' &&
        c != '~' && c != '+' && c != '/') {
      break;
    }
  }
  if (i == 0) {
    return false;
  }
  for (; i < token.size(); ++i) {
    if (token[i] != '=') {
      return false;
    }
  }
  return true;
}

absl::Status Unauthenticated(absl::string_view why) {
  return ErrorWithReasonCode(absl::StatusCode::kUnauthenticated, "UNAUTHENTICATED", why);
}

absl::string_view NeededRoles(Permission permission) {
  switch (permission) {
    case Permission::kPortal:
      return "portal";
    case Permission::kModerate:
      return "moderator or admin";
    case Permission::kAdminister:
      return "admin";
  }
  return "none";
}

}  // namespace

bool RoleAllows(Role role, Permission permission) {
  switch (permission) {
    case Permission::kPortal:
      return role == Role::kPortal;
    case Permission::kModerate:
      return role == Role::kModerator || role == Role::kAdmin;
    case Permission::kAdminister:
      return role == Role::kAdmin;
  }
  return false;
}

std::optional<absl::string_view> BearerToken(absl::string_view header) {
  constexpr absl::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(header.substr(0, kScheme.size()), kScheme) ||
      header[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  absl::string_view token = absl::StripLeadingAsciiWhitespace(header.substr(kScheme.size()));
  token = absl::StripTrailingAsciiWhitespace(token);
  if (token.size() > kMaxTokenChars || !IsToken68(token)) {
    return std::nullopt;
  }
  return token;
}

AccessPolicy::AccessPolicy(std::optional<TokenTable> tokens) : state_(std::make_shared<State>()) {
  state_->enforced = tokens.has_value();
  if (tokens.has_value()) {
    absl::MutexLock lock(&state_->mutex);
    state_->table = std::make_shared<const TokenTable>(*std::move(tokens));
  }
}

std::shared_ptr<const TokenTable> AccessPolicy::Table() const {
  absl::MutexLock lock(&state_->mutex);
  return state_->table;
}

absl::Status AccessPolicy::ReplaceTokens(TokenTable tokens) {
  if (!state_->enforced) {
    return absl::FailedPreconditionError(
        "tokens are not enforced by this server (started without any): restart it to enforce "
        "them");
  }
  if (tokens.empty()) {
    return absl::InvalidArgumentError("the new token table is empty");
  }
  auto table = std::make_shared<const TokenTable>(std::move(tokens));
  absl::MutexLock lock(&state_->mutex);
  state_->table = std::move(table);
  return absl::OkStatus();
}

absl::StatusOr<Principal> AccessPolicy::Authorize(absl::Span<const absl::string_view> authorization,
                                                  Permission needed) const {
  if (!state_->enforced) {
    return Principal{.name = std::string{kUnidentified}, .role = Role::kAdmin};
  }
  if (authorization.empty()) {
    return Unauthenticated("no bearer token: send \"authorization: Bearer <token>\"");
  }
  if (authorization.size() > 1) {
    return Unauthenticated("more than one authorization header");
  }
  std::optional<absl::string_view> token = BearerToken(authorization.front());
  if (!token) {
    return Unauthenticated("the authorization header is not \"Bearer <token>\"");
  }
  std::optional<Principal> principal = Table()->Find(*token);
  if (!principal) {
    return Unauthenticated("unknown bearer token");
  }
  if (!RoleAllows(principal->role, needed)) {
    return ErrorWithReasonCode(
        absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
        absl::StrCat("the ", RoleName(principal->role), " role may not make this call (it needs ",
                     NeededRoles(needed), ")"));
  }
  return *std::move(principal);
}

absl::StatusOr<Principal> AccessPolicy::Authorize(absl::Span<const absl::string_view> authorization,
                                                  Permission needed,
                                                  absl::string_view declared_name) const {
  absl::StatusOr<Principal> principal = Authorize(authorization, needed);
  if (!principal.ok() || state_->enforced || declared_name.empty()) {
    return principal;
  }
  if (!IsValidPrincipalName(declared_name)) {
    return ErrorWithReasonCode(absl::StatusCode::kInvalidArgument, "INVALID_MODERATOR_NAME",
                               "the x-moderator name must be 1-64 characters of [A-Za-z0-9._@-]");
  }
  principal->name = std::string(declared_name);
  return principal;
}

}  // namespace moderation::auth
