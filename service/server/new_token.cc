#include "service/server/new_token.h"

#include "absl/strings/str_cat.h"
#include "service/auth/token_table.h"
#include "service/common/status_macros.h"

namespace moderation::server {

absl::StatusOr<std::string> NewTokenText(const std::string& name, const std::string& role,
                                         RandomSource& random) {
  const std::string token = auth::NewToken(random);
  const std::string hash = auth::TokenSha256Hex(token);
  // The same checks the server makes when it loads the entry.
  RETURN_IF_ERROR(auth::TokenTable::Create(
                      {{.name = name, .role = role, .sha256_hex = hash, .origin = "new-token"}})
                      .status());
  return absl::StrCat(
      "# New ", role, " token for ", name,
      ". Hand it over privately: it is shown once and stored nowhere.\n", token, "\n",
      "# The server keeps only its SHA-256. Either add to the TOML configuration:\n",
      "[[auth.tokens]]\n", "name = \"", name, "\"\n", "role = \"", role, "\"\n", "sha256 = \"",
      hash, "\"\n",
      "# or add this line to auth.tokens_file (MODERATION_AUTH_TOKENS_FILE), or as an entry\n",
      "# of MODERATION_AUTH_TOKENS (comma-separated):\n", name, ":", role, ":", hash, "\n");
}

}  // namespace moderation::server
