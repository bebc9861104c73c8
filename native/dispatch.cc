// Generic access to every ATen operator through the c10 dispatcher (boxed calls).
// Arguments are converted by the operator's own schema, so the addon needs no
// per-op code: autograd, autocast, device dispatch and defaults come from libtorch.
//
// The per-call path is kept short because small ops are dominated by it: the schema is read
// once per operator into an argument plan (kind, default, optional), arguments arrive as
// plain function arguments (one napi_get_cb_info instead of an array read per element),
// handles are checked without building message strings, and the argument stack is reused.
// Messages are built only when something fails.
#include "common.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <cmath>
#include <memory>
#include <unordered_map>

namespace pw {
namespace {

// How one schema argument is converted; Generic goes through the full converter (lists,
// strings, devices, bigints, booleans as ints, and every error message).
enum class Kind : uint8_t { Tensor, Int, Float, Bool, Scalar, Generic };

struct ArgPlan {
  Kind kind;
  bool optional;
  c10::optional<c10::IValue> defaultValue;
};

struct OpEntry {
  c10::OperatorHandle handle;
  std::string name;
  std::vector<ArgPlan> plan;
};

Kind kindOf(const c10::TypePtr& type) {
  switch (type->kind()) {
    case c10::TypeKind::TensorType: return Kind::Tensor;
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
    case c10::TypeKind::ScalarTypeType:
    case c10::TypeKind::LayoutType:
    case c10::TypeKind::MemoryFormatType: return Kind::Int;
    case c10::TypeKind::FloatType: return Kind::Float;
    case c10::TypeKind::BoolType: return Kind::Bool;
    case c10::TypeKind::NumberType: return Kind::Scalar;
    default: return Kind::Generic;
  }
}

std::vector<ArgPlan> planOf(const c10::FunctionSchema& schema) {
  std::vector<ArgPlan> plan;
  for (const c10::Argument& arg : schema.arguments()) {
    const c10::TypePtr& type = arg.type();
    bool optional = type->kind() == c10::TypeKind::OptionalType;
    Kind kind = kindOf(optional ? type->castRaw<c10::OptionalType>()->getElementType() : type);
    plan.push_back({kind, optional, arg.default_value()});
  }
  return plan;
}

// This thread's operators (never freed: a few hundred at most) and the argument stack, which
// is reused between calls (no allocation per call). A call never re-enters callOp (kernels do
// not call JS), but the stack is leased with a flag so that would still be safe.
struct DispatchState {
  std::vector<std::unique_ptr<OpEntry>> ops;
  std::unordered_map<std::string, uint32_t> opIndex;
  torch::jit::Stack stack;
  bool stackBusy = false;
};
thread_local DispatchState* tDispatch = nullptr;

DispatchState& dispatchState() {
  if (tDispatch == nullptr) tDispatch = new DispatchState();
  return *tDispatch;
}

// Operator handles are Externals holding a token (magic byte + index into this thread's
// list of operators), checked as cheaply as tensor handles.
constexpr uint64_t kOpMagic = uint64_t(0xA8) << 56;
constexpr uint64_t kOpMagicMask = uint64_t(0xFF) << 56;

OpEntry* opOf(DispatchState& d, napi_env env, napi_value v) {
  void* p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok) return nullptr;
  uint64_t token = reinterpret_cast<uint64_t>(p);
  if ((token & kOpMagicMask) != kOpMagic) return nullptr;
  uint32_t index = static_cast<uint32_t>(token);
  return index < d.ops.size() ? d.ops[index].get() : nullptr;
}

OpEntry& unwrapOp(const Napi::Value& v) {
  OpEntry* op = opOf(dispatchState(), v.Env(), v);
  if (op == nullptr) throw Napi::TypeError::New(v.Env(), "callOp: expected an operator handle from findOp");
  return *op;
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

// findOp("aten::conv2d") or findOp("aten::add.Tensor"): one handle per operator and thread.
Napi::Value FindOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "findOp: expected an operator name such as 'aten::add.Tensor'");
  std::string full = info[0].As<Napi::String>().Utf8Value();
  DispatchState& d = dispatchState();
  auto known = d.opIndex.find(full);
  uint32_t index;
  if (known != d.opIndex.end()) {
    index = known->second;
  } else {
    auto sep = full.find("::");
    auto dot = full.find('.', sep == std::string::npos ? 0 : sep + 2);
    std::string name = dot == std::string::npos ? full : full.substr(0, dot);
    std::string overload = dot == std::string::npos ? "" : full.substr(dot + 1);
    auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
    if (!handle) throw Napi::Error::New(env, "findOp: no operator named " + full + " in this libtorch");
    index = static_cast<uint32_t>(d.ops.size());
    d.ops.emplace_back(new OpEntry{*handle, full, planOf(handle->schema())});
    d.opIndex.emplace(full, index);
  }
  napi_value ext;
  NAPI_THROW_IF_FAILED(env, napi_create_external(env, reinterpret_cast<void*>(kOpMagic | index), nullptr, nullptr, &ext),
                       Napi::Value());
  return Napi::Value(env, ext);
}

