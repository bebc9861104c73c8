// Shared pieces of the addon: tensor handles, error translation, memory accounting.
#pragma once
#define NAPI_VERSION 8
#include <napi.h>
#include <ATen/ATen.h>

#include <cstdint>
#include <string>

namespace pw {

// Tensor handles (handles.cc): a JS External naming a slot that owns one at::Tensor until
// dispose() (freeHandle) or the JS side's FinalizationRegistry releases it.
// wrapTensor returns null for an undefined tensor.
Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor);
// Throws a JS TypeError naming `what` when v is not a live tensor handle.
at::Tensor& unwrapTensor(const Napi::Value& v, const std::string& what);
bool isTensorHandle(const Napi::Value& v);
void freeHandle(const Napi::Value& v);
int64_t liveTensors();
// Slots ever made in this thread's table: the most tensors that were alive at once.
int64_t handleSlots();

// The same without node-addon-api wrappers or message strings, for the per-operator path;
// the caller fetches this thread's table once per call.
struct HandleTable;
HandleTable& handleTable();
enum class HandleState { Live, Disposed, NotAHandle };
HandleState lookupHandle(HandleTable& table, napi_env env, napi_value v, at::Tensor** out);
napi_value newHandle(HandleTable& table, napi_env env, at::Tensor&& tensor);
bool releaseHandle(HandleTable& table, napi_env env, napi_value v);
// Frees every tensor of this thread's table (when its Node environment shuts down).
void freeAllHandles();

// Bytes currently held by libtorch's CPU allocator (our tracking allocator).
int64_t nativeBytes();
void installTrackingAllocator();
// Tells V8 how much native memory changed since the last report, so GC pressure
// reflects tensors and not only their tiny JS wrappers.
void reportExternalMemory(Napi::Env env);

std::string describeTensor(const at::Tensor& t);
std::string dtypeName(at::ScalarType t);

// Runs fn, turning C++/libtorch exceptions into JS errors (never aborting the process).
template <typename Fn>
Napi::Value guarded(const Napi::CallbackInfo& info, const char* where, Fn&& fn) {
  Napi::Env env = info.Env();
  try {
    Napi::Value result = fn();
    reportExternalMemory(env);
    return result;
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, std::string(where) + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string(where) + ": " + e.what());
  }
}

void registerTensorFunctions(Napi::Env env, Napi::Object exports);
void registerDispatchFunctions(Napi::Env env, Napi::Object exports);
void registerAutogradFunctions(Napi::Env env, Napi::Object exports);
void registerAutocastFunctions(Napi::Env env, Napi::Object exports);
void registerCpuFunctions(Napi::Env env, Napi::Object exports);
void registerInterruptFunctions(Napi::Env env, Napi::Object exports);

}  // namespace pw
