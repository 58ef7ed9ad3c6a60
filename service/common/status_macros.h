#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Propagate an error status to the caller.
#define MODERATION_CONCAT_INNER(a, b) a##b
#define MODERATION_CONCAT(a, b) MODERATION_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                           \
  do {                                                  \
    if (absl::Status _status = (expr); !_status.ok()) { \
      return _status;                                   \
    }                                                   \
  } while (false)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(MODERATION_CONCAT(_status_or_, __LINE__), lhs, expr)

// `tmp` is a name and `lhs` may be a declaration: neither can be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) {                            \
    return std::move(tmp).status();           \
  }                                           \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
