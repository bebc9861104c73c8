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
  return exports;
}

}  // namespace

NODE_API_MODULE(pixelwise, Init)
