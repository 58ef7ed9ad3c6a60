#include "client/modctl/command_line.h"

#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "client/modctl/completion.h"
#include "client/modctl/enum_names.h"
#include "client/modctl/health.h"
#include "client/modctl/terminal.h"
#include "moderation/v1/moderation_service.grpc.pb.h"

namespace moderation::modctl {
namespace {

void AddFilterOptions(CLI::App* command, FilterOptions& filter) {
  command->add_option("--article", filter.article, "only comments on this article");
  command->add_option("--rule", filter.rule,
                      "only comments this spam rule flagged (a rule name, e.g. contact)");
  command->add_option("--min-score", filter.min_score, "only comments scoring at least this")
      ->check(CLI::Range(0.0, 1e6));
  command->add_option("--older-than", filter.older_than, "only comments older than an age (2h)");
  command->add_option("--newer-than", filter.newer_than, "only comments newer than an age (30m)");
  command->add_option("--from-phone", filter.from_phone,
                      "only this author, by phone: a comment id, or the ph-... key `show` prints");
  command->add_option("--from-ip", filter.from_ip,
                      "only this author, by address: a comment id, the ip-... key `show` "
                      "prints, or a network as shown (203.0.113.0/24)");
  command->add_flag("--flagged", filter.flagged, "only comments the spam rules flagged");
}

bool IsValidName(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         name.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
             "0123456789._@-") == std::string::npos;
}

}  // namespace

