#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "client/modctl/command_line.h"
#include "client/modctl/config_file.h"
#include "client/modctl/errors.h"

namespace {

namespace modctl = moderation::modctl;

// The --config FILE given on the command line, if any: read before the rest
// is parsed, since the file's values are the other options' defaults.
std::string ConfigOption(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      return argv[i + 1];
    }
    if (absl::StartsWith(arg, "--config=")) {
      return arg.substr(9);
    }
  }
  return "";
}

}  // namespace

// Nothing here throws but std::bad_alloc, which should end the process.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  std::string config_path = ConfigOption(argc, argv);
  const bool config_given = !config_path.empty();
  if (!config_given) {
    config_path = modctl::ConfigFilePath([](const char* name) { return std::getenv(name); });
  }
  std::string config_warning;
  absl::StatusOr<modctl::FileSettings> file =
      modctl::LoadConfigFile(config_path, config_given, &config_warning);
  if (!file.ok()) {
    std::cerr << "error: " << file.status().message() << "\n";
    return modctl::kExitUsage;
  }
  if (!config_warning.empty()) {
    std::cerr << config_warning << "\n";
  }

  modctl::CommandLine command_line(*file);
  try {
    command_line.app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // Help is a success; every other parse error is a usage error.
    return command_line.app.exit(error) == 0 ? modctl::kExitOk : modctl::kExitUsage;
  }
  return command_line.Run();
}