Napi::Value Schema(const Napi::CallbackInfo& info) {
  std::ostringstream os;
  os << unwrapOp(info[0]).handle.schema();
  return Napi::String::New(info.Env(), os.str());
}

std::string argLabel(const OpEntry& op, size_t i) {
  return op.name + " argument '" + op.handle.schema().arguments()[i].name() + "'";
}

// A misspelt or duplicated named argument would otherwise be ignored silently (the default
// or the positional value wins), so both are errors that list the schema's argument names.
void checkNamed(Napi::Env env, const OpEntry& op, Napi::Object named, const napi_value* args, size_t nargs) {
  const auto& params = op.handle.schema().arguments();
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
    if (at < nargs && !Napi::Value(env, args[at]).IsUndefined() && !named.Get(key).IsUndefined()) {
      throw Napi::TypeError::New(env, op.name + ": argument '" + key + "' given both by position (" +
                                          std::to_string(at) + ") and by name");
    }
  }
}

// Converts one argument by its plan; the common kinds without node-addon-api wrappers.
c10::IValue convertArg(HandleTable& table, napi_env env, const OpEntry& op, size_t i, napi_value v, napi_valuetype type) {
  const ArgPlan& p = op.plan[i];
  if (p.optional && (type == napi_null || type == napi_undefined)) return c10::IValue();
  switch (p.kind) {
    case Kind::Tensor: {
      at::Tensor* t = nullptr;
      HandleState state = lookupHandle(table, env, v, &t);
      if (state == HandleState::Live) return c10::IValue(*t);
      if (state == HandleState::Disposed) throw Napi::Error::New(env, argLabel(op, i) + ": tensor was already disposed");
      throw Napi::TypeError::New(env, argLabel(op, i) + ": expected a Tensor");
    }
    case Kind::Int:
    case Kind::Scalar:
      if (type == napi_number) {
        double d;
        napi_get_value_double(env, v, &d);
        if (p.kind == Kind::Int) {
          if (isInt64(d)) return c10::IValue(static_cast<int64_t>(d));
          break;  // the full converter words the error
        }
        // Integral JS numbers become integer scalars so integer tensors keep their dtype.
        bool integral = std::abs(d) < 9007199254740992.0 && isInt64(d);
        return integral ? c10::IValue(c10::Scalar(static_cast<int64_t>(d))) : c10::IValue(c10::Scalar(d));
      }
      break;
    case Kind::Float:
      if (type == napi_number) {
        double d;
        napi_get_value_double(env, v, &d);
        return c10::IValue(d);
      }
      break;
    case Kind::Bool:
      if (type == napi_boolean) {
        bool b;
        napi_get_value_bool(env, v, &b);
        return c10::IValue(b);
      }
      break;
    case Kind::Generic:
      break;
  }
  const c10::Argument& arg = op.handle.schema().arguments()[i];
  return toIValue(Napi::Env(env), op, arg, arg.type(), Napi::Value(env, v));
}

// Converts the call's arguments onto `stack` (defaults filled in); throws a JS error naming
// the op and the argument on bad input.
void buildStack(HandleTable& table, napi_env env, const OpEntry& op, const napi_value* args, size_t nargs,
                Napi::Object named, torch::jit::Stack& stack) {
  const auto& plan = op.plan;
  for (size_t i = 0; i < plan.size(); ++i) {
    napi_value v = nullptr;
    napi_valuetype type = napi_undefined;
    if (i < nargs) {
      v = args[i];
      // The commonest case first, without asking for the value's type.
      at::Tensor* t = nullptr;
      if (plan[i].kind == Kind::Tensor && lookupHandle(table, env, v, &t) == HandleState::Live) {
        stack.emplace_back(*t);
        continue;
      }
      napi_typeof(env, v, &type);
    }
    if (type == napi_undefined && !named.IsEmpty()) {
      const std::string& key = op.handle.schema().arguments()[i].name();
      if (named.Has(key)) {
        v = named.Get(key);
        napi_typeof(env, v, &type);
      }
    }
    if (type == napi_undefined) {
      if (plan[i].defaultValue) {
        stack.push_back(*plan[i].defaultValue);
        continue;
      }
      if (!plan[i].optional) {
        throw Napi::TypeError::New(env, op.name + ": missing argument '" + op.handle.schema().arguments()[i].name() + "'");
      }
      stack.emplace_back();
      continue;
    }
    // Converting can throw from libtorch too (e.g. c10::Device("gpu")); an escaped C++
    // exception would abort the process.
    try {
      stack.push_back(convertArg(table, env, op, i, v, type));
    } catch (const Napi::Error&) {
      throw;
    } catch (const c10::Error& e) {
      throw Napi::Error::New(env, op.name + ": argument '" + op.handle.schema().arguments()[i].name() +
                                      "': " + e.what_without_backtrace());
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, op.name + ": argument '" + op.handle.schema().arguments()[i].name() + "': " + e.what());
    }
  }
}

