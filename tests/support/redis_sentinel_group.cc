#include "tests/support/redis_sentinel_group.h"

#include <signal.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace moderation::testing {

absl::StatusOr<std::unique_ptr<RedisSentinelGroup>> RedisSentinelGroup::Start(int replicas) {
  std::unique_ptr<RedisSentinelGroup> group(new RedisSentinelGroup());
  const std::string& dir = group->dir_.path();
  int primary_port = 0;
  for (int i = 0; i <= replicas; ++i) {
    const int port = PickFreePort();
    const std::string name = absl::StrCat("node", i);
    std::filesystem::create_directory(dir + "/" + name);
    // A copy: a failover makes Sentinel rewrite the replicas' configuration
    // files (CONFIG REWRITE), and the shipped one must stay as it is.
    const std::string config = dir + "/" + name + "/redis.conf";
    std::filesystem::copy_file(MODERATION_SOURCE_DIR "/deploy/redis/redis.conf", config);
    std::vector<std::string> argv = {"redis-server",     config,  "--port",
                                     absl::StrCat(port), "--dir", dir + "/" + name,
                                     "--daemonize",      "no"};
    if (i == 0) {
      primary_port = port;
    } else {
      argv.insert(argv.end(), {"--replicaof", "127.0.0.1", absl::StrCat(primary_port)});
    }
    absl::StatusOr<Node> node = group->Launch(name, std::move(argv), port);
    if (!node.ok()) {
      return node.status();
    }
    group->data_nodes_.push_back(*std::move(node));
  }
  for (int i = 0; i < 3; ++i) {
    const int port = PickFreePort();
    const std::string name = absl::StrCat("sentinel", i);
    std::filesystem::create_directory(dir + "/" + name);
    // Sentinel rewrites its configuration file, so each gets its own copy.
    const std::string config = dir + "/" + name + "/sentinel.conf";
    std::ofstream(config) << "port " << port << "\nbind 127.0.0.1\ndir " << dir << "/" << name
                          << "\nsentinel monitor " << kMasterName << " 127.0.0.1 " << primary_port
                          << " 2\nsentinel down-after-milliseconds " << kMasterName
                          << " 500\nsentinel failover-timeout " << kMasterName
                          << " 10000\nsentinel parallel-syncs " << kMasterName << " 1\n";
    absl::StatusOr<Node> node =
        group->Launch(name, {"redis-server", config, "--sentinel", "--daemonize", "no"}, port);
    if (!node.ok()) {
      return node.status();
    }
    group->sentinels_.push_back(*std::move(node));
  }
  return group;
}

RedisSentinelGroup::~RedisSentinelGroup() {
  for (std::vector<Node>* nodes : {&sentinels_, &data_nodes_}) {
    for (Node& node : *nodes) {
      if (node.process) {
        (void)node.process->Stop(SIGKILL, absl::Seconds(5));
      }
    }
  }
}

absl::StatusOr<RedisSentinelGroup::Node> RedisSentinelGroup::Launch(const std::string& name,
                                                                    std::vector<std::string> argv,
                                                                    int port) {
  absl::StatusOr<ChildProcess> process =
      ChildProcess::Start(argv, {}, dir_.path() + "/" + name + "/redis.log");
  if (!process.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("redis-server is required for this test and could not be started: ",
                     process.status().message()));
  }
  Node node;
  node.port = port;
  node.process = std::make_unique<ChildProcess>(*std::move(process));
  const bool up = WaitFor(
      [&] {
        absl::StatusOr<std::string> pong = Cli(port, {"PING"});
        return pong.ok() && *pong == "PONG";
      },
      absl::Seconds(10));
  if (!up) {
    return absl::DeadlineExceededError(
        absl::StrCat(name, " did not come up; see ", dir_.path(), "/", name, "/redis.log"));
  }
  return node;
}

std::vector<std::string> RedisSentinelGroup::SentinelAddresses() const {
  std::vector<std::string> out;
  for (const Node& sentinel : sentinels_) {
    out.push_back(absl::StrCat("127.0.0.1:", sentinel.port));
  }
  return out;
}

int RedisSentinelGroup::PrimaryPort() const {
  for (const Node& sentinel : sentinels_) {
    absl::StatusOr<std::string> answer =
        Cli(sentinel.port, {"SENTINEL", "get-master-addr-by-name", kMasterName});
    if (!answer.ok()) {
      continue;
    }
    const std::vector<std::string> lines = absl::StrSplit(*answer, '\n');
    int port = 0;
    if (lines.size() == 2 && absl::SimpleAtoi(absl::StripAsciiWhitespace(lines[1]), &port)) {
      return port;
    }
  }
  return 0;
}

absl::Status RedisSentinelGroup::WaitUntilSettled(absl::Duration timeout) const {
  const std::string replicas = absl::StrCat(data_nodes_.size() - 1);
  const std::string others = absl::StrCat(sentinels_.size() - 1);
  const bool settled = WaitFor(
      [&] {
        for (const Node& sentinel : sentinels_) {
          absl::StatusOr<std::string> master =
              Cli(sentinel.port, {"SENTINEL", "master", kMasterName});
          if (!master.ok()) {
            return false;
          }
          const std::vector<std::string> lines = absl::StrSplit(*master, '\n');
          bool replicas_known = false;
          bool sentinels_known = false;
          for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
            if (lines[i] == "num-slaves") {
              replicas_known = lines[i + 1] == replicas;
            } else if (lines[i] == "num-other-sentinels") {
              sentinels_known = lines[i + 1] == others;
            }
          }
          if (!replicas_known || !sentinels_known) {
            return false;
          }
        }
        // And every replica has finished its first sync with the primary.
        for (std::size_t i = 1; i < data_nodes_.size(); ++i) {
          absl::StatusOr<std::string> info = Cli(data_nodes_[i].port, {"INFO", "replication"});
          if (!info.ok() || !absl::StrContains(*info, "master_link_status:up")) {
            return false;
          }
        }
        return true;
      },
      timeout);
  return settled ? absl::OkStatus()
                 : absl::DeadlineExceededError(
                       absl::StrCat("sentinels did not settle; see ", dir_.path()));
}

absl::Status RedisSentinelGroup::KillNode(int port) {
  for (Node& node : data_nodes_) {
    if (node.port == port && node.process) {
      absl::StatusOr<int> stopped = node.process->Stop(SIGKILL, absl::Seconds(5));
      node.process.reset();
      return stopped.status();
    }
  }
  return absl::NotFoundError(absl::StrCat("no running data node on port ", port));
}

absl::StatusOr<std::string> RedisSentinelGroup::Cli(int port,
                                                    const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"redis-cli", "-h", "127.0.0.1", "-p", absl::StrCat(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  // Refused connections while a node starts or after it is killed are
  // expected: keep redis-cli's complaints out of the test's output.
  absl::StatusOr<CommandResult> result = RunCommand(argv, {}, "/dev/null");
  if (!result.ok()) {
    return result.status();
  }
  return std::string(absl::StripAsciiWhitespace(result->output));
}

}  // namespace moderation::testing
