#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::redis {

absl::StatusOr<RedisEndpoint> ParseRedisUrl(absl::string_view url) {
  RedisEndpoint endpoint;
  if (absl::ConsumePrefix(&url, "unix://")) {
    if (url.empty() || url.front() != '/') {
      return absl::InvalidArgumentError("redis url: unix:// needs an absolute path");
    }
    endpoint.unix_path = std::string(url);
    return endpoint;
  }
  if (!absl::ConsumePrefix(&url, "redis://")) {
    return absl::InvalidArgumentError(
        "redis url must start with redis:// or unix:// (rediss:// is not supported)");
  }
  if (const std::size_t slash = url.find('/'); slash != absl::string_view::npos) {
    absl::string_view database = url.substr(slash + 1);
    url = url.substr(0, slash);
    if (!database.empty() && (!absl::SimpleAtoi(database, &endpoint.database) ||
                              endpoint.database < 0 || endpoint.database > 15)) {
      return absl::InvalidArgumentError("redis url: database must be a number from 0 to 15");
    }
  }
  if (url.find('@') != absl::string_view::npos) {
    return absl::InvalidArgumentError("redis url: credentials in the url are not supported");
  }
  absl::string_view host = url;
  if (!host.empty() && host.front() == '[') {  // [IPv6]:port
    const std::size_t close = host.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("redis url: unterminated [ in host");
    }
    absl::string_view rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (absl::ConsumePrefix(&rest, ":") && !absl::SimpleAtoi(rest, &endpoint.port)) {
      return absl::InvalidArgumentError("redis url: bad port");
    }
  } else if (const std::size_t colon = host.rfind(':'); colon != absl::string_view::npos) {
    if (!absl::SimpleAtoi(host.substr(colon + 1), &endpoint.port)) {
      return absl::InvalidArgumentError("redis url: bad port");
    }
    host = host.substr(0, colon);
  }
  if (host.empty()) {
    return absl::InvalidArgumentError("redis url: missing host");
  }
  if (endpoint.port <= 0 || endpoint.port > 65535) {
    return absl::InvalidArgumentError("redis url: port out of range");
  }
  endpoint.host = std::string(host);
  return endpoint;
}

absl::StatusOr<RedisEndpoint> ParseSentinelAddress(absl::string_view address) {
  if (address.empty() || absl::StrContains(address, "/") || absl::StrContains(address, "@")) {
    return absl::InvalidArgumentError(
        absl::StrCat("sentinel address must be host:port, got \"", address, "\""));
  }
  const bool has_port = address.back() != ']' && absl::StrContains(address, ":") &&
                        (address.front() == '[' || address.find(':') == address.rfind(':'));
  absl::StatusOr<RedisEndpoint> endpoint =
      ParseRedisUrl(absl::StrCat("redis://", address, has_port ? "" : ":26379"));
  if (!endpoint.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("sentinel address \"", address, "\": ", endpoint.status().message()));
  }
  return endpoint;
}

}  // namespace moderation::redis
