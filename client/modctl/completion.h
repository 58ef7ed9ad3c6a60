#pragma once

#include <string>

namespace moderation::modctl {

// A bash completion script for modctl: commands, their options, rejection
// reasons and output formats. Install with
//   modctl completion bash > ~/.local/share/bash-completion/completions/modctl
[[nodiscard]] std::string BashCompletion();

}  // namespace moderation::modctl
