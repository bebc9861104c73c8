// Tensor handles and native memory accounting.
#include "common.h"

#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <atomic>

namespace pw {
namespace {

std::atomic<int64_t> gLiveTensors{0};
std::atomic<int64_t> gNativeBytes{0};
int64_t gReportedBytes = 0;  // only touched on the JS thread

const napi_type_tag kTensorTag = {0x7069786577697365ULL, 0x74656e736f720001ULL};

// Wraps c10's aligned allocation with a 64-byte header holding the size, so the
// raw deleter can account the free without a side table.
constexpr size_t kHeader = 64;

void trackedFree(void* data) {
  if (data == nullptr) return;
  char* base = static_cast<char*>(data) - kHeader;
  size_t n = *reinterpret_cast<size_t*>(base);
  gNativeBytes.fetch_sub(static_cast<int64_t>(n), std::memory_order_relaxed);
  c10::free_cpu(base);
}

struct TrackingAllocator final : public c10::Allocator {
  c10::DataPtr allocate(size_t n) const override {
    char* base = static_cast<char*>(c10::alloc_cpu(n + kHeader));
    *reinterpret_cast<size_t*>(base) = n;
    gNativeBytes.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed);
    void* data = base + kHeader;
    return {data, data, &trackedFree, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &trackedFree; }
};

TrackingAllocator gAllocator;

void finalizeBox(Napi::Env, TensorBox* box) {
  if (box->alive) gLiveTensors.fetch_sub(1, std::memory_order_relaxed);
  delete box;
}

TensorBox* boxOf(const Napi::Value& v) {
  if (!v.IsExternal()) return nullptr;
  Napi::Object obj = v.As<Napi::Object>();
  if (!obj.CheckTypeTag(&kTensorTag)) return nullptr;
  return v.As<Napi::External<TensorBox>>().Data();
}

}  // namespace

void installTrackingAllocator() { c10::SetCPUAllocator(&gAllocator, /*priority=*/100); }

int64_t nativeBytes() { return gNativeBytes.load(std::memory_order_relaxed); }
int64_t liveTensors() { return gLiveTensors.load(std::memory_order_relaxed); }

void reportExternalMemory(Napi::Env env) {
  int64_t now = nativeBytes();
  int64_t delta = now - gReportedBytes;
  // Small changes are not worth a call into V8.
  if (delta > (1 << 20) || delta < -(1 << 20)) {
    Napi::MemoryManagement::AdjustExternalMemory(env, delta);
    gReportedBytes = now;
  }
}

Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor) {
  if (!tensor.defined()) return env.Null();
  auto* box = new TensorBox{std::move(tensor)};
  auto ext = Napi::External<TensorBox>::New(env, box, finalizeBox);
  ext.TypeTag(&kTensorTag);
  gLiveTensors.fetch_add(1, std::memory_order_relaxed);
  return ext;
}

bool isTensorHandle(const Napi::Value& v) { return boxOf(v) != nullptr; }

at::Tensor& unwrapTensor(const Napi::Value& v, const std::string& what) {
  TensorBox* box = boxOf(v);
  if (box == nullptr) {
    throw Napi::TypeError::New(v.Env(), what + ": expected a Tensor");
  }
  if (!box->alive) {
    throw Napi::Error::New(v.Env(), what + ": tensor was already disposed");
  }
  return box->tensor;
}

void freeHandle(const Napi::Value& v) {
  TensorBox* box = boxOf(v);
  if (box == nullptr || !box->alive) return;
  box->alive = false;
  box->tensor = at::Tensor();
  gLiveTensors.fetch_sub(1, std::memory_order_relaxed);
}

std::string dtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kShort: return "int16";
    case at::kChar: return "int8";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return c10::toString(t);
  }
}

std::string describeTensor(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::string s = dtypeName(t.scalar_type()) + "[";
  auto sizes = t.sizes();
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(sizes[i]);
  }
  s += "]";
  if (!t.device().is_cpu()) s += "@" + t.device().str();
  return s;
}

}  // namespace pw