struct StackLease {
  DispatchState& d;
  torch::jit::Stack own;
  torch::jit::Stack* stack;
  explicit StackLease(DispatchState& state) : d(state) {
    stack = d.stackBusy ? &own : &d.stack;
    d.stackBusy = true;
  }
  ~StackLease() {
    stack->clear();
    if (stack == &d.stack) d.stackBusy = false;
  }
};

// callOp(op, named | undefined, ...args) -> result | result[] | undefined; callOpVoid drops the
// results (in-place ops, whose result is their first argument, need no second handle).
template <bool kDiscardResults>
napi_value CallOp(napi_env env, napi_callback_info cbinfo) {
  // Most calls have a few arguments; the buffer grows only for the rare long ones.
  constexpr size_t kFew = 8;
  size_t argc = kFew;
  napi_value few[kFew];
  std::vector<napi_value> many;
  napi_get_cb_info(env, cbinfo, &argc, few, nullptr, nullptr);
  napi_value* argv = few;
  if (argc > kFew) {
    many.resize(argc);
    napi_get_cb_info(env, cbinfo, &argc, many.data(), nullptr, nullptr);
    argv = many.data();
  }
  try {
    DispatchState& d = dispatchState();
    OpEntry* found = argc >= 1 ? opOf(d, env, argv[0]) : nullptr;
    if (found == nullptr) throw Napi::TypeError::New(env, "callOp: expected an operator handle from findOp");
    const OpEntry& op = *found;
    size_t nargs = argc > 2 ? argc - 2 : 0;
    if (nargs > op.plan.size()) {
      throw Napi::TypeError::New(env, op.name + ": takes " + std::to_string(op.plan.size()) + " arguments, got " +
                                          std::to_string(nargs));
    }
    Napi::Object named;
    if (argc >= 2) {
      napi_valuetype namedType;
      napi_typeof(env, argv[1], &namedType);
      if (namedType == napi_object) named = Napi::Object(env, argv[1]);
    }
    const napi_value* args = argv + 2;
    if (!named.IsEmpty()) checkNamed(Napi::Env(env), op, named, args, nargs);
    HandleTable& table = handleTable();
    StackLease lease(d);
    torch::jit::Stack& stack = *lease.stack;
    buildStack(table, env, op, args, nargs, named, stack);
    try {
      op.handle.callBoxed(&stack);
    } catch (const std::exception& e) {
      // Boxed kernels consume their arguments: convert them again to describe them.
      // (Some kernels throw plain std::runtime_error, e.g. reshape's size check.)
      const c10::Error* ce = dynamic_cast<const c10::Error*>(&e);
      std::string what = ce ? ce->what_without_backtrace() : e.what();
      torch::jit::Stack inputs;
      std::string text;
      try {
        buildStack(table, env, op, args, nargs, named, inputs);
        const auto& params = op.handle.schema().arguments();
        for (size_t i = 0; i < inputs.size(); ++i) text += (i ? ", " : "") + params[i].name() + "=" + describeIValue(inputs[i]);
      } catch (...) {
        text = "...";
      }
      throw Napi::Error::New(env, op.name + "(" + text + "): " + what);
    }
    napi_value result;
    if (kDiscardResults || stack.empty()) {
      napi_get_undefined(env, &result);
    } else if (stack.size() == 1) {
      result = stack[0].isTensor() ? (stack[0].toTensor().defined() ? newHandle(table, env, std::move(stack[0]).toTensor())
                                                                      : static_cast<napi_value>(Napi::Env(env).Null()))
                                   : static_cast<napi_value>(fromIValue(Napi::Env(env), stack[0]));
    } else {
      Napi::Array a = Napi::Array::New(env, stack.size());
      for (size_t i = 0; i < stack.size(); ++i) a.Set(static_cast<uint32_t>(i), fromIValue(Napi::Env(env), stack[i]));
      result = a;
    }
    reportExternalMemory(Napi::Env(env));
    return result;
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
  } catch (const c10::Error& e) {
    Napi::Error::New(env, e.what_without_backtrace()).ThrowAsJavaScriptException();
  } catch (const std::exception& e) {
    Napi::Error::New(env, e.what()).ThrowAsJavaScriptException();
  }
  return nullptr;
}

}  // namespace

void registerDispatchFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("findOp", Napi::Function::New(env, FindOp));
  exports.Set("schema", Napi::Function::New(env, Schema));
  napi_value fn;
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_function(env, "callOp", NAPI_AUTO_LENGTH, CallOp<false>, nullptr, &fn));
  exports.Set("callOp", Napi::Value(env, fn));
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_function(env, "callOpVoid", NAPI_AUTO_LENGTH, CallOp<true>, nullptr, &fn));
  exports.Set("callOpVoid", Napi::Value(env, fn));
}

}  // namespace pw
