// Tensor data in and out, metadata, and process-wide runtime settings.
#include "common.h"

#include <ATen/Parallel.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstring>

namespace pw {
namespace {

std::vector<int64_t> toShape(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), what + ": shape must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> shape(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value d = a.Get(i);
    if (!d.IsNumber()) throw Napi::TypeError::New(v.Env(), what + ": shape must be an array of integers");
    double x = d.As<Napi::Number>().DoubleValue();
    // Range checked before the cast: NaN, infinities and huge values would make it undefined.
    if (!(x >= 0 && x < 9223372036854775808.0 && x == std::trunc(x))) {
      throw Napi::RangeError::New(v.Env(), what + ": invalid dimension " + std::to_string(x) + " in shape");
    }
    shape[i] = static_cast<int64_t>(x);
  }
  return shape;
}

at::ScalarType toDtype(const Napi::Value& v) {
  return static_cast<at::ScalarType>(v.As<Napi::Number>().Int32Value());
}

Napi::Array fromInts(Napi::Env env, at::IntArrayRef xs) {
  Napi::Array a = Napi::Array::New(env, xs.size());
  for (size_t i = 0; i < xs.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(xs[i])));
  return a;
}

// fromData(typedArray, shape, dtypeCode, device): copies the bytes into a new tensor.
Napi::Value FromData(const Napi::CallbackInfo& info) {
  return guarded(info, "fromData", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "fromData: expected a typed array");
    Napi::TypedArray arr = info[0].As<Napi::TypedArray>();
    std::vector<int64_t> shape = toShape(info[1], "fromData");
    at::ScalarType dtype = toDtype(info[2]);
    int64_t numel = 1;
    for (int64_t d : shape) numel *= d;
    size_t expected = static_cast<size_t>(numel) * c10::elementSize(dtype);
    if (arr.ByteLength() != expected) {
      throw Napi::RangeError::New(env, "fromData: shape [" + c10::Join(",", shape) + "] of " + dtypeName(dtype) +
                                           " needs " + std::to_string(expected) + " bytes, got " +
                                           std::to_string(arr.ByteLength()));
    }
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    if (expected > 0) {
      const uint8_t* src = static_cast<const uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
      std::memcpy(t.data_ptr(), src, expected);
    }
    std::string device = info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "cpu";
    if (device != "cpu") t = t.to(at::Device(device));
    return wrapTensor(env, std::move(t));
  });
}

// toData(handle): a fresh ArrayBuffer holding the tensor's elements in row-major order.
Napi::Value ToData(const Napi::CallbackInfo& info) {
  return guarded(info, "toData", [&]() -> Napi::Value {
    at::Tensor t = unwrapTensor(info[0], "toData").detach().to(at::kCPU).contiguous();
    size_t n = t.nbytes();
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(info.Env(), n);
    if (n > 0) std::memcpy(buf.Data(), t.data_ptr(), n);
    return buf;
  });
}

// Metadata that libtorch refuses for some layouts (strides of a sparse tensor, sizes of a
// nested one) throws c10::Error: guarded turns it into a JS error instead of an abort.
Napi::Value Shape(const Napi::CallbackInfo& info) {
  return guarded(info, "shape", [&]() { return fromInts(info.Env(), unwrapTensor(info[0], "shape").sizes()); });
}
Napi::Value Strides(const Napi::CallbackInfo& info) {
  return guarded(info, "strides", [&]() { return fromInts(info.Env(), unwrapTensor(info[0], "strides").strides()); });
}
Napi::Value Dtype(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<int>(unwrapTensor(info[0], "dtype").scalar_type()));
}
Napi::Value DeviceOf(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), unwrapTensor(info[0], "device").device().str());
}
Napi::Value Numel(const Napi::CallbackInfo& info) {
  return guarded(info, "numel", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(unwrapTensor(info[0], "numel").numel()));
  });
}
Napi::Value Describe(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), describeTensor(unwrapTensor(info[0], "describe")));
}
Napi::Value IsContiguous(const Napi::CallbackInfo& info) {
  return guarded(info, "isContiguous", [&]() -> Napi::Value {
    at::Tensor& t = unwrapTensor(info[0], "isContiguous");
    bool channelsLast = info.Length() > 1 && info[1].ToBoolean();
    return Napi::Boolean::New(info.Env(), t.is_contiguous(channelsLast ? at::MemoryFormat::ChannelsLast
                                                                        : at::MemoryFormat::Contiguous));
  });
}
// Two handles to one tensor implementation (e.g. the result of an in-place op).
Napi::Value SameTensor(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrapTensor(info[0], "sameTensor").is_same(unwrapTensor(info[1], "sameTensor")));
}

