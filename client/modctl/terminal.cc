#include "client/modctl/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace moderation::modctl {
namespace {

constexpr std::size_t kDefaultWidth = 80;
constexpr std::size_t kPipeWidth = 160;
constexpr std::size_t kMinWidth = 40;

}  // namespace

std::string Style::Wrap(absl::string_view code, absl::string_view text) const {
  if (!color_) {
    return std::string(text);
  }
  return absl::StrCat("\x1b[", code, "m", text, "\x1b[0m");
}

bool ShouldColor(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') {
    return false;
  }
  return isatty(fd) == 1;
}

std::size_t TerminalWidth(int fd) {
  std::size_t width = 0;
  winsize size{};
  if (isatty(fd) == 1 && ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    width = size.ws_col;
  } else if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
    if (!absl::SimpleAtoi(columns, &width)) {
      width = 0;
    }
  }
  if (width == 0) {
    // Not a terminal (a pipe, a file): wide enough that little is cut.
    width = isatty(fd) == 1 ? kDefaultWidth : kPipeWidth;
  }
  return std::max(width, kMinWidth);
}

RawInput::RawInput(int fd) : fd_(fd) {
  termios current{};
  if (isatty(fd) != 1 || tcgetattr(fd, &current) != 0) {
    return;
  }
  saved_ = current;
  termios raw = current;
  raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO | ISIG));
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  tcsetattr(fd, TCSANOW, &raw);
}

RawInput::~RawInput() {
  if (saved_) {
    tcsetattr(fd_, TCSANOW, &*saved_);
  }
}

std::optional<char> RawInput::ReadKey() const {
  char key = 0;
  while (true) {
    const ssize_t got = read(fd_, &key, 1);
    if (got == 1) {
      return key;
    }
    if (got < 0 && errno == EINTR) {
      continue;
    }
    return std::nullopt;
  }
}

}  // namespace moderation::modctl
