// Generic access to every ATen operator through the c10 dispatcher (boxed calls).
// Arguments are converted by the operator's own schema, so the addon needs no
// per-op code: autograd, device dispatch and defaults come from libtorch.
#include "common.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <cmath>

namespace pw {
namespace {

struct OpEntry {
  c10::OperatorHandle handle;
  std::string name;
};

const napi_type_tag kOpTag = {0x7069786577697365ULL, 0x6f70657261746f72ULL};

OpEntry& unwrapOp(const Napi::Value& v) {
  if (!v.IsExternal() || !v.As<Napi::Object>().CheckTypeTag(&kOpTag)) {
    throw Napi::TypeError::New(v.Env(), "callOp: expected an operator handle from findOp");
  }
  return *v.As<Napi::External<OpEntry>>().Data();
}

[[noreturn]] void badArg(Napi::Env env, const OpEntry& op, const c10::Argument& arg, const std::string& expected,
                         const Napi::Value& got) {
  std::string kind = got.IsNull() ? "null" : got.IsUndefined() ? "undefined" : got.IsArray() ? "array"
                   : got.IsNumber() ? "number " + got.ToString().Utf8Value()
                   : got.IsBigInt() ? "bigint " + got.ToString().Utf8Value()
                   : got.IsString() ? "string '" + got.ToString().Utf8Value() + "'"
                   : got.IsBoolean() ? "boolean" : isTensorHandle(got) ? "Tensor" : "object";
  throw Napi::TypeError::New(env, op.name + ": argument '" + arg.name() + "' expected " + expected + ", got " + kind);
}

bool isNullish(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }

// Range first: casting NaN, an infinity or a double outside int64 to int64 is undefined behaviour.
bool isInt64(double d) { return d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == std::trunc(d); }

int64_t toInt(Napi::Env env, const OpEntry& op, const c10::Argument& arg, const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless = false;
    int64_t x = v.As<Napi::BigInt>().Int64Value(&lossless);
    if (lossless) return x;
  }
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (isInt64(d)) return static_cast<int64_t>(d);
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  badArg(env, op, arg, "an integer", v);
}

c10::IValue toIValue(Napi::Env env, const OpEntry& op, const c10::Argument& arg, const c10::TypePtr& type,
                     const Napi::Value& v);

c10::IValue toList(Napi::Env env, const OpEntry& op, const c10::Argument& arg, const c10::TypePtr& elem,
                   const Napi::Value& v) {
  c10::TypeKind kind = elem->kind();
  bool intLike = kind == c10::TypeKind::IntType || kind == c10::TypeKind::SymIntType;
  // Python lets int[2] / bool[3] arguments take a single value for every slot.
  if (!v.IsArray()) {
    if (arg.N() && intLike && (v.IsNumber() || v.IsBigInt())) {
      return c10::IValue(c10::List<int64_t>(std::vector<int64_t>(*arg.N(), toInt(env, op, arg, v))));
    }
    badArg(env, op, arg, elem->str() + "[]", v);
  }
  Napi::Array a = v.As<Napi::Array>();
  uint32_t n = a.Length();
  if (intLike) {
    c10::List<int64_t> out;
    out.reserve(n);
    for (uint32_t i = 0; i < n; ++i) out.push_back(toInt(env, op, arg, a.Get(i)));
    return out;
  }
  switch (kind) {
    case c10::TypeKind::FloatType: {
      c10::List<double> out;
      for (uint32_t i = 0; i < n; ++i) {
        Napi::Value x = a.Get(i);
        if (!x.IsNumber()) badArg(env, op, arg, "float[]", v);
        out.push_back(x.As<Napi::Number>().DoubleValue());
      }
      return out;
    }
    case c10::TypeKind::BoolType: {
      c10::List<bool> out;
      for (uint32_t i = 0; i < n; ++i) {
        Napi::Value x = a.Get(i);
        if (!x.IsBoolean()) badArg(env, op, arg, "bool[]", v);
        out.push_back(x.As<Napi::Boolean>().Value());
      }
      return out;
    }
    case c10::TypeKind::TensorType: {
      c10::List<at::Tensor> out;
      out.reserve(n);
      for (uint32_t i = 0; i < n; ++i) out.push_back(unwrapTensor(a.Get(i), op.name + " argument '" + arg.name() + "'"));
      return out;
    }
    case c10::TypeKind::OptionalType: {
      if (elem->castRaw<c10::OptionalType>()->getElementType()->kind() == c10::TypeKind::TensorType) {
        c10::List<c10::optional<at::Tensor>> out;
        for (uint32_t i = 0; i < n; ++i) {
          Napi::Value x = a.Get(i);
          if (isNullish(x)) out.push_back(c10::nullopt);
          else out.push_back(unwrapTensor(x, op.name + " argument '" + arg.name() + "'"));
        }
        return out;
      }
      break;
    }
    default:
      break;
  }
  badArg(env, op, arg, "a supported list type (" + elem->str() + "[])", v);
}

c10::IValue toIValue(Napi::Env env, const OpEntry& op, const c10::Argument& arg, const c10::TypePtr& type,
                     const Napi::Value& v) {
  switch (type->kind()) {
    case c10::TypeKind::OptionalType:
      if (isNullish(v)) return c10::IValue();
      return toIValue(env, op, arg, type->castRaw<c10::OptionalType>()->getElementType(), v);
    case c10::TypeKind::TensorType:
      return unwrapTensor(v, op.name + " argument '" + arg.name() + "'");
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
    case c10::TypeKind::ScalarTypeType:
    case c10::TypeKind::LayoutType:
    case c10::TypeKind::MemoryFormatType:
      return toInt(env, op, arg, v);
    case c10::TypeKind::FloatType:
      if (!v.IsNumber()) badArg(env, op, arg, "a number", v);
      return v.As<Napi::Number>().DoubleValue();
    case c10::TypeKind::BoolType:
      if (!v.IsBoolean()) badArg(env, op, arg, "a boolean", v);
      return v.As<Napi::Boolean>().Value();
    case c10::TypeKind::NumberType: {  // at::Scalar
      if (v.IsBoolean()) return c10::IValue(c10::Scalar(v.As<Napi::Boolean>().Value()));
      if (v.IsBigInt()) return c10::IValue(c10::Scalar(toInt(env, op, arg, v)));
      if (!v.IsNumber()) badArg(env, op, arg, "a number", v);
      double d = v.As<Napi::Number>().DoubleValue();
      // Integral JS numbers become integer scalars so integer tensors keep their dtype.
      bool integral = std::abs(d) < 9007199254740992.0 && isInt64(d);
      return integral ? c10::IValue(c10::Scalar(static_cast<int64_t>(d))) : c10::IValue(c10::Scalar(d));
    }
    case c10::TypeKind::StringType:
      if (!v.IsString()) badArg(env, op, arg, "a string", v);
      return v.As<Napi::String>().Utf8Value();
    case c10::TypeKind::DeviceObjType:
      if (!v.IsString()) badArg(env, op, arg, "a device string", v);
      return c10::Device(v.As<Napi::String>().Utf8Value());
    case c10::TypeKind::ListType:
      return toList(env, op, arg, type->castRaw<c10::ListType>()->getElementType(), v);
    default:
      badArg(env, op, arg, "a supported type (" + type->str() + ")", v);
  }
}

Napi::Value fromIValue(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) return wrapTensor(env, v.toTensor());
  if (v.isNone()) return env.Null();
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isTensorList()) {
    auto list = v.toTensorList();
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) a.Set(static_cast<uint32_t>(i), wrapTensor(env, list.get(i)));
    return a;
  }
  if (v.isIntList()) {
    auto list = v.toIntList();
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(list.get(i))));
    return a;
  }
  if (v.isTuple()) {
    const auto& elems = v.toTupleRef().elements();
    Napi::Array a = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); ++i) a.Set(static_cast<uint32_t>(i), fromIValue(env, elems[i]));
    return a;
  }
  if (v.isList()) {
    auto list = v.toListRef();
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) a.Set(static_cast<uint32_t>(i), fromIValue(env, list[i]));
    return a;
  }
  if (v.isScalar()) return Napi::Number::New(env, v.toScalar().toDouble());
  throw Napi::Error::New(env, "unsupported return type " + v.tagKind());
}

