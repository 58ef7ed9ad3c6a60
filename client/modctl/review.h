#pragma once

#include "client/modctl/commands.h"

namespace moderation::modctl {

struct ReviewOptions {
  FilterOptions filter;       // review only what matches
  bool clear_screen = false;  // redraw the whole screen for each comment
};

// The review screen: one pending comment at a time, claimed for this session
// (ClaimNext) so that no other moderator gets it, decided with one key:
//   a approve   r then 1-6 reject with a reason   s skip   b ban the author
//   (address and phone) and reject all their pending comments   u undo the
//   last decision   q quit (also Ctrl-C, Ctrl-D, end of input)
// The next comment is claimed as soon as one is decided. Keys come from
// `input_fd` (raw mode when it is a terminal). Exit 0 when the moderator
// quits, 1 when the server refuses to hand out comments at all (e.g. a
// role without moderation), 3 when it cannot be reached.
[[nodiscard]] ExitCode RunReview(const CommandContext& context, const ReviewOptions& options,
                                 int input_fd);

}  // namespace moderation::modctl