CommandLine::CommandLine(const FileSettings& file) {
  app.require_subcommand(1);
  // Global options may come after the command too: `modctl queue --output json`.
  app.fallthrough();
  app.footer(R"(Examples:
  modctl queue                              the queue, flagged first, then oldest first
  modctl review                             decide one comment at a time, one key each
  modctl show 01JDQ3M5X4...                 one comment, its author's history, its audit trail
  modctl reject --from-ip 01JDQ3M5X4... --reason spam --yes
  modctl audit --verify                     check the audit log's HMAC chain

Settings come from the command line, then the environment (MODCTL_SERVER,
MODCTL_TOKEN, MODCTL_TLS_CA, MODCTL_AS, ...), then the configuration file
($XDG_CONFIG_HOME/modctl/config.toml, or --config / MODCTL_CONFIG), e.g.
  server = "moderation.example.internal:50051"
  tls_ca = "/etc/moderation/ca.crt"
Exit codes: 0 done, 1 the server said no, 2 usage error, 3 server unreachable.
Colours only on a terminal, never with NO_COLOR set.)");

  server = file.server.value_or("127.0.0.1:50051");
  token = file.token.value_or("");
  output = file.output.value_or("table");
  moderator_as = file.as.value_or("");
  timeout_seconds = file.timeout.value_or(10);
  tls.enabled = file.tls.value_or(false);
  tls.ca_file = file.tls_ca.value_or("");
  tls.cert_file = file.tls_cert.value_or("");
  tls.key_file = file.tls_key.value_or("");
  tls.server_name = file.tls_server_name.value_or("");
  app.add_option("--config", unused_config,
                 "configuration file (default $XDG_CONFIG_HOME/modctl/config.toml)")
      ->envname("MODCTL_CONFIG");
  app.add_option("--server", server, "moderation-server address, host:port")
      ->envname("MODCTL_SERVER")
      ->capture_default_str();
  app.add_option("--token", token, "bearer token sent with every call")->envname("MODCTL_TOKEN");
  app.add_option("--as", moderator_as,
                 "your name in the audit log, on a server without tokens (with tokens, the "
                 "token's name is used)")
      ->envname("MODCTL_AS");
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
      ->envname("MODCTL_OUTPUT")
      ->capture_default_str();
  app.add_option("--timeout", timeout_seconds, "deadline of each call, in seconds")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();

  queue = app.add_subcommand(
      "queue", "list pending comments: flagged first, then oldest first (alias: list)");
  queue->alias("list");
  queue->add_option("--page-size", list_options.page_size, "comments per page (server default)");
  queue->add_option("--page-token", list_options.page_token, "start at this page");
  queue->add_flag("--all", list_options.all, "follow page tokens to the end of the queue");
  AddFilterOptions(queue, list_options.filter);
  queue->footer(R"(Examples:
  modctl queue --flagged --rule contact      flagged for a phone number or link
  modctl queue --article thoi-su-1 --older-than 2h
  modctl queue --from-ip 203.0.113.0/24      one network, as `show` prints it
  modctl queue --all --output json           every page, for scripts
Columns fit the terminal; long comments end in "…". SCORE starts with "!"
when the spam rules flagged the comment; REVIEWER shows who has it open.)");

  show = app.add_subcommand("show",
                            "show one comment in full, its author's history and its audit trail");
  show->add_option("id", show_id, "comment id")->required();
  show->footer(R"(Examples:
  modctl show 01JDQ3M5X4ABCDEFGHJKMNPQRS
  modctl show 01JDQ3M5X4ABCDEFGHJKMNPQRS --output json
The author's phone is shown masked and the address by its network; the keys
after them (ph-..., ip-...) select the same author in --from-phone/--from-ip.)");

  review = app.add_subcommand("review",
                              "decide pending comments one at a time, one key each (interactive)");
  AddFilterOptions(review, review_options.filter);
  review->footer(R"(Keys:
  a  approve                 r  reject, then 1-6 for the reason
  s  skip (someone else may take it)
  b  ban the author (address and phone) and reject all their pending comments
  u  undo your last decision (within the server's undo window)
  q  quit (also Ctrl-C, Ctrl-D)    ?  the keys
Each comment shown is claimed for you: no other moderator's review gets it
until you decide, skip or quit (or the claim expires).
Examples:
  modctl review
  modctl review --flagged --as lan           on a development server without tokens)");

  approve = app.add_subcommand("approve", "approve pending comments");
  approve->add_option("ids", approve_options.comment_ids, "comment ids");
  approve->add_option("--note", approve_options.note, "note kept with the decision");
  approve->add_flag("--yes", approve_options.yes, "with a filter: act without asking");
  AddFilterOptions(approve, approve_options.filter);
  approve->footer(R"(Examples:
  modctl approve 01JDQ3M5X4... 01JDQ3M6A1...
  modctl approve --article the-thao-7 --older-than 1d     asks before acting
  modctl approve --article the-thao-7 --yes --output json for scripts
With a filter, modctl lists the matches, says how many, and asks.)");

  reject = app.add_subcommand("reject", "reject pending comments with a reason");
  reject->add_option("ids", reject_options.comment_ids, "comment ids");
  reject->add_option("--reason", reject_options.reason, "why")
      ->required()
      ->check(CLI::IsMember(RejectionReasonNames()));
  reject->add_option("--note", reject_options.note, "note kept with the decision");
  reject->add_flag("--yes", reject_options.yes, "with a filter: act without asking");
  AddFilterOptions(reject, reject_options.filter);
  reject->footer(R"(Reasons: spam, advertising, offensive, off-topic, personal-data, other.
Examples:
  modctl reject 01JDQ3M5X4... --reason spam
  modctl reject --from-phone 01JDQ3M5X4... --reason advertising    all by that phone
  modctl reject --from-ip ip-3fa9... --reason spam --yes)");

  undo = app.add_subcommand("undo", "take back your last decision (within the undo window)");
  undo->add_option("id", undo_id, "the comment you decided last")->required();

  ban = app.add_subcommand("ban", "ban an address, a prefix, a phone or a comment's author");
  ban->add_option("--ip", ban_options.ip_address, "an IP address");
  ban->add_option("--prefix", ban_options.ip_prefix,
                  "an IP prefix: IPv4 /16 or /24, IPv6 /48 or /64");
  ban->add_option("--phone", ban_options.phone, "a Vietnamese phone number");
  ban->add_option("--comment", ban_options.comment_id,
                  "the author of this comment (address, and phone if given)");
  ban->add_option("--reason", ban_options.reason, "why")->required();
  ban->add_option("--hours", ban_hours, "how long; for ever if omitted")
      ->check(CLI::Range(0.0, 24.0 * 365 * 10));
  ban->add_flag("--reject-pending", ban_options.reject_pending,
                "also reject every pending comment of the author (not with --prefix)");
  ban->add_option("--reject-reason", ban_options.reject_reason,
                  "the reason for those rejections (default spam)")
      ->check(CLI::IsMember(RejectionReasonNames()));
  ban->footer(R"(Examples:
  modctl ban --comment 01JDQ3M5X4... --reason "rao vặt" --reject-pending
  modctl ban --prefix 203.0.113.0/24 --reason "spam bot" --hours 24
Bans need an admin token.)");

  unban = app.add_subcommand("unban", "lift bans");
  unban->add_option("ids", unban_ids, "ban ids, as `modctl bans` shows them")->required();

  bans = app.add_subcommand("bans", "list live bans, newest first");

  audit = app.add_subcommand("audit", "who decided what, when and why; --verify");
  audit->add_option("--moderator", audit_options.moderator,
                    "only this moderator (system:retention: what retention erased or expired)");
  audit->add_option("--comment", audit_options.comment_id, "only this comment (its whole trail)");
  audit->add_option("--since", audit_options.since, "from an age ago (2h, 1d) or a time");
  audit->add_option("--until", audit_options.until, "up to an age ago or a time");
  audit->add_option("--limit", audit_options.limit, "entries at most")->capture_default_str();
  audit->add_flag("--verify", audit_options.verify,
                  "check the log's HMAC chain; exit 1 and name the entry where it breaks");
  audit->footer(R"(Examples:
  modctl audit --moderator lan --since 1d
  modctl audit --comment 01JDQ3M5X4...
  modctl audit --moderator system:retention --since 7d
  modctl audit --since 2024-11-26T08:00:00+07:00 --until 2024-11-26T12:00:00+07:00
  modctl audit --verify                       (admin token))");

  stats = app.add_subcommand("stats", "queue depth and age, decisions by moderator and reason");
  stats->add_option("--period", stats_period, "the decisions of this last period (up to 31d)")
      ->capture_default_str();

  health = app.add_subcommand("health",
                              "ask the server's health service; exit 0 when serving (for probes)");
  health->add_option("--service", health_service,
                     "a service name, e.g. moderation.v1.CommentService; the server if omitted");

  completion = app.add_subcommand("completion", "print a shell completion script");
  completion->add_option("shell", shell, "bash")->required()->check(CLI::IsMember({"bash"}));
  completion->footer(R"(Example:
  modctl completion bash > ~/.local/share/bash-completion/completions/modctl)");
}

int CommandLine::Run() {
  if (completion->parsed()) {
    std::cout << BashCompletion();
    return kExitOk;
  }
  if (!moderator_as.empty() && !IsValidName(moderator_as)) {
    std::cerr << "error: --as must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', '@', '-'\n";
    return kExitUsage;
  }

  absl::StatusOr<std::shared_ptr<grpc::Channel>> opened = OpenChannel(server, tls);
  if (!opened.ok()) {
    std::cerr << "error: " << opened.status().message() << "\n";
    return kExitUsage;
  }
  const std::shared_ptr<grpc::Channel> channel = *std::move(opened);
  const std::unique_ptr<moderation::v1::ModerationService::Stub> stub =
      moderation::v1::ModerationService::NewStub(channel);
  const bool json = output == "json";
  const CommandContext context{
      .stub = *stub,
      .call = {.server = server,
               .token = token,
               .moderator_as = moderator_as,
               .timeout = absl::Seconds(timeout_seconds)},
      .output = json ? OutputFormat::kJson : OutputFormat::kTable,
      .time_zone = absl::LocalTimeZone(),
      .out = std::cout,
      .err = std::cerr,
      .in = &std::cin,
      .style = Style(!json && ShouldColor(STDOUT_FILENO)),
      .width = TerminalWidth(STDOUT_FILENO),
      .now = [] { return absl::Now(); },
  };
  if (queue->parsed()) {
    return RunList(context, list_options);
  }
  if (show->parsed()) {
    return RunShow(context, show_id);
  }
  if (review->parsed()) {
    review_options.clear_screen = isatty(STDOUT_FILENO) == 1;
    return RunReview(context, review_options, STDIN_FILENO);
  }
  if (approve->parsed()) {
    return RunApprove(context, approve_options);
  }
  if (reject->parsed()) {
    return RunReject(context, reject_options);
  }
  if (undo->parsed()) {
    return RunUndo(context, undo_id);
  }
  if (ban->parsed()) {
    ban_options.duration = absl::Seconds(static_cast<int64_t>(ban_hours * 3600));
    return RunBan(context, ban_options);
  }
  if (unban->parsed()) {
    return RunUnban(context, unban_ids);
  }
  if (bans->parsed()) {
    return RunBans(context);
  }
  if (audit->parsed()) {
    return RunAudit(context, audit_options);
  }
  if (stats->parsed()) {
    absl::StatusOr<absl::Duration> period = ParseAge(stats_period);
    if (!period.ok()) {
      std::cerr << "error: --period: " << period.status().message() << "\n";
      return kExitUsage;
    }
    return RunStats(context, *period);
  }
  return RunHealth(channel, context.call, health_service, std::cout, std::cerr);
}

}  // namespace moderation::modctl