std::string describeIValue(const c10::IValue& v) {
  if (v.isTensor()) return describeTensor(v.toTensor());
  if (v.isNone()) return "None";
  if (v.isTensorList()) {
    std::string s = "[";
    auto list = v.toTensorList();
    for (size_t i = 0; i < list.size(); ++i) s += (i ? ", " : "") + describeTensor(list.get(i));
    return s + "]";
  }
  std::ostringstream os;
  os << v;
  return os.str();
}

// findOp("aten::conv2d") or findOp("aten::add.Tensor")
Napi::Value FindOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string full = info[0].As<Napi::String>().Utf8Value();
  auto sep = full.find("::");
  auto dot = full.find('.', sep == std::string::npos ? 0 : sep + 2);
  std::string name = dot == std::string::npos ? full : full.substr(0, dot);
  std::string overload = dot == std::string::npos ? "" : full.substr(dot + 1);
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!handle) throw Napi::Error::New(env, "findOp: no operator named " + full + " in this libtorch");
  auto* entry = new OpEntry{*handle, full};
  auto ext = Napi::External<OpEntry>::New(env, entry, [](Napi::Env, OpEntry* e) { delete e; });
  ext.TypeTag(&kOpTag);
  return ext;
}

Napi::Value Schema(const Napi::CallbackInfo& info) {
  std::ostringstream os;
  os << unwrapOp(info[0]).handle.schema();
  return Napi::String::New(info.Env(), os.str());
}

