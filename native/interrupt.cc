// Ctrl-C while a long synchronous libtorch call blocks the JS thread: JS 'SIGINT' listeners run
// only when the event loop turns, which can be minutes away. This handler runs in whatever
// thread the kernel picks, at once: the first SIGINT prints the notice, counts, and passes the
// signal on to the handler that was installed before (libuv's, which wakes the event loop so
// the JS listeners still run when the main thread is free: "stop after this step"); the second
// exits the process with code 130 without waiting for anything. Files are written atomically
// (temp + fsync + rename), so an exit at any point leaves the last complete checkpoint.
// Only async-signal-safe calls here: write(2), _exit(2), lock-free atomics.
#include "common.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace pw {
namespace {

struct sigaction gPrevious;
std::atomic<bool> gInstalled{false};
std::atomic<int> gCount{0};
// The first signal's message, written from the handler (no allocation there).
char gNotice[512];
size_t gNoticeLength = 0;

void writeAll(const char* text, size_t n) {
  while (n > 0) {
    ssize_t k = write(STDERR_FILENO, text, n);
    if (k <= 0) return;
    text += k;
    n -= static_cast<size_t>(k);
  }
}

void onSigint(int sig, siginfo_t* info, void* context) {
  int n = gCount.fetch_add(1) + 1;
  if (n >= 2) {
    static const char kQuit[] = "\ninterrupt: quitting now (exit code 130)\n";
    writeAll(kQuit, sizeof kQuit - 1);
    _exit(130);
  }
  writeAll(gNotice, gNoticeLength);
  if (gPrevious.sa_flags & SA_SIGINFO) {
    if (gPrevious.sa_sigaction != nullptr) gPrevious.sa_sigaction(sig, info, context);
  } else if (gPrevious.sa_handler != SIG_DFL && gPrevious.sa_handler != SIG_IGN) {
    gPrevious.sa_handler(sig);
  }
}

// installInterruptHandler(notice): install after the JS 'SIGINT' listener (so libuv's handler
// is the one passed on to). Counting restarts at zero.
Napi::Value Install(const Napi::CallbackInfo& info) {
  std::string notice = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  gNoticeLength = std::min(notice.size(), sizeof gNotice);
  std::memcpy(gNotice, notice.data(), gNoticeLength);
  gCount.store(0);
  if (gInstalled.load()) return Napi::Boolean::New(info.Env(), true);
  struct sigaction current;
  if (sigaction(SIGINT, nullptr, &current) != 0) return Napi::Boolean::New(info.Env(), false);
  struct sigaction ours;
  std::memset(&ours, 0, sizeof ours);
  ours.sa_sigaction = onSigint;
  ours.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&ours.sa_mask);
  gPrevious = current;
  if (sigaction(SIGINT, &ours, nullptr) != 0) return Napi::Boolean::New(info.Env(), false);
  gInstalled.store(true);
  return Napi::Boolean::New(info.Env(), true);
}

// uninstallInterruptHandler(): puts the previous handler back (before the JS listener goes,
// so libuv restores the default when its last listener is removed).
Napi::Value Uninstall(const Napi::CallbackInfo& info) {
  if (gInstalled.load()) {
    sigaction(SIGINT, &gPrevious, nullptr);
    gInstalled.store(false);
  }
  return info.Env().Undefined();
}

// interruptCount(): SIGINTs since the handler was installed (a synchronous loop can poll it).
Napi::Value Count(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), gCount.load());
}

}  // namespace

void registerInterruptFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("installInterruptHandler", Napi::Function::New(env, Install));
  exports.Set("uninstallInterruptHandler", Napi::Function::New(env, Uninstall));
  exports.Set("interruptCount", Napi::Function::New(env, Count));
}

}  // namespace pw
