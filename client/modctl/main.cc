#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "client/modctl/commands.h"
#include "client/modctl/connection.h"
#include "client/modctl/enum_names.h"
#include "client/modctl/health.h"
#include "moderation/v1/moderation_service.grpc.pb.h"

int main(int argc, char** argv) {
  namespace modctl = moderation::modctl;

  CLI::App app{"modctl: review the comments waiting for moderation"};
  app.require_subcommand(1);
  // Global options may come after the command too: `modctl list --output json`.
  app.fallthrough();

  std::string server = "127.0.0.1:50051";
  std::string token;
  std::string output = "table";
  double timeout_seconds = 10;
  app.add_option("--server", server, "moderation-server address, host:port")
      ->envname("MODCTL_SERVER")
      ->capture_default_str();
  app.add_option("--token", token, "bearer token sent with every call")->envname("MODCTL_TOKEN");
  modctl::TlsOptions tls;
  app.add_flag("--tls", tls.enabled, "connect with TLS (implied by the --tls-* files)")
      ->envname("MODCTL_TLS");
  app.add_option("--tls-ca", tls.ca_file,
                 "PEM file of the CA that signs the server's certificate (TLS; system roots "
                 "if omitted)")
      ->envname("MODCTL_TLS_CA");
  app.add_option("--tls-cert", tls.cert_file, "PEM client certificate, for mutual TLS")
      ->envname("MODCTL_TLS_CERT");
  app.add_option("--tls-key", tls.key_file, "PEM private key of --tls-cert")
      ->envname("MODCTL_TLS_KEY");
  app.add_option("--tls-server-name", tls.server_name,
                 "name the server's certificate must carry, when not the --server host")
      ->envname("MODCTL_TLS_SERVER_NAME");
  app.add_option("--output", output, "table (for people) or json (for scripts)")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_option("--timeout", timeout_seconds, "deadline of each call, in seconds")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();

  modctl::ListOptions list_options;
  CLI::App* list = app.add_subcommand("list", "list pending comments, oldest first");
  list->add_option("--page-size", list_options.page_size, "comments per page (server default)");
  list->add_option("--page-token", list_options.page_token, "start at this page");
  list->add_flag("--all", list_options.all, "follow page tokens to the end of the queue");

  std::string show_id;
  CLI::App* show = app.add_subcommand("show", "show one comment in full");
  show->add_option("id", show_id, "comment id")->required();

  modctl::DecisionOptions approve_options;
  CLI::App* approve = app.add_subcommand("approve", "approve pending comments");
  approve->add_option("ids", approve_options.comment_ids, "comment ids")->required();
  approve->add_option("--note", approve_options.note, "note kept with the decision");

  modctl::DecisionOptions reject_options;
  CLI::App* reject = app.add_subcommand("reject", "reject pending comments");
  reject->add_option("ids", reject_options.comment_ids, "comment ids")->required();
  reject->add_option("--reason", reject_options.reason, "why")
      ->required()
      ->check(CLI::IsMember(modctl::RejectionReasonNames()));
  reject->add_option("--note", reject_options.note, "note kept with the decision");

  modctl::BanOptions ban_options;
  double ban_hours = 0;
  CLI::App* ban =
      app.add_subcommand("ban", "ban an address, a prefix, a phone or a comment's author");
  ban->add_option("--ip", ban_options.ip_address, "an IP address");
  ban->add_option("--prefix", ban_options.ip_prefix,
                  "an IP prefix: IPv4 /16 or /24, IPv6 /48 or /64");
  ban->add_option("--phone", ban_options.phone, "a Vietnamese phone number");
  ban->add_option("--comment", ban_options.comment_id,
                  "the author of this comment (address, and phone if given)");
  ban->add_option("--reason", ban_options.reason, "why")->required();
  ban->add_option("--hours", ban_hours, "how long; for ever if omitted")
      ->check(CLI::Range(0.0, 24.0 * 365 * 10));

  std::vector<std::string> unban_ids;
  CLI::App* unban = app.add_subcommand("unban", "lift bans");
  unban->add_option("ids", unban_ids, "ban ids, as `modctl bans` shows them")->required();

  CLI::App* bans = app.add_subcommand("bans", "list live bans, newest first");

  std::string health_service;
  CLI::App* health = app.add_subcommand(
      "health", "ask the server's health service; exit 0 when serving (for probes)");
  health->add_option("--service", health_service,
                     "a service name, e.g. moderation.v1.CommentService; the server if omitted");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // Help is a success; every other parse error is a usage error.
    return app.exit(error) == 0 ? modctl::kExitOk : modctl::kExitUsage;
  }

  absl::StatusOr<std::shared_ptr<grpc::Channel>> opened = modctl::OpenChannel(server, tls);
  if (!opened.ok()) {
    std::cerr << "error: " << opened.status().message() << "\n";
    return modctl::kExitUsage;
  }
  const std::shared_ptr<grpc::Channel> channel = *std::move(opened);
  const std::unique_ptr<moderation::v1::ModerationService::Stub> stub =
      moderation::v1::ModerationService::NewStub(channel);
  const modctl::CommandContext context{
      .stub = *stub,
      .call = {.server = server, .token = token, .timeout = absl::Seconds(timeout_seconds)},
      .output = output == "json" ? modctl::OutputFormat::kJson : modctl::OutputFormat::kTable,
      .time_zone = absl::LocalTimeZone(),
      .out = std::cout,
      .err = std::cerr,
  };
  if (list->parsed()) {
    return modctl::RunList(context, list_options);
  }
  if (show->parsed()) {
    return modctl::RunShow(context, show_id);
  }
  if (approve->parsed()) {
    return modctl::RunApprove(context, approve_options);
  }
  if (ban->parsed()) {
    ban_options.duration = absl::Seconds(static_cast<int64_t>(ban_hours * 3600));
    return modctl::RunBan(context, ban_options);
  }
  if (unban->parsed()) {
    return modctl::RunUnban(context, unban_ids);
  }
  if (bans->parsed()) {
    return modctl::RunBans(context);
  }
  if (health->parsed()) {
    return modctl::RunHealth(channel, context.call, health_service, std::cout, std::cerr);
  }
  return modctl::RunReject(context, reject_options);
}
