#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace moderation {

// Checks a TOML document before it reaches the TOML parser: well-formed UTF-8,
// and characters beyond ASCII only inside strings and comments, where TOML
// allows them (its bare keys and syntax are ASCII). The parser we use reaches
// undefined behaviour on some non-ASCII characters in other places, so such
// text is refused here, with its line, as the invalid TOML it is.
// INVALID_ARGUMENT naming `source` and the line.
[[nodiscard]] absl::Status CheckTomlText(absl::string_view text, absl::string_view source);

// `text` with every character beyond ASCII replaced by "x": the same lines
// and structure. Parse this first: the parser then meets non-ASCII text only
// in documents it has already found well-formed, where such text can only be
// inside strings and comments (given CheckTomlText), away from its faulty
// paths.
[[nodiscard]] std::string AsciiSkeleton(absl::string_view text);

}  // namespace moderation
