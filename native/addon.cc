// Entry point of the pixelwise native addon: a thin layer over libtorch.
#include "common.h"
#include "distributed.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  pw::installTrackingAllocator();
  pw::registerTensorFunctions(env, exports);
  pw::registerDispatchFunctions(env, exports);
  pw::registerAutogradFunctions(env, exports);
  pw::registerDistributedFunctions(env, exports);
  pw::registerAutocastFunctions(env, exports);
  pw::registerCpuFunctions(env, exports);
  pw::registerInterruptFunctions(env, exports);
  // Tensors still alive when this thread's environment shuts down (a worker thread that
  // exits, or the main thread at exit) are freed with it.
  napi_add_env_cleanup_hook(env, [](void*) { pw::freeAllHandles(); }, nullptr);
  return exports;
}

}  // namespace

NODE_API_MODULE(pixelwise, Init)
