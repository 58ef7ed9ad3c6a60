#include "client/modctl/completion.h"

#include "absl/strings/str_join.h"
#include "client/modctl/enum_names.h"

namespace moderation::modctl {

std::string BashCompletion() {
  const std::string reasons = absl::StrJoin(RejectionReasonNames(), " ");
  // Options every command takes, then each command's own.
  return R"bash(# bash completion for modctl
_modctl() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur="${COMP_WORDS[COMP_CWORD]}"; prev="${COMP_WORDS[COMP_CWORD-1]}"
    words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
  }
  local commands="queue list show review approve reject undo ban unban bans audit stats health completion"
  local global="--server --token --tls --tls-ca --tls-cert --tls-key --tls-server-name --as --output --timeout --config --help"
  local filter="--article --rule --min-score --older-than --newer-than --from-phone --from-ip --flagged"
  case "$prev" in
    --output) COMPREPLY=($(compgen -W "table json" -- "$cur")); return ;;
    --reason|--reject-reason) COMPREPLY=($(compgen -W ")bash" +
         reasons + R"bash(" -- "$cur")); return ;;
    --tls-ca|--tls-cert|--tls-key|--config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    completion) COMPREPLY=($(compgen -W "bash" -- "$cur")); return ;;
  esac
  local command="" i
  for ((i = 1; i < cword; i++)); do
    case " $commands " in *" ${words[i]} "*) command="${words[i]}"; break ;; esac
  done
  if [[ -z "$command" ]]; then
    COMPREPLY=($(compgen -W "$commands $global" -- "$cur")); return
  fi
  local own=""
  case "$command" in
    queue|list) own="$filter --page-size --page-token --all" ;;
    review) own="$filter" ;;
    approve) own="$filter --note --yes" ;;
    reject) own="$filter --reason --note --yes" ;;
    ban) own="--ip --prefix --phone --comment --reason --hours --reject-pending --reject-reason" ;;
    audit) own="--moderator --comment --since --until --limit --verify" ;;
    stats) own="--period" ;;
    health) own="--service" ;;
  esac
  COMPREPLY=($(compgen -W "$own $global" -- "$cur"))
}
complete -F _modctl modctl
)bash";
}

}  // namespace moderation::modctl