Napi::Value Item(const Napi::CallbackInfo& info) {
  return guarded(info, "item", [&]() -> Napi::Value {
    at::Tensor& t = unwrapTensor(info[0], "item");
    if (t.numel() != 1) {
      throw Napi::RangeError::New(info.Env(), "item: tensor " + describeTensor(t) + " has " + std::to_string(t.numel()) +
                                                  " elements, expected exactly 1");
    }
    c10::Scalar s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
    return Napi::Number::New(info.Env(), s.toDouble());
  });
}

// free(handle): called once per disposed tensor, so without node-addon-api's wrapper.
napi_value Free(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 1;
  napi_value handle;
  napi_get_cb_info(env, cbinfo, &argc, &handle, nullptr, nullptr);
  if (argc >= 1) releaseHandle(handleTable(), env, handle);
  return nullptr;
}

Napi::Value IsHandle(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), isTensorHandle(info[0]));
}

Napi::Value Memory(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("liveTensors", Napi::Number::New(info.Env(), static_cast<double>(liveTensors())));
  o.Set("nativeBytes", Napi::Number::New(info.Env(), static_cast<double>(nativeBytes())));
  o.Set("handleSlots", Napi::Number::New(info.Env(), static_cast<double>(handleSlots())));
  return o;
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return guarded(info, "setNumThreads", [&]() -> Napi::Value {
    int n = info[0].As<Napi::Number>().Int32Value();
    if (n < 1) throw Napi::RangeError::New(info.Env(), "setNumThreads: expected n >= 1, got " + std::to_string(n));
    at::set_num_threads(n);
    return info.Env().Undefined();
  });
}
Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  return guarded(info, "manualSeed", [&]() -> Napi::Value {
    uint64_t seed = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
    at::manual_seed(seed);
    return info.Env().Undefined();
  });
}

// The CPU generator's full state, so a resumed run draws the same random numbers.
Napi::Value GetRngState(const Napi::CallbackInfo& info) {
  return guarded(info, "getRngState", [&]() -> Napi::Value {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    at::Tensor state = gen.get_state();
    Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::Copy(info.Env(), state.data_ptr<uint8_t>(), state.numel());
    return out;
  });
}
Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  return guarded(info, "setRngState", [&]() -> Napi::Value {
    if (!info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "setRngState: expected a Uint8Array");
    Napi::Uint8Array arr = info[0].As<Napi::Uint8Array>();
    at::Tensor state = at::empty({static_cast<int64_t>(arr.ElementLength())}, at::kByte);
    std::memcpy(state.data_ptr(), arr.Data(), arr.ElementLength());
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
    return info.Env().Undefined();
  });
}

Napi::Value CudaAvailable(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::hasCUDA());
}

Napi::Value DtypeCodes(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  for (at::ScalarType t : {at::kFloat, at::kDouble, at::kHalf, at::kBFloat16, at::kLong, at::kInt, at::kShort, at::kChar,
                           at::kByte, at::kBool}) {
    o.Set(dtypeName(t), Napi::Number::New(env, static_cast<int>(t)));
  }
  return o;
}

}  // namespace

void registerTensorFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("fromData", Napi::Function::New(env, FromData));
  exports.Set("toData", Napi::Function::New(env, ToData));
  exports.Set("shape", Napi::Function::New(env, Shape));
  exports.Set("strides", Napi::Function::New(env, Strides));
  exports.Set("dtype", Napi::Function::New(env, Dtype));
  exports.Set("device", Napi::Function::New(env, DeviceOf));
  exports.Set("numel", Napi::Function::New(env, Numel));
  exports.Set("describe", Napi::Function::New(env, Describe));
  exports.Set("isContiguous", Napi::Function::New(env, IsContiguous));
  exports.Set("sameTensor", Napi::Function::New(env, SameTensor));
  exports.Set("item", Napi::Function::New(env, Item));
  napi_value free;
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_function(env, "free", NAPI_AUTO_LENGTH, Free, nullptr, &free));
  exports.Set("free", Napi::Value(env, free));
  exports.Set("isHandle", Napi::Function::New(env, IsHandle));
  exports.Set("memory", Napi::Function::New(env, Memory));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("manualSeed", Napi::Function::New(env, ManualSeed));
  exports.Set("getRngState", Napi::Function::New(env, GetRngState));
  exports.Set("setRngState", Napi::Function::New(env, SetRngState));
  exports.Set("cudaAvailable", Napi::Function::New(env, CudaAvailable));
  exports.Set("dtypeCodes", DtypeCodes(env));
}

}  // namespace pw
