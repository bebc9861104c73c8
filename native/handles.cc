// Tensor handles: a JS handle is an External naming a slot in a per-thread table of
// at::Tensor slots. Nothing about a handle needs the garbage collector.
//
// Why no N-API finalizer per handle: Node 20 runs the finalizers of externals from the event
// loop, not from the garbage collector, so a synchronous loop (no await between steps) piled
// up every handle it ever made - a few hundred bytes each, 44 per Adam step of a small conv
// net, 12 KB/step measured - until the loop yielded. A handle here owns nothing the GC must
// release: dispose() (freeHandle) empties the slot for reuse, and the JS side registers only
// the tensors that no tidy() scope owns with a FinalizationRegistry (src/torch/tensor.ts), so
// forgotten tensors are still freed.
//
// Why one External per slot, made once and reused: creating an External costs Node 20 a
// weak global handle and a heap wrapper (for type tags), about as much as a small kernel
// (bench/breakdown.ts). A slot's External lives as long as the table (one strong reference
// per slot: as many as the most tensors ever alive at once). The External's value is a token
// with a magic byte in bits 56-63, which no user-space pointer has, so an External made by
// other code is never mistaken for a handle. The cost of reuse: a raw handle kept after its
// tensor was freed names whatever tensor reuses the slot. Tensor objects never do that (a
// disposed Tensor drops its handle); only code holding raw handles from `native` could.
#include "common.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace pw {
namespace {

constexpr uint64_t kMagic = uint64_t(0xA7) << 56;
constexpr uint64_t kMagicMask = uint64_t(0xFF) << 56;
constexpr uint32_t kChunkBits = 12;
constexpr uint32_t kChunk = 1u << kChunkBits;
constexpr uint32_t kNoSlot = 0xFFFFFFFF;

struct Slot {
  at::Tensor tensor;
  bool live = false;
  uint32_t nextFree = kNoSlot;
  napi_ref handle = nullptr;  // this slot's External, made on first use
};

}  // namespace

// Slots live in fixed chunks so a reference returned by unwrapTensor stays valid while
// more handles are made (a growing vector would move them).
struct HandleTable {
  std::vector<std::unique_ptr<Slot[]>> chunks;
  uint32_t size = 0;
  uint32_t freeHead = kNoSlot;
  int64_t live = 0;

  Slot& at(uint32_t i) { return chunks[i >> kChunkBits][i & (kChunk - 1)]; }
};

namespace {

// One table per JS thread (the addon may be loaded by worker threads too); freed when that
// thread's Node environment is torn down.
thread_local HandleTable* tTable = nullptr;

// The slot a handle names, or why there is none.
HandleState decode(HandleTable& t, napi_env env, napi_value v, uint32_t* index) {
  void* p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok) return HandleState::NotAHandle;
  uint64_t token = reinterpret_cast<uint64_t>(p);
  if ((token & kMagicMask) != kMagic) return HandleState::NotAHandle;
  *index = static_cast<uint32_t>(token);
  if (*index >= t.size) return HandleState::NotAHandle;
  return t.at(*index).live ? HandleState::Live : HandleState::Disposed;
}

}  // namespace

HandleTable& handleTable() {
  if (tTable == nullptr) tTable = new HandleTable();
  return *tTable;
}

HandleState lookupHandle(HandleTable& t, napi_env env, napi_value v, at::Tensor** out) {
  uint32_t index;
  HandleState state = decode(t, env, v, &index);
  if (state == HandleState::Live) *out = &t.at(index).tensor;
  return state;
}

napi_value newHandle(HandleTable& t, napi_env env, at::Tensor&& tensor) {
  uint32_t index;
  if (t.freeHead != kNoSlot) {
    index = t.freeHead;
  } else {
    if ((t.size & (kChunk - 1)) == 0) t.chunks.emplace_back(new Slot[kChunk]);
    index = t.size;
  }
  Slot& s = t.at(index);
  napi_value handle;
  if (s.handle != nullptr) {
    if (napi_get_reference_value(env, s.handle, &handle) != napi_ok) throw Napi::Error::New(env, "could not reuse a tensor handle");
  } else if (napi_create_external(env, reinterpret_cast<void*>(kMagic | index), nullptr, nullptr, &handle) != napi_ok ||
             napi_create_reference(env, handle, 1, &s.handle) != napi_ok) {
    throw Napi::Error::New(env, "could not create a tensor handle");
  }
  if (index == t.freeHead) t.freeHead = s.nextFree;
  else ++t.size;
  s.tensor = std::move(tensor);
  s.live = true;
  ++t.live;
  return handle;
}

bool releaseHandle(HandleTable& t, napi_env env, napi_value v) {
  uint32_t index;
  if (decode(t, env, v, &index) != HandleState::Live) return false;
  Slot& s = t.at(index);
  s.live = false;
  // Moved out before the slot is reused: releasing a tensor can run long destructors
  // (an autograd graph), which must not see a half-updated table.
  at::Tensor dying = std::move(s.tensor);
  s.nextFree = t.freeHead;
  t.freeHead = index;
  --t.live;
  return true;
}

void freeAllHandles() {
  // The environment is going away with its references; only the tensors are freed here.
  delete tTable;
  tTable = nullptr;
}

Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor) {
  if (!tensor.defined()) return env.Null();
  return Napi::Value(env, newHandle(handleTable(), env, std::move(tensor)));
}

bool isTensorHandle(const Napi::Value& v) {
  at::Tensor* t = nullptr;
  return lookupHandle(handleTable(), v.Env(), v, &t) == HandleState::Live;
}

at::Tensor& unwrapTensor(const Napi::Value& v, const std::string& what) {
  at::Tensor* t = nullptr;
  switch (lookupHandle(handleTable(), v.Env(), v, &t)) {
    case HandleState::Live:
      return *t;
    case HandleState::Disposed:
      throw Napi::Error::New(v.Env(), what + ": tensor was already disposed");
    default:
      throw Napi::TypeError::New(v.Env(), what + ": expected a Tensor");
  }
}

void freeHandle(const Napi::Value& v) { releaseHandle(handleTable(), v.Env(), v); }

int64_t liveTensors() { return tTable == nullptr ? 0 : tTable->live; }
int64_t handleSlots() { return tTable == nullptr ? 0 : tTable->size; }

}  // namespace pw
