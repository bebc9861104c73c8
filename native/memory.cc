// Native memory accounting: the tracking CPU allocator and what V8 is told about it.
#include "common.h"

#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pw {
namespace {

std::atomic<int64_t> gNativeBytes{0};
int64_t gReportedBytes = 0;  // only touched on the JS thread

// Wraps c10's aligned allocation with a 64-byte header holding the size, so the
// raw deleter can account the free without a side table.
constexpr size_t kHeader = 64;

// Opt-in (PIXELWISE_CPU_CACHE=1): freed blocks of 32 MiB or more wait here for an allocation of
// exactly their size. glibc always mmaps blocks that large (its threshold stops adapting at
// 32 MiB) and unmaps them on free, so every step of a training or inference loop gets them
// fresh from the kernel: a page fault and zeroing per 4 KiB, a good part of a step on small
// VMs (bench/: FCN-8s training 1.15x, U-Net 1.04x faster). Smaller blocks are left to glibc,
// whose heap already reuses them. Bound: live + cached bytes never exceed the peak of live
// bytes so far, oldest blocks released first; but memory libtorch takes outside this allocator
// (e.g. oneDNN weight reorders) can peak on top of cached blocks, so peak RSS grew 3-9% in
// bench/, which is why it is off by default.
class BlockCache {
 public:
  static constexpr size_t kMinBytes = size_t(32) << 20;

  // A cached block of exactly n bytes (header included), or nullptr.
  char* take(size_t n) {
    if (!enabled_ || n < kMinBytes) return nullptr;
    std::vector<char*> evicted;
    char* hit = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = bySize_.find(n);
      if (it != bySize_.end()) {
        hit = it->second->second;
        fifo_.erase(it->second);
        bySize_.erase(it);
        cached_ -= n;
      } else {
        // n new bytes: release the oldest blocks the bound no longer leaves room for.
        size_t live = liveBytes() + n;
        peak_ = std::max(peak_, live);
        while (!fifo_.empty() && live + cached_ > peak_) {
          auto oldest = fifo_.begin();
          evicted.push_back(oldest->second);
          cached_ -= oldest->first;
          eraseIndex(oldest);
          fifo_.pop_front();
        }
      }
    }
    for (char* base : evicted) c10::free_cpu(base);
    return hit;
  }

  // Keeps a freed block of n bytes; false when the caller must free it.
  bool put(char* base, size_t n) {
    if (!enabled_ || n < kMinBytes) return false;
    std::lock_guard<std::mutex> lock(mu_);
    if (liveBytes() + cached_ + n > peak_) return false;
    fifo_.emplace_back(n, base);
    bySize_.emplace(n, std::prev(fifo_.end()));
    cached_ += n;
    return true;
  }

 private:
  using Fifo = std::list<std::pair<size_t, char*>>;  // (bytes, block), oldest first

  static size_t liveBytes() {
    return static_cast<size_t>(std::max<int64_t>(gNativeBytes.load(std::memory_order_relaxed), 0));
  }

  void eraseIndex(Fifo::iterator pos) {
    auto [first, last] = bySize_.equal_range(pos->first);
    for (auto it = first; it != last; ++it) {
      if (it->second == pos) {
        bySize_.erase(it);
        return;
      }
    }
  }

  const bool enabled_ = [] {
    const char* v = std::getenv("PIXELWISE_CPU_CACHE");
    return v != nullptr && std::string(v) == "1";
  }();
  std::mutex mu_;
  Fifo fifo_;
  std::unordered_multimap<size_t, Fifo::iterator> bySize_;
  size_t cached_ = 0;
  size_t peak_ = 0;
};

BlockCache gCache;

void trackedFree(void* data) {
  if (data == nullptr) return;
  char* base = static_cast<char*>(data) - kHeader;
  size_t n = *reinterpret_cast<size_t*>(base);
  gNativeBytes.fetch_sub(static_cast<int64_t>(n), std::memory_order_relaxed);
  if (!gCache.put(base, n + kHeader)) c10::free_cpu(base);
}

struct TrackingAllocator final : public c10::Allocator {
  c10::DataPtr allocate(size_t n) const override {
    char* base = gCache.take(n + kHeader);
    if (base == nullptr) base = static_cast<char*>(c10::alloc_cpu(n + kHeader));
    *reinterpret_cast<size_t*>(base) = n;
    gNativeBytes.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed);
    void* data = base + kHeader;
    return {data, data, &trackedFree, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &trackedFree; }
};

TrackingAllocator gAllocator;

}  // namespace

void installTrackingAllocator() {
  c10::SetCPUAllocator(&gAllocator, /*priority=*/100);
  // glibc's defaults mmap blocks from 128 KiB up (raising that threshold only as blocks are
  // freed) and return heap tops over 128 KiB to the kernel, so a training loop keeps getting
  // fresh pages: a fault and a zeroed 4 KiB page each (~12k per step of a small U-Net). Blocks
  // under 32 MiB stay in the heap for reuse instead (~15% faster steps; peak RSS unchanged, since
  // a freed block is reused before the heap grows). PIXELWISE_MALLOC_TUNING=0 keeps the defaults.
  const char* tuning = std::getenv("PIXELWISE_MALLOC_TUNING");
  if (tuning == nullptr || std::string(tuning) != "0") {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
  }
}

int64_t nativeBytes() { return gNativeBytes.load(std::memory_order_relaxed); }

void reportExternalMemory(Napi::Env env) {
  // V8 starts a full collection whenever external memory has grown by 64 MiB since the last
  // one. Reporting every rise and fall made each training step (hundreds of MiB of activations,
  // freed by tidy/dispose, not by the GC) trigger 1-14 useless mark-compacts. Reporting only the
  // high-water mark lets V8 collect when memory passes its previous peak, which is when handles
  // left to the garbage collector can be what holds it.
  int64_t now = nativeBytes();
  int64_t delta = now - gReportedBytes;
  // Small changes are not worth a call into V8.
  if (delta > (1 << 20)) {
    Napi::MemoryManagement::AdjustExternalMemory(env, delta);
    gReportedBytes = now;
  }
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

// Never throws: error messages are built with it inside catch blocks, where a second
// exception would escape to N-API and abort the process.
std::string describeTensor(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  if (t.is_nested()) return dtypeName(t.scalar_type()) + "[nested]";
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
