#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "client/modctl/commands.h"
#include "client/modctl/config_file.h"
#include "client/modctl/connection.h"
#include "client/modctl/review.h"

namespace moderation::modctl {

// modctl's command line: every global option and every command with its
// options, declared once, with the configuration file's values as defaults
// (the environment and then the command line override them). Parse with
// `app.parse(argc, argv)`, then Run. Not copyable: the options are bound to
// its fields.
struct CommandLine {
  explicit CommandLine(const FileSettings& file);
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // Runs the command that was parsed: connects (nothing is sent for a usage
  // error), then talks to the server. Returns the process's exit code.
  [[nodiscard]] int Run();

  CLI::App app{"modctl: work the queue of comments waiting for moderation"};

  // Global options.
  std::string server;
  std::string token;
  std::string output;
  std::string moderator_as;
  double timeout_seconds = 10;
  TlsOptions tls;
  std::string unused_config;

  // The commands and their options.
  ListOptions list_options;
  CLI::App* queue = nullptr;
  std::string show_id;
  CLI::App* show = nullptr;
  ReviewOptions review_options;
  CLI::App* review = nullptr;
  DecisionOptions approve_options;
  CLI::App* approve = nullptr;
  DecisionOptions reject_options;
  CLI::App* reject = nullptr;
  std::string undo_id;
  CLI::App* undo = nullptr;
  BanOptions ban_options;
  double ban_hours = 0;
  CLI::App* ban = nullptr;
  std::vector<std::string> unban_ids;
  CLI::App* unban = nullptr;
  CLI::App* bans = nullptr;
  AuditOptions audit_options;
  CLI::App* audit = nullptr;
  std::string stats_period = "24h";
  CLI::App* stats = nullptr;
  std::string health_service;
  CLI::App* health = nullptr;
  std::string shell;
  CLI::App* completion = nullptr;
};

}  // namespace moderation::modctl
