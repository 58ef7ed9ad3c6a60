#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "service/common/log.h"
#include "service/config/config.h"
#include "service/crypto/crypto.h"
#include "service/server/new_token.h"
#include "service/server/rekey_command.h"
#include "service/server/runner.h"

// Nothing here throws but std::bad_alloc, which should end the process.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  moderation::server::SetUpSignals();
#ifdef NDEBUG
  // abseil's lock-order graph costs every lock on the submission path; the
  // debug and sanitizer builds, which run the tests, keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif

  CLI::App app{"moderation-server: comment moderation service (gRPC)"};
  std::optional<std::string> config_path;
  bool describe = false;
  app.add_option("--config", config_path, "TOML configuration file");
  std::string describe_format = "toml";
  app.add_flag("--describe-config", describe,
               "print every setting with its default and environment variable");
  app.add_option("--format", describe_format,
                 "with --describe-config: toml (default) or markdown (the reference table)")
      ->check(CLI::IsMember({"toml", "markdown"}));
  std::string token_name;
  std::string token_role;
  CLI::App* new_token = app.add_subcommand(
      "new-token", "print a new bearer token and the configuration that admits it");
  new_token->add_option("--name", token_name, "who holds it: a moderator's identity, or the portal")
      ->required();
  new_token->add_option("--role", token_role, "portal, moderator or admin")
      ->required()
      ->check(CLI::IsMember({"portal", "moderator", "admin"}));
  std::string rekey_cursor = "0";
  int rekey_batch = 100;
  CLI::App* rekey = app.add_subcommand(
      "rekey", "seal every stored phone number again under encryption_key_id, then exit");
  rekey->add_option("--cursor", rekey_cursor, "resume from this cursor, as printed by a run");
  rekey->add_option("--batch", rekey_batch, "comments per step")->check(CLI::Range(1, 10000));
  CLI11_PARSE(app, argc, argv);
  if (new_token->parsed()) {
    moderation::crypto::SecureRandom random;
    absl::StatusOr<std::string> text =
        moderation::server::NewTokenText(token_name, token_role, random);
    if (!text.ok()) {
      std::fprintf(stderr, "%s\n", std::string(text.status().message()).c_str());
      return 2;
    }
    std::fputs(text->c_str(), stdout);
    return 0;
  }
  if (describe) {
    const std::string text = describe_format == "markdown"
                                 ? moderation::config::DescribeSettingsMarkdown()
                                 : moderation::config::DescribeSettings();
    std::fputs(text.c_str(), stdout);
    return 0;
  }

  const moderation::config::Environment environment = moderation::config::ProcessEnvironment();
  absl::StatusOr<moderation::config::LoadedConfig> loaded =
      moderation::config::LoadConfig(config_path, environment);
  if (!loaded.ok()) {
    moderation::log::Error("invalid configuration", {{"error", loaded.status().message()}});
    return 2;
  }
  for (const std::string& name : loaded->unknown_environment) {
    moderation::log::Warning("unknown environment variable ignored", {{"name", name}});
  }
  if (rekey->parsed()) {
    const absl::Status status = moderation::server::RunRekey(loaded->config, environment,
                                                             rekey_cursor, rekey_batch, stdout);
    if (!status.ok()) {
      moderation::log::Error("rekey failed", {{"error", status.message()}});
      return 1;
    }
    return 0;
  }
  if (absl::Status status = moderation::server::Run(loaded->config, environment); !status.ok()) {
    moderation::log::Error("cannot start", {{"error", status.message()}});
    return 1;
  }
  return 0;
}
