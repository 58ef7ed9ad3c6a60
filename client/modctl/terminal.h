#pragma once

#include <termios.h>

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

// What modctl needs from the terminal: its width, whether to colour, and
// single keys for the review screen.
namespace moderation::modctl {

// ANSI colours, or plain text when off. Apply to text already laid out:
// the escape codes take no columns on screen but do count as characters.
class Style {
 public:
  explicit Style(bool color = false) : color_(color) {}
  [[nodiscard]] bool color() const { return color_; }
  [[nodiscard]] std::string Bold(absl::string_view text) const { return Wrap("1", text); }
  [[nodiscard]] std::string Dim(absl::string_view text) const { return Wrap("2", text); }
  [[nodiscard]] std::string Red(absl::string_view text) const { return Wrap("31", text); }
  [[nodiscard]] std::string Green(absl::string_view text) const { return Wrap("32", text); }
  [[nodiscard]] std::string Yellow(absl::string_view text) const { return Wrap("33", text); }
  [[nodiscard]] std::string Cyan(absl::string_view text) const { return Wrap("36", text); }

 private:
  [[nodiscard]] std::string Wrap(absl::string_view code, absl::string_view text) const;
  bool color_;
};

// True when `fd` is a terminal and NO_COLOR is unset or empty
// (https://no-color.org).
[[nodiscard]] bool ShouldColor(int fd);

// Columns of the terminal on `fd`; else $COLUMNS; else 80 for a terminal
// that does not say, 160 for a pipe or file. Never below 40.
[[nodiscard]] std::size_t TerminalWidth(int fd);

// Keys one at a time, without echo, and Ctrl-C as a key (so that a review
// can end cleanly); the terminal is restored on destruction. Does nothing
// to a descriptor that is not a terminal.
class RawInput {
 public:
  explicit RawInput(int fd);
  ~RawInput();
  RawInput(const RawInput&) = delete;
  RawInput& operator=(const RawInput&) = delete;

  // The next byte, or nullopt at end of input or on a read error.
  [[nodiscard]] std::optional<char> ReadKey() const;

 private:
  int fd_;
  std::optional<termios> saved_;
};

}  // namespace moderation::modctl
