#pragma once

#include <google/protobuf/util/json_util.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/pty_process.h"

namespace moderation::e2e {

// The real server with the shipped spam rules, except that they refuse
// nothing (so that an advert is queued and flagged), and no rate limits, and modctl run as a moderator
// would: in a pipe, or in a pseudo-terminal.
class ModeratorCliTest : public EndToEndTest {
 protected:
  struct Run {
    int exit_code = -1;
    std::string out;
    std::string err;
  };

  void SetUp() override;
  void TearDown() override;

  // Submits a comment and returns its id; it must be queued.
  std::string Post(const std::string& article, const std::string& name, const std::string& title,
                   const std::string& body, const std::string& ip = "203.0.113.77",
                   const std::string& phone = "0903 123 456");

  // modctl with `args` against the server, stdin empty, no colours, no
  // configuration file unless `env` names one.
  Run Modctl(const std::vector<std::string>& args,
             const std::map<std::string, std::string>& env = {});
  // The same in a terminal of `columns` columns.
  std::unique_ptr<testing::PtyProcess> ModctlInTerminal(
      const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
      int columns = 100);

  // The environment every modctl run gets: no configuration file, no colours.
  std::map<std::string, std::string> ModctlEnvironment(
      const std::map<std::string, std::string>& env) const;

  v1::ModeratedComment Get(const std::string& id);

  template <typename Message>
  static Message FromJson(const std::string& json) {
    Message message;
    const auto status = google::protobuf::util::JsonStringToMessage(json, &message);
    EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
    return message;
  }

 private:
  std::string rules_path_;
};

// The comment ids (26 characters of Crockford base32) in `text`, in order.
std::vector<std::string> CommentIdsIn(const std::string& text);

}  // namespace moderation::e2e
