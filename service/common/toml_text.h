#pragma once

// Header-only, without exceptions: errors come back as values. Every file of
// ours that reads TOML includes toml++ through this header, so all agree.
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

// The one way our TOML files are read (the server's configuration, the spam
// rules, modctl's configuration): CheckTomlText, then the structure from the
// AsciiSkeleton, then the text itself. INVALID_ARGUMENT as
// "<source>:<line>: <what is wrong>".
[[nodiscard]] absl::StatusOr<toml::table> ParseTomlText(absl::string_view text,
                                                        absl::string_view source);

}  // namespace moderation
