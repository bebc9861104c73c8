// What the CPU can do for mixed precision, read from cpuid, and what libtorch and oneDNN make
// of it: `--precision auto` picks bfloat16 only where it runs natively (AMX or AVX512-BF16);
// elsewhere bfloat16 is emulated with float32 instructions and slower than float32.
#include "common.h"

#include <ATen/Version.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define PW_X86 1
#endif
#include <dlfcn.h>

#include <cstring>
#include <sstream>

namespace pw {
namespace {

struct Regs {
  unsigned a = 0, b = 0, c = 0, d = 0;
};

#ifdef PW_X86
Regs cpuid(unsigned leaf, unsigned sub = 0) {
  Regs r;
  __cpuid_count(leaf, sub, r.a, r.b, r.c, r.d);
  return r;
}
unsigned maxLeaf(unsigned base) { return __get_cpuid_max(base, nullptr); }
#else
// Not an x86 CPU: no x86 features to report.
Regs cpuid(unsigned, unsigned = 0) { return Regs(); }
unsigned maxLeaf(unsigned) { return 0; }
#endif

bool bit(unsigned reg, int n) { return (reg >> n) & 1u; }

// The register state the OS saves on context switches (XCR0): without it the instructions
// exist but cannot be used.
uint64_t xcr0() {
#ifdef PW_X86
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t(hi) << 32) | lo;
#else
  return 0;
#endif
}

std::string brand() {
  unsigned maxExt = maxLeaf(0x80000000);
  if (maxExt < 0x80000004) return "";
  char text[49] = {0};
  for (unsigned i = 0; i < 3; ++i) {
    Regs r = cpuid(0x80000002 + i);
    std::memcpy(text + 16 * i, &r, 16);
  }
  std::string s(text);
  size_t start = s.find_first_not_of(' ');
  return start == std::string::npos ? "" : s.substr(start);
}

// "CPU capability usage: AVX2" from libtorch's build summary (the kernels ATen dispatches to).
std::string atenCapability() {
  std::istringstream lines(at::show_config());
  std::string line;
  const std::string key = "CPU capability usage: ";
  while (std::getline(lines, line)) {
    size_t at = line.find(key);
    if (at != std::string::npos) return line.substr(at + key.size());
  }
  return "";
}

// oneDNN (which runs libtorch's convolutions) reports the instruction set it will use. It is
// looked up at run time: a libtorch that links oneDNN statically does not export it.
struct DnnlVersion {
  int major, minor, patch;
  const char* hash;
  unsigned cpuRuntime, gpuRuntime;
};

std::string onednnIsa(std::string* version) {
  using IsaFn = int (*)();
  using VersionFn = const DnnlVersion* (*)();
  auto isa = reinterpret_cast<IsaFn>(dlsym(RTLD_DEFAULT, "dnnl_get_effective_cpu_isa"));
  auto ver = reinterpret_cast<VersionFn>(dlsym(RTLD_DEFAULT, "dnnl_version"));
  if (isa == nullptr || ver == nullptr) return "";
  const DnnlVersion* v = ver();
  *version = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  int code = isa();
  // dnnl_cpu_isa_t of oneDNN 2.x (its values changed in 3.0, which libtorch 1.13 does not use).
  if (v->major == 2) {
    switch (code) {
      case 0x1: return "sse41";
      case 0x3: return "avx";
      case 0x7: return "avx2";
      case 0x27: return "avx512_core";
      case 0x67: return "avx512_core_vnni";
      case 0xe7: return "avx512_core_bf16";
      case 0x3e7: return "avx512_core_amx";
      case 0x407: return "avx2_vnni";
      default: break;
    }
  }
  std::ostringstream hex;
  hex << "0x" << std::hex << code;
  return hex.str();
}

Napi::Value CpuCapabilities(const Napi::CallbackInfo& info) {
  return guarded(info, "cpuCapabilities", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    unsigned top = maxLeaf(0);
    Regs l0 = cpuid(0);
    char vendor[13] = {0};
    std::memcpy(vendor, &l0.b, 4);
    std::memcpy(vendor + 4, &l0.d, 4);
    std::memcpy(vendor + 8, &l0.c, 4);
    Regs l1 = top >= 1 ? cpuid(1) : Regs();
    Regs l7 = top >= 7 ? cpuid(7, 0) : Regs();
    Regs l71 = top >= 7 && l7.a >= 1 ? cpuid(7, 1) : Regs();
    bool osxsave = bit(l1.c, 27);
    uint64_t xcr = osxsave ? xcr0() : 0;
    bool osAvx = (xcr & 0x6) == 0x6;
    bool osAvx512 = osAvx && (xcr & 0xE0) == 0xE0;
    // Linux enables AMX state per process on request (oneDNN asks); XCR0 says the kernel can.
    bool osAmx = (xcr & (uint64_t(3) << 17)) == (uint64_t(3) << 17);

    o.Set("vendor", Napi::String::New(env, vendor));
    o.Set("model", Napi::String::New(env, brand()));
    Napi::Object f = Napi::Object::New(env);
    auto set = [&](const char* name, bool has) { f.Set(name, Napi::Boolean::New(env, has)); };
    set("avx", bit(l1.c, 28) && osAvx);
    set("fma", bit(l1.c, 12) && osAvx);
    set("f16c", bit(l1.c, 29) && osAvx);
    set("avx2", bit(l7.b, 5) && osAvx);
    set("avx512f", bit(l7.b, 16) && osAvx512);
    set("avx512bw", bit(l7.b, 30) && osAvx512);
    set("avx512vl", bit(l7.b, 31) && osAvx512);
    set("avx512_vnni", bit(l7.c, 11) && osAvx512);
    set("avx512_bf16", bit(l71.a, 5) && osAvx512);
    set("avx512_fp16", bit(l7.d, 23) && osAvx512);
    set("avx_vnni", bit(l71.a, 4) && osAvx);
    set("amx_tile", bit(l7.d, 24) && osAmx);
    set("amx_bf16", bit(l7.d, 22) && osAmx);
    set("amx_int8", bit(l7.d, 25) && osAmx);
    set("amx_fp16", bit(l71.a, 21) && osAmx);
    o.Set("features", f);
    o.Set("atenCapability", Napi::String::New(env, atenCapability()));
    std::string dnnlVersion;
    std::string isa = onednnIsa(&dnnlVersion);
    o.Set("onednnIsa", isa.empty() ? env.Null() : Napi::String::New(env, isa));
    o.Set("onednnVersion", dnnlVersion.empty() ? env.Null() : Napi::String::New(env, dnnlVersion));
    o.Set("mkldnn", Napi::Boolean::New(env, at::hasMKLDNN()));
    return o;
  });
}

}  // namespace

void registerCpuFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("cpuCapabilities", Napi::Function::New(env, CpuCapabilities));
}

}  // namespace pw
