#include "service/server/rekey_command.h"

#include "absl/strings/str_cat.h"
#include "service/common/status_macros.h"
#include "service/crypto/secrets.h"
#include "service/rekey/redis_sealed_field_store.h"
#include "service/rekey/rekey.h"
#include "service/server/redis_options.h"
#include "service/server/secrets_loader.h"

namespace moderation::server {
namespace {

std::string CountsText(const rekey::RekeyCounts& counts) {
  return absl::StrCat("scanned=", counts.scanned, " resealed=", counts.resealed,
                      " current=", counts.current, " changed=", counts.changed,
                      " unreadable=", counts.unreadable);
}

}  // namespace

absl::Status RunRekey(const config::ServerConfig& config, const config::Environment& environment,
                      const std::string& cursor, int batch, std::FILE* out) {
  // A made-up secret would open nothing: the real one is required here.
  ASSIGN_OR_RETURN(MasterSecret secret, LoadMasterSecret(environment, /*allow_ephemeral=*/false));
  ASSIGN_OR_RETURN(
      crypto::ServiceKeys keys,
      crypto::DeriveServiceKeys(secret.bytes, config.encryption_key_id, config.decryption_key_ids));
  ASSIGN_OR_RETURN(redis::RedisClientOptions options, MainRedisOptions(config.redis));
  ASSIGN_OR_RETURN(std::unique_ptr<redis::RedisClient> client,
                   redis::RedisClient::Create(std::move(options)));
  if (!client->WaitUntilConnected(absl::Milliseconds(config.redis.connect_timeout_ms))) {
    return absl::UnavailableError("redis not reachable");
  }
  rekey::RedisSealedPhoneStore store(*client);
  crypto::SecureRandom random;
  rekey::RekeyOptions rekey_options;
  rekey_options.cursor = cursor;
  rekey_options.batch = batch;
  rekey_options.progress = [out](const rekey::RekeyCounts& counts, const std::string& next) {
    std::fprintf(out, "progress %s cursor=%s\n", CountsText(counts).c_str(), next.c_str());
    std::fflush(out);
  };
  absl::StatusOr<rekey::RekeyCounts> counts =
      rekey::Reseal(store, keys.phone_cipher, random, rekey_options);
  client->Shutdown(absl::Seconds(1));
  if (!counts.ok()) {
    return counts.status();
  }
  std::fprintf(out, "done %s key_id=%s\n", CountsText(*counts).c_str(),
               keys.phone_cipher.key_id().c_str());
  if (counts->unreadable > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(counts->unreadable,
                     " sealed values open with no configured key: keep their key id in "
                     "decryption_key_ids"));
  }
  return absl::OkStatus();
}

}  // namespace moderation::server
