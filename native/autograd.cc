// Autograd entry points: gradients are computed by libtorch's engine.
#include "common.h"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/variable.h>
#include <ATen/core/grad_mode.h>

namespace pw {
namespace {

Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrapTensor(info[0], "requiresGrad").requires_grad());
}

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "requiresGrad_", [&]() -> Napi::Value {
    unwrapTensor(info[0], "requiresGrad_").set_requires_grad(info[1].ToBoolean());
    return info.Env().Undefined();
  });
}

Napi::Value IsLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrapTensor(info[0], "isLeaf").is_leaf());
}

Napi::Value Grad(const Napi::CallbackInfo& info) {
  return guarded(info, "grad", [&]() -> Napi::Value {
    return wrapTensor(info.Env(), unwrapTensor(info[0], "grad").grad());
  });
}

// setGrad(t, g | null): assigning null clears the gradient (optimizer.zeroGrad).
Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "setGrad", [&]() -> Napi::Value {
    at::Tensor& t = unwrapTensor(info[0], "setGrad");
    if (info[1].IsNull() || info[1].IsUndefined()) {
      t.mutable_grad() = at::Tensor();
    } else {
      // The checks PyTorch makes on `t.grad = g`: a mismatched gradient would break accumulation later.
      at::Tensor& g = unwrapTensor(info[1], "setGrad");
      if (!g.sizes().equals(t.sizes()) || g.scalar_type() != t.scalar_type() || g.device() != t.device()) {
        throw Napi::Error::New(info.Env(), "grad: assigned gradient " + describeTensor(g) + " does not match tensor " +
                                               describeTensor(t) + " (same shape, dtype and device expected)");
      }
      t.mutable_grad() = g;
    }
    return info.Env().Undefined();
  });
}

Napi::Value RetainGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "retainGrad", [&]() -> Napi::Value {
    unwrapTensor(info[0], "retainGrad").retain_grad();
    return info.Env().Undefined();
  });
}

// backward(outputs[], grads[] | null, retainGraph, createGraph)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  return guarded(info, "backward", [&]() -> Napi::Value {
    Napi::Array outs = info[0].As<Napi::Array>();
    std::vector<at::Tensor> tensors;
    std::vector<at::Tensor> grads;
    for (uint32_t i = 0; i < outs.Length(); ++i) tensors.push_back(unwrapTensor(outs.Get(i), "backward"));
    if (info[1].IsArray()) {
      Napi::Array g = info[1].As<Napi::Array>();
      for (uint32_t i = 0; i < g.Length(); ++i) grads.push_back(unwrapTensor(g.Get(i), "backward gradient"));
    }
    for (const auto& t : tensors) {
      if (!t.requires_grad()) {
        throw Napi::Error::New(info.Env(), "backward: tensor " + describeTensor(t) +
                                               " does not require grad and has no grad_fn (was it computed under noGrad, or from tensors without requiresGrad?)");
      }
      if (grads.empty() && t.numel() != 1) {
        throw Napi::Error::New(info.Env(), "backward: gradient can be implied only for scalar outputs, got " +
                                               describeTensor(t) + "; pass a gradient tensor");
      }
    }
    bool retain = info[2].ToBoolean();
    bool create = info[3].ToBoolean();
    torch::autograd::backward(tensors, grads, retain, create);
    return info.Env().Undefined();
  });
}

// setData(t, src): swaps t's data for src's (PyTorch's `param.data = src`), keeping
// every JS reference to t valid, e.g. when a module moves to another device or layout.
Napi::Value SetData(const Napi::CallbackInfo& info) {
  return guarded(info, "setData", [&]() -> Napi::Value {
    unwrapTensor(info[0], "setData").set_data(unwrapTensor(info[1], "setData"));
    return info.Env().Undefined();
  });
}

Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  at::GradMode::set_enabled(info[0].ToBoolean());
  return info.Env().Undefined();
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled());
}

}  // namespace

void registerAutogradFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("requiresGrad", Napi::Function::New(env, RequiresGrad));
  exports.Set("setRequiresGrad", Napi::Function::New(env, SetRequiresGrad));
  exports.Set("isLeaf", Napi::Function::New(env, IsLeaf));
  exports.Set("grad", Napi::Function::New(env, Grad));
  exports.Set("setGrad", Napi::Function::New(env, SetGrad));
  exports.Set("retainGrad", Napi::Function::New(env, RetainGrad));
  exports.Set("backward", Napi::Function::New(env, Backward));
  exports.Set("setData", Napi::Function::New(env, SetData));
  exports.Set("setGradEnabled", Napi::Function::New(env, SetGradEnabled));
  exports.Set("isGradEnabled", Napi::Function::New(env, IsGradEnabled));
}

}  // namespace pw
