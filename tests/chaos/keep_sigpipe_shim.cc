// LD_PRELOAD shim for the outage stress harness (CHAOS_STRESS_SERVER_PRELOAD):
// refuses the server's request to ignore SIGPIPE, so that the harness can show
// what a server that does not ignore it does when Redis dies under load.
#include <dlfcn.h>
#include <signal.h>

extern "C" sighandler_t signal(int signal_number, sighandler_t handler) {
  using SignalFunction = sighandler_t (*)(int, sighandler_t);
  static auto real = reinterpret_cast<SignalFunction>(dlsym(RTLD_NEXT, "signal"));
  if (signal_number == SIGPIPE && handler == SIG_IGN) {
    return SIG_DFL;
  }
  return real(signal_number, handler);
}
