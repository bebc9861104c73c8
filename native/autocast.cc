// libtorch's autocast state (thread-local in libtorch), entered and left as torch.autocast's
// __enter__/__exit__ do, so nesting, `enabled: false` and the cast cache behave the same.
// The generic dispatcher call needs nothing else: tensors carry the Autocast dispatch keys,
// and enabling autocast takes them out of the thread's excluded set.
#include "common.h"

#include <ATen/autocast_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>

namespace pw {
namespace {

bool isCuda(const Napi::CallbackInfo& info) {
  std::string device = info[0].As<Napi::String>().Utf8Value();
  if (device == "cpu") return false;
  if (device == "cuda") return true;
  throw Napi::TypeError::New(info.Env(), "autocast: device must be 'cpu' or 'cuda', got '" + device + "'");
}

bool enabledOn(bool cuda) { return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled(); }
at::ScalarType dtypeOn(bool cuda) {
  return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void setOn(bool cuda, bool enabled, at::ScalarType dtype) {
  if (cuda) {
    at::autocast::set_enabled(enabled);
    at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_cpu_enabled(enabled);
    at::autocast::set_autocast_cpu_dtype(dtype);
  }
}

Napi::Object stateObject(Napi::Env env, bool enabled, at::ScalarType dtype, bool cache) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("enabled", Napi::Boolean::New(env, enabled));
  o.Set("dtype", Napi::Number::New(env, static_cast<int>(dtype)));
  o.Set("cacheEnabled", Napi::Boolean::New(env, cache));
  return o;
}

// autocastState(device) -> { enabled, dtype (code), cacheEnabled }
Napi::Value AutocastState(const Napi::CallbackInfo& info) {
  return guarded(info, "autocast", [&]() -> Napi::Value {
    bool cuda = isCuda(info);
    return stateObject(info.Env(), enabledOn(cuda), dtypeOn(cuda), at::autocast::is_autocast_cache_enabled());
  });
}

// autocastEnter(device, enabled, dtypeCode, cacheEnabled) -> the previous state, for autocastExit.
Napi::Value AutocastEnter(const Napi::CallbackInfo& info) {
  return guarded(info, "autocast", [&]() -> Napi::Value {
    bool cuda = isCuda(info);
    Napi::Object previous = stateObject(info.Env(), enabledOn(cuda), dtypeOn(cuda), at::autocast::is_autocast_cache_enabled());
    setOn(cuda, info[1].ToBoolean(), static_cast<at::ScalarType>(info[2].As<Napi::Number>().Int32Value()));
    at::autocast::increment_nesting();
    at::autocast::set_autocast_cache_enabled(info[3].ToBoolean());
    return previous;
  });
}

// autocastExit(device, previousState): the outermost exit also drops the cast cache (the
// bfloat16 copies of float32 weights made inside the scope).
Napi::Value AutocastExit(const Napi::CallbackInfo& info) {
  return guarded(info, "autocast", [&]() -> Napi::Value {
    bool cuda = isCuda(info);
    Napi::Object previous = info[1].As<Napi::Object>();
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    setOn(cuda, previous.Get("enabled").ToBoolean(),
          static_cast<at::ScalarType>(previous.Get("dtype").As<Napi::Number>().Int32Value()));
    at::autocast::set_autocast_cache_enabled(previous.Get("cacheEnabled").ToBoolean());
    return info.Env().Undefined();
  });
}

// cudaBf16Supported(): the current GPU runs bfloat16 convolutions natively (cuDNN 8 on compute
// capability 8.0 or later); false without CUDA. What `--precision auto` asks of a GPU.
Napi::Value CudaBf16Supported(const Napi::CallbackInfo& info) {
  return guarded(info, "cudaBf16Supported", [&]() -> Napi::Value {
    const auto& hooks = at::detail::getCUDAHooks();
    bool ok = hooks.hasCUDA() && hooks.getNumGPUs() > 0 && hooks.supportsBFloat16ConvolutionWithCuDNNv8();
    return Napi::Boolean::New(info.Env(), ok);
  });
}

}  // namespace

void registerAutocastFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("autocastState", Napi::Function::New(env, AutocastState));
  exports.Set("autocastEnter", Napi::Function::New(env, AutocastEnter));
  exports.Set("autocastExit", Napi::Function::New(env, AutocastExit));
  exports.Set("cudaBf16Supported", Napi::Function::New(env, CudaBf16Supported));
}

}  // namespace pw