// callOp(op, positionalArgs[], namedArgs?) -> result | result[]
Napi::Value CallOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OpEntry& op = unwrapOp(info[0]);
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, op.name + ": arguments must be an array");
  Napi::Array args = info[1].As<Napi::Array>();
  Napi::Object named = info.Length() > 2 && info[2].IsObject() ? info[2].As<Napi::Object>() : Napi::Object();
  const c10::FunctionSchema& schema = op.handle.schema();
  const auto& params = schema.arguments();
  if (args.Length() > params.size()) {
    throw Napi::TypeError::New(env, op.name + ": takes " + std::to_string(params.size()) + " arguments, got " +
                                        std::to_string(args.Length()));
  }
  // A misspelt or duplicated named argument would otherwise be ignored silently (the default
  // or the positional value wins), so both are errors that list the schema's argument names.
  if (!named.IsEmpty()) {
    Napi::Array keys = named.GetPropertyNames();
    for (uint32_t k = 0; k < keys.Length(); ++k) {
      std::string key = keys.Get(k).ToString().Utf8Value();
      size_t at = 0;
      while (at < params.size() && params[at].name() != key) ++at;
      if (at == params.size()) {
        std::string names;
        for (size_t i = 0; i < params.size(); ++i) names += (i ? ", " : "") + params[i].name();
        throw Napi::TypeError::New(env, op.name + ": no argument named '" + key + "' (its arguments: " + names + ")");
      }
      // A named value of undefined means "not given", as in the main loop below.
      if (at < args.Length() && !args.Get(static_cast<uint32_t>(at)).IsUndefined() && !named.Get(key).IsUndefined()) {
        throw Napi::TypeError::New(env, op.name + ": argument '" + key + "' given both by position (" +
                                            std::to_string(at) + ") and by name");
      }
    }
  }
  torch::jit::Stack stack;
  stack.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const c10::Argument& arg = params[i];
    Napi::Value v = i < args.Length() ? args.Get(static_cast<uint32_t>(i)) : env.Undefined();
    if (v.IsUndefined() && !named.IsEmpty() && named.Has(arg.name())) v = named.Get(arg.name());
    if (v.IsUndefined()) {
      if (arg.default_value()) {
        stack.push_back(*arg.default_value());
        continue;
      }
      if (arg.type()->kind() != c10::TypeKind::OptionalType) {
        throw Napi::TypeError::New(env, op.name + ": missing argument '" + arg.name() + "'");
      }
    }
    // Converting can throw from libtorch too (e.g. c10::Device("gpu")); an escaped C++
    // exception would abort the process.
    try {
      stack.push_back(toIValue(env, op, arg, arg.type(), v));
    } catch (const Napi::Error&) {
      throw;
    } catch (const c10::Error& e) {
      throw Napi::Error::New(env, op.name + ": argument '" + arg.name() + "': " + e.what_without_backtrace());
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, op.name + ": argument '" + arg.name() + "': " + e.what());
    }
  }
  // Boxed kernels consume their arguments; keep references to describe them on failure.
  torch::jit::Stack inputs = stack;
  auto describeInputs = [&]() {
    std::string text;
    for (size_t i = 0; i < inputs.size(); ++i) {
      text += (i ? ", " : "") + params[i].name() + "=" + describeIValue(inputs[i]);
    }
    return text;
  };
  try {
    op.handle.callBoxed(&stack);
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, op.name + "(" + describeInputs() + "): " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    // Some kernels throw plain std::runtime_error (e.g. reshape's size check).
    throw Napi::Error::New(env, op.name + "(" + describeInputs() + "): " + e.what());
  }
  Napi::Value result;
  if (stack.empty()) {
    result = env.Undefined();
  } else if (stack.size() == 1) {
    result = fromIValue(env, stack[0]);
  } else {
    Napi::Array a = Napi::Array::New(env, stack.size());
    for (size_t i = 0; i < stack.size(); ++i) a.Set(static_cast<uint32_t>(i), fromIValue(env, stack[i]));
    result = a;
  }
  reportExternalMemory(env);
  return result;
}

}  // namespace

void registerDispatchFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("findOp", Napi::Function::New(env, FindOp));
  exports.Set("schema", Napi::Function::New(env, Schema));
  exports.Set("callOp", Napi::Function::New(env, CallOp));
}

}  // namespace pw
