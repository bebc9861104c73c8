// Data-parallel training on PyTorch's c10d: TCP stores, Gloo process groups, collectives that
// wait off Node's event loop, the gradient reducer of DistributedDataParallel (buckets filled
// by autograd hooks while backward runs) and a differentiable all-reduce for SyncBatchNorm.
// c10d's own Reducer cannot be used: its header needs files Debian's libtorch does not ship.
#include "distributed.h"

#include <string>
#include <vector>

namespace pw {
namespace {

// The one line every distributed call gives when the addon was built without Gloo's headers
// (exported as `distributedUnavailable`, so the TypeScript side says the same).
const char* const kNoGloo =
    "distributed training needs Gloo, which this build of the pixelwise addon lacks: run "
    "`apt-get install libgloo-dev`, then rebuild the addon (`npm run build:native`)";

}  // namespace
}  // namespace pw

#ifdef USE_C10D_GLOO

#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace pw {
namespace {

using Millis = std::chrono::milliseconds;

const napi_type_tag kStoreTag = {0x7069786577697365ULL, 0x64697374000001ULL};
const napi_type_tag kGroupTag = {0x7069786577697365ULL, 0x64697374000002ULL};
const napi_type_tag kReducerTag = {0x7069786577697365ULL, 0x64697374000003ULL};

// Errors reach users as one line (gloo and libtorch messages sometimes span several).
std::string oneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string seconds(int64_t ms) {
  std::string s = std::to_string(ms / 1000);
  if (ms % 1000) s += "." + std::to_string(ms % 1000 + 1000).substr(1);
  return s + " s";
}

std::string messageOf(const std::exception& e) {
  if (auto* c = dynamic_cast<const c10::Error*>(&e)) return oneLine(c->what_without_backtrace());
  return oneLine(e.what());
}

struct StoreBox {
  c10::intrusive_ptr<c10d::Store> store;
  std::string host;
  int port = 0;
};

// One process group: the Gloo group, the (prefixed) store it met through, and what a failure
// report needs. Shared by JS handles, reducers and autograd nodes (a capsule in saved_data).
struct Group : torch::CustomClassHolder {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int rank = 0;
  int size = 1;
  Millis timeout{0};
  std::mutex mu;
  bool broken = false;
  bool destroyed = false;
  std::string brokenMessage;

  // Throws when the group cannot be used any more (after a failure or destroy()).
  void check(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    if (destroyed) throw std::runtime_error(what + ": the process group was destroyed");
    if (broken) throw std::runtime_error(what + ": the process group failed earlier: " + brokenMessage);
  }

  // A collective failed here. Peers that fail too leave a note in the store; the ranks without
  // one after a short grace period are the likely cause (exited, killed or hung), so the
  // message can name them. The store outlives dead ranks when the launcher hosts it.
  std::string describeFailure(const std::string& what, const std::string& cause) {
    std::string msg = "rank " + std::to_string(rank) + ": " + what + " failed: " + cause;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (broken) return msg;
    }
    if (size > 1) {
      try {
        std::string note = std::to_string(rank);
        store->set("failed/" + std::to_string(rank), std::vector<uint8_t>(note.begin(), note.end()));
        auto grace = std::min<Millis>(timeout / 2, Millis(2000));
        auto deadline = std::chrono::steady_clock::now() + grace;
        std::vector<int> silent;
        for (;;) {
          silent.clear();
          for (int r = 0; r < size; ++r) {
            if (r != rank && !store->check({"failed/" + std::to_string(r)})) silent.push_back(r);
          }
          if (silent.empty() || std::chrono::steady_clock::now() >= deadline) break;
          std::this_thread::sleep_for(Millis(50));
        }
        if (!silent.empty()) {
          msg += "; no failure report from rank";
          msg += silent.size() > 1 ? "s " : " ";
          for (size_t i = 0; i < silent.size(); ++i) msg += (i ? ", " : "") + std::to_string(silent[i]);
          msg += " (exited, killed or hung)";
        }
      } catch (const std::exception&) {
        msg += "; the rendezvous store is unreachable too (the process hosting it, rank 0 or the launcher, has gone)";
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    broken = true;
    brokenMessage = msg;
    return msg;
  }
};

template <typename T>
T* unwrapBox(const Napi::Value& v, const napi_type_tag& tag, const char* kind, const std::string& what) {
  if (!v.IsExternal() || !v.As<Napi::Object>().CheckTypeTag(&tag)) {
    throw Napi::TypeError::New(v.Env(), what + ": expected a " + kind + " handle");
  }
  return v.As<Napi::External<T>>().Data();
}

struct GroupBox {
  c10::intrusive_ptr<Group> group;
};

c10::intrusive_ptr<Group> groupOf(const Napi::Value& v, const std::string& what) {
  auto* box = unwrapBox<GroupBox>(v, kGroupTag, "process group", what);
  if (!box->group) throw Napi::Error::New(v.Env(), what + ": the process group was destroyed");
  return box->group;
}

std::vector<at::Tensor> tensorList(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), what + ": expected an array of tensors");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(unwrapTensor(a.Get(i), what));
  return out;
}

// A promise settled by an AsyncWorker: `work` runs on libuv's pool (blocking waits belong
// there), `done` on the main thread. A failure of `work` goes through `fail` (e.g. the failure
// report of a group) into a one-line rejection.
class Task : public Napi::AsyncWorker {
 public:
  Task(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> done,
       std::function<std::string(const std::string&)> fail)
      : Napi::AsyncWorker(env, "pixelwise:distributed"),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        done_(std::move(done)),
        fail_(std::move(fail)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      work_();
    } catch (const std::exception& e) {
      SetError(fail_ ? fail_(messageOf(e)) : messageOf(e));
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      Napi::Value v = done_ ? done_(env) : env.Undefined();
      reportExternalMemory(env);
      deferred_.Resolve(v);
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (const std::exception& e) {
      deferred_.Reject(Napi::Error::New(env, messageOf(e)).Value());
    }
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> done_;
  std::function<std::string(const std::string&)> fail_;
};

Napi::Promise queue(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> done,
                    std::function<std::string(const std::string&)> fail = nullptr) {
  auto* task = new Task(env, std::move(work), std::move(done), std::move(fail));
  Napi::Promise p = task->promise();
  task->Queue();
  return p;
}

// Waits for works issued by the main thread (issuing there keeps the order of collectives the
// same on every rank); a failure becomes the group's failure report.
Napi::Promise waitWorks(Napi::Env env, c10::intrusive_ptr<Group> g, std::string what,
                        std::vector<c10::intrusive_ptr<c10d::Work>> works, std::function<void()> after) {
  return queue(
      env,
      [works]() {
        for (auto& w : works) w->wait();
      },
      [after](Napi::Env e) -> Napi::Value {
        if (after) {
          at::NoGradGuard noGrad;
          after();
        }
        return e.Undefined();
      },
      [g, what](const std::string& cause) { return g->describeFailure(what, cause); });
}

c10d::ReduceOp reduceOpOf(const std::string& name) {
  if (name == "sum") return c10d::ReduceOp::SUM;
  if (name == "max") return c10d::ReduceOp::MAX;
  if (name == "min") return c10d::ReduceOp::MIN;
  if (name == "product") return c10d::ReduceOp::PRODUCT;
  throw std::runtime_error("allReduce: unknown op '" + name + "' (expected sum, max, min or product)");
}

// Collectives move one dense buffer: several tensors (or a non-contiguous one) are flattened
// into one, in logical element order, and copied back afterwards.
struct Flat {
  at::Tensor buffer;
  std::vector<at::Tensor> targets;  // empty when buffer is the caller's own tensor
};

Flat flatten(const std::vector<at::Tensor>& ts, const std::string& what) {
  if (ts.empty()) throw std::runtime_error(what + ": expected at least one tensor");
  for (const auto& t : ts) {
    if (t.scalar_type() != ts[0].scalar_type() || t.device() != ts[0].device()) {
      throw std::runtime_error(what + ": all tensors must share dtype and device, got " + describeTensor(ts[0]) +
                               " and " + describeTensor(t));
    }
    if (t.is_sparse()) throw std::runtime_error(what + ": sparse tensors are not supported, got " + describeTensor(t));
  }
  if (ts.size() == 1 && ts[0].is_contiguous()) return {ts[0], {}};
  std::vector<at::Tensor> parts;
  for (const auto& t : ts) parts.push_back(t.detach().reshape({-1}));
  return {at::cat(parts), ts};
}

void unflatten(const Flat& f) {
  int64_t offset = 0;
  for (auto& t : f.targets) {
    int64_t n = t.numel();
    t.detach().copy_(f.buffer.narrow(0, offset, n).view(t.sizes()));
    offset += n;
  }
}

// ---- stores and groups --------------------------------------------------------------------

// storeCreate(host, port, isServer, timeoutMs) -> Promise<store>: a TCPStore server (port 0
// picks a free port) or a client that connects within the timeout.
Napi::Value StoreCreate(const Napi::CallbackInfo& info) {
  return guarded(info, "storeCreate", [&]() -> Napi::Value {
    std::string host = info[0].As<Napi::String>().Utf8Value();
    int port = info[1].As<Napi::Number>().Int32Value();
    bool isServer = info[2].ToBoolean();
    int64_t timeoutMs = info[3].As<Napi::Number>().Int64Value();
    if (port < 0 || port > 65535) throw Napi::RangeError::New(info.Env(), "storeCreate: port " + std::to_string(port) + " is not in 0..65535");
    auto box = std::make_shared<StoreBox>();
    return queue(
        info.Env(),
        [=]() {
          c10d::TCPStoreOptions opts;
          opts.port = static_cast<uint16_t>(port);
          opts.isServer = isServer;
          opts.waitWorkers = false;
          opts.timeout = Millis(timeoutMs);
          auto store = c10::make_intrusive<c10d::TCPStore>(host, opts);
          box->port = store->getPort();
          box->host = host;
          box->store = store;
        },
        [=](Napi::Env env) -> Napi::Value {
          auto ext = Napi::External<StoreBox>::New(env, new StoreBox(*box), [](Napi::Env, StoreBox* b) { delete b; });
          ext.TypeTag(&kStoreTag);
          return ext;
        },
        [=](const std::string& cause) {
          return std::string(isServer ? "could not start the rendezvous store on port " : "could not reach the rendezvous store at ") +
                 (isServer ? std::to_string(port) : host + ":" + std::to_string(port)) + " within " +
                 seconds(timeoutMs) + ": " + cause;
        });
  });
}

Napi::Value StorePort(const Napi::CallbackInfo& info) {
  return guarded(info, "storePort", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), unwrapBox<StoreBox>(info[0], kStoreTag, "store", "storePort")->port);
  });
}

// storeClose(store): drops this handle's reference (a server stops when no group uses it).
Napi::Value StoreClose(const Napi::CallbackInfo& info) {
  return guarded(info, "storeClose", [&]() -> Napi::Value {
    unwrapBox<StoreBox>(info[0], kStoreTag, "store", "storeClose")->store.reset();
    return info.Env().Undefined();
  });
}

// groupCreate(store, prefix, rank, size, timeoutMs, {interface?, hostname?}, backend) -> Promise<group>:
// Gloo's rendezvous blocks until every rank has joined, so it runs off the event loop.
Napi::Value GroupCreate(const Napi::CallbackInfo& info) {
  return guarded(info, "groupCreate", [&]() -> Napi::Value {
    auto* sbox = unwrapBox<StoreBox>(info[0], kStoreTag, "store", "groupCreate");
    if (!sbox->store) throw Napi::Error::New(info.Env(), "groupCreate: the store was closed");
    std::string prefix = info[1].As<Napi::String>().Utf8Value();
    int rank = info[2].As<Napi::Number>().Int32Value();
    int size = info[3].As<Napi::Number>().Int32Value();
    int64_t timeoutMs = info[4].As<Napi::Number>().Int64Value();
    std::string backend = info[6].IsString() ? info[6].As<Napi::String>().Utf8Value() : "gloo";
    if (backend == "nccl") {
#ifdef USE_C10D_NCCL
      throw Napi::Error::New(info.Env(), "backend 'nccl': not supported by this version of pixelwise yet (it was never run on a GPU); use 'gloo'");
#else
      throw Napi::Error::New(info.Env(), "backend 'nccl' needs a libtorch built with CUDA and NCCL (this one has neither); use 'gloo'");
#endif
    }
    if (backend != "gloo") throw Napi::Error::New(info.Env(), "unknown backend '" + backend + "' (expected gloo or nccl)");
    std::string iface, hostname;
    if (info[5].IsObject()) {
      Napi::Object o = info[5].As<Napi::Object>();
      if (o.Get("interface").IsString()) iface = o.Get("interface").As<Napi::String>().Utf8Value();
      if (o.Get("hostname").IsString()) hostname = o.Get("hostname").As<Napi::String>().Utf8Value();
    }
    if (size < 1 || rank < 0 || rank >= size) {
      throw Napi::RangeError::New(info.Env(), "groupCreate: rank " + std::to_string(rank) + " is not in 0.." + std::to_string(size - 1));
    }
    auto group = c10::make_intrusive<Group>();
    group->store = c10::make_intrusive<c10d::PrefixStore>(prefix, sbox->store);
    group->rank = rank;
    group->size = size;
    group->timeout = Millis(timeoutMs);
    std::string where = sbox->host + ":" + std::to_string(sbox->port);
    return queue(
        info.Env(),
        [=]() {
          auto opts = c10d::ProcessGroupGloo::Options::create(Millis(timeoutMs));
          if (!iface.empty()) {
            opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
          } else if (!hostname.empty()) {
            opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(hostname));
          } else {
            opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
          }
          group->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(group->store, rank, size, opts);
        },
        [=](Napi::Env env) -> Napi::Value {
          auto ext = Napi::External<GroupBox>::New(env, new GroupBox{group}, [](Napi::Env, GroupBox* b) {
            // A group that failed may still have a collective waiting for its timeout inside
            // Gloo; destroying it would block until then, so it is left to the exiting process.
            if (b->group && b->group->broken) b->group->pg.release();
            delete b;
          });
          ext.TypeTag(&kGroupTag);
          return ext;
        },
        [=](const std::string& cause) {
          return "rank " + std::to_string(rank) + ": could not form the process group of " + std::to_string(size) +
                 " ranks through the store at " + where + " within " + seconds(timeoutMs) + ": " + cause;
        });
  });
}

// groupDestroy(group): stops Gloo's threads (at once unless the group has failed).
Napi::Value GroupDestroy(const Napi::CallbackInfo& info) {
  return guarded(info, "groupDestroy", [&]() -> Napi::Value {
    auto* box = unwrapBox<GroupBox>(info[0], kGroupTag, "process group", "groupDestroy");
    if (!box->group) return info.Env().Undefined();
    c10::intrusive_ptr<Group> g = std::move(box->group);
    std::lock_guard<std::mutex> lock(g->mu);
    g->destroyed = true;
    if (g->broken) {
      g->pg.release();
    } else {
      g->pg.reset();
    }
    g->store.reset();
    return info.Env().Undefined();
  });
}

// ---- collectives ----------------------------------------------------------------------------

// allReduce(group, tensors, op) -> Promise: in place, over every rank.
Napi::Value AllReduce(const Napi::CallbackInfo& info) {
  return guarded(info, "allReduce", [&]() -> Napi::Value {
    auto g = groupOf(info[0], "allReduce");
    auto tensors = tensorList(info[1], "allReduce");
    c10d::AllreduceOptions opts;
    opts.reduceOp = reduceOpOf(info[2].As<Napi::String>().Utf8Value());
    g->check("allReduce");
    auto flat = std::make_shared<Flat>(flatten(tensors, "allReduce"));
    std::vector<at::Tensor> bufs{flat->buffer};
    auto work = g->pg->allreduce(bufs, opts);
    return waitWorks(info.Env(), g, "allReduce", {work}, [flat]() { unflatten(*flat); });
  });
}

// broadcast(group, tensors, root) -> Promise: every rank ends with root's values.
Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  return guarded(info, "broadcast", [&]() -> Napi::Value {
    auto g = groupOf(info[0], "broadcast");
    auto tensors = tensorList(info[1], "broadcast");
    int root = info[2].As<Napi::Number>().Int32Value();
    if (root < 0 || root >= g->size) {
      throw Napi::RangeError::New(info.Env(), "broadcast: root " + std::to_string(root) + " is not in 0.." + std::to_string(g->size - 1));
    }
    g->check("broadcast");
    auto flat = std::make_shared<Flat>(flatten(tensors, "broadcast"));
    std::vector<at::Tensor> bufs{flat->buffer};
    c10d::BroadcastOptions opts;
    opts.rootRank = root;
    auto work = g->pg->broadcast(bufs, opts);
    bool isRoot = root == g->rank;
    return waitWorks(info.Env(), g, "broadcast", {work}, [flat, isRoot]() {
      if (!isRoot) unflatten(*flat);
    });
  });
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  return guarded(info, "barrier", [&]() -> Napi::Value {
    auto g = groupOf(info[0], "barrier");
    g->check("barrier");
    auto work = g->pg->barrier();
    return waitWorks(info.Env(), g, "barrier", {work}, nullptr);
  });
}

// A SUM all-reduce autograd knows: its gradient is the all-reduce of the incoming gradients.
// SyncBatchNorm builds the global batch statistics from it, and autograd derives the rest.
// It blocks the calling thread (a forward or backward is synchronous).
struct AllReduceSumFn : public torch::autograd::Function<AllReduceSumFn> {
  static at::Tensor reduce(const c10::intrusive_ptr<Group>& g, const at::Tensor& x, const char* what) {
    g->check(what);
    std::vector<at::Tensor> bufs{x.detach().clone(at::MemoryFormat::Contiguous)};
    auto work = g->pg->allreduce(bufs);
    try {
      work->wait();
    } catch (const std::exception& e) {
      throw std::runtime_error(g->describeFailure(what, messageOf(e)));
    }
    return bufs[0];
  }
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, at::Tensor x, c10::intrusive_ptr<Group> g) {
    ctx->saved_data["group"] = at::IValue::make_capsule(g);
    return reduce(g, x, "allReduce (SyncBatchNorm forward)");
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    auto g = c10::static_intrusive_pointer_cast<Group>(ctx->saved_data["group"].toCapsule());
    return {reduce(g, grads[0], "allReduce (SyncBatchNorm backward)"), at::Tensor()};
  }
};

Napi::Value AllReduceSumDifferentiable(const Napi::CallbackInfo& info) {
  return guarded(info, "allReduceSumDifferentiable", [&]() -> Napi::Value {
    auto g = groupOf(info[0], "allReduceSumDifferentiable");
    at::Tensor& x = unwrapTensor(info[1], "allReduceSumDifferentiable");
    return wrapTensor(info.Env(), AllReduceSumFn::apply(x, g));
  });
}

// ---- the data-parallel gradient reducer ---------------------------------------------------

// Gradients of parameters that share a dtype go into flat buckets (the first small, so its
// all-reduce starts early; then ~25 MB), in reverse registration order, roughly the order
// backward produces them. With overlap on, a hook after each parameter's gradient accumulation
// copies it into its bucket, and a full bucket's all-reduce starts while backward goes on.
// Buckets start strictly in index order: Gloo matches collectives by issue order, so every
// rank must issue them in the same order. Each bucket ends with one flag per parameter (1 if
// it had a gradient on this rank): after the SUM a parameter unused on every rank keeps no
// gradient, as in a single process, while one used somewhere gets the average.
struct Bucket {
  std::vector<size_t> params;
  std::vector<int64_t> offsets;
  int64_t flagOffset = 0;
  at::Tensor flat;
  std::vector<at::Tensor> slots;  // views of flat shaped (and strided) like each parameter
  size_t pending = 0;
  bool launched = false;
  c10::intrusive_ptr<c10d::Work> work;
};

struct Reducer : std::enable_shared_from_this<Reducer> {
  c10::intrusive_ptr<Group> group;
  std::vector<at::Tensor> params;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators;
  std::vector<uintptr_t> hookKeys;
  std::vector<size_t> bucketOf, slotOf;
  std::vector<char> ready;
  std::vector<Bucket> buckets;
  size_t nextLaunch = 0;
  bool overlap = true;
  bool enabled = true;
  bool inFlight = false;
  // Steps reduced, and buckets whose all-reduce started during backward (overlap at work).
  int64_t steps = 0;
  int64_t launchedInBackward = 0;
  std::string error;
  std::mutex mu;

  void resetStep() {
    std::fill(ready.begin(), ready.end(), 0);
    for (auto& b : buckets) {
      b.pending = b.params.size();
      b.launched = false;
      b.work.reset();
    }
    nextLaunch = 0;
  }

  void fill(size_t i, bool zeroIfMissing) {
    Bucket& b = buckets[bucketOf[i]];
    size_t k = slotOf[i];
    const at::Tensor& grad = params[i].grad();
    if (grad.defined()) {
      b.slots[k].copy_(grad);
      b.flat.narrow(0, b.flagOffset + k, 1).fill_(1);
    } else if (zeroIfMissing) {
      b.slots[k].zero_();
      b.flat.narrow(0, b.flagOffset + k, 1).fill_(0);
    }
  }

  void launchReady() {
    while (nextLaunch < buckets.size() && buckets[nextLaunch].pending == 0) {
      Bucket& b = buckets[nextLaunch++];
      std::vector<at::Tensor> bufs{b.flat};
      b.work = group->pg->allreduce(bufs);
      b.launched = true;
    }
  }

  // Called by autograd right after parameter i's gradient was accumulated.
  // Errors are kept for synchronize() to report: throwing here would abort backward halfway.
  void markReady(size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    if (!enabled || !overlap || !error.empty()) return;
    if (inFlight) {
      error = "backward ran while the previous step's gradients were still being reduced (await synchronize() first)";
      return;
    }
    if (ready[i]) {
      error = "parameter " + std::to_string(i) + " " + describeTensor(params[i]) +
              " received a gradient twice in one step (one backward per step; accumulate inside noSync())";
      return;
    }
    try {
      at::NoGradGuard noGrad;
      ready[i] = 1;
      fill(i, true);
      Bucket& b = buckets[bucketOf[i]];
      if (--b.pending == 0) {
        group->check("allReduce of gradients");
        size_t before = nextLaunch;
        launchReady();
        launchedInBackward += static_cast<int64_t>(nextLaunch - before);
      }
    } catch (const std::exception& e) {
      error = messageOf(e);
    }
  }
};

class ReadyHook : public torch::autograd::FunctionPostHook {
 public:
  ReadyHook(std::weak_ptr<Reducer> reducer, size_t index) : reducer_(std::move(reducer)), index_(index) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list&) override {
    if (auto r = reducer_.lock()) r->markReady(index_);
    return outputs;
  }

 private:
  std::weak_ptr<Reducer> reducer_;
  size_t index_;
};

struct ReducerBox {
  std::shared_ptr<Reducer> reducer;
};

void removeHooks(Reducer& r) {
  for (size_t i = 0; i < r.accumulators.size(); ++i) r.accumulators[i]->del_post_hook(r.hookKeys[i]);
  r.accumulators.clear();
  r.hookKeys.clear();
}

std::shared_ptr<Reducer> reducerOf(const Napi::Value& v, const std::string& what) {
  auto* box = unwrapBox<ReducerBox>(v, kReducerTag, "gradient reducer", what);
  if (!box->reducer) throw Napi::Error::New(v.Env(), what + ": the reducer was destroyed");
  return box->reducer;
}

// reducerCreate(group, params, firstBucketBytes, bucketBytes, overlap) -> reducer
Napi::Value ReducerCreate(const Napi::CallbackInfo& info) {
  return guarded(info, "reducerCreate", [&]() -> Napi::Value {
    auto g = groupOf(info[0], "reducerCreate");
    auto params = tensorList(info[1], "reducerCreate");
    int64_t firstCap = info[2].As<Napi::Number>().Int64Value();
    int64_t cap = info[3].As<Napi::Number>().Int64Value();
    auto r = std::make_shared<Reducer>();
    r->group = g;
    r->params = params;
    r->overlap = info[4].ToBoolean();
    size_t n = params.size();
    r->bucketOf.assign(n, 0);
    r->slotOf.assign(n, 0);
    r->ready.assign(n, 0);
    for (size_t i = 0; i < n; ++i) {
      const at::Tensor& p = params[i];
      if (!p.requires_grad() || !p.is_leaf()) {
        throw Napi::Error::New(info.Env(), "reducerCreate: parameter " + std::to_string(i) + " " + describeTensor(p) +
                                               " is not a leaf that requires grad");
      }
    }
    // Open bucket per dtype/device; closed when it reaches its cap.
    std::map<std::string, size_t> open;
    std::vector<std::vector<size_t>> assignment;
    std::vector<int64_t> bytes;
    for (size_t k = n; k-- > 0;) {
      const at::Tensor& p = params[k];
      std::string key = dtypeName(p.scalar_type()) + "@" + p.device().str();
      auto it = open.find(key);
      if (it == open.end()) {
        it = open.emplace(key, assignment.size()).first;
        assignment.emplace_back();
        bytes.push_back(0);
      }
      size_t b = it->second;
      assignment[b].push_back(k);
      bytes[b] += static_cast<int64_t>(p.numel() * p.element_size());
      if (bytes[b] >= (b == 0 ? firstCap : cap)) open.erase(it);
    }
    for (auto& idx : assignment) {
      Bucket b;
      b.params = idx;
      int64_t total = 0;
      for (size_t k : idx) {
        b.offsets.push_back(total);
        total += params[k].numel();
      }
      b.flagOffset = total;
      const at::Tensor& first = params[idx[0]];
      b.flat = at::zeros({total + static_cast<int64_t>(idx.size())}, first.options().requires_grad(false));
      for (size_t s = 0; s < idx.size(); ++s) {
        const at::Tensor& p = params[idx[s]];
        // A dense layout (channels_last included) is kept, so filling a slot is a plain copy.
        if (p.unsafeGetTensorImpl()->is_non_overlapping_and_dense()) {
          b.slots.push_back(b.flat.as_strided(p.sizes(), p.strides(), b.flat.storage_offset() + b.offsets[s]));
        } else {
          b.slots.push_back(b.flat.narrow(0, b.offsets[s], p.numel()).view(p.sizes()));
        }
        r->bucketOf[idx[s]] = r->buckets.size();
        r->slotOf[idx[s]] = s;
      }
      r->buckets.push_back(std::move(b));
    }
    r->resetStep();
    if (r->overlap) {
      std::weak_ptr<Reducer> weak = r;
      for (size_t i = 0; i < n; ++i) {
        // Keeping the accumulator alive keeps its hook across steps (autograd holds it weakly).
        auto acc = torch::autograd::impl::grad_accumulator(params[i]);
        r->hookKeys.push_back(acc->add_post_hook(std::make_unique<ReadyHook>(weak, i)));
        r->accumulators.push_back(std::move(acc));
      }
    }
    auto ext = Napi::External<ReducerBox>::New(info.Env(), new ReducerBox{r}, [](Napi::Env, ReducerBox* b) {
      if (b->reducer) removeHooks(*b->reducer);
      delete b;
    });
    ext.TypeTag(&kReducerTag);
    return ext;
  });
}

// reducerBuckets(reducer) -> parameter indices of each bucket, in launch order.
Napi::Value ReducerBuckets(const Napi::CallbackInfo& info) {
  return guarded(info, "reducerBuckets", [&]() -> Napi::Value {
    auto r = reducerOf(info[0], "reducerBuckets");
    Napi::Array out = Napi::Array::New(info.Env(), r->buckets.size());
    for (size_t b = 0; b < r->buckets.size(); ++b) {
      Napi::Array a = Napi::Array::New(info.Env(), r->buckets[b].params.size());
      for (size_t s = 0; s < r->buckets[b].params.size(); ++s) a.Set(static_cast<uint32_t>(s), static_cast<double>(r->buckets[b].params[s]));
      out.Set(static_cast<uint32_t>(b), a);
    }
    return out;
  });
}

Napi::Value ReducerStats(const Napi::CallbackInfo& info) {
  return guarded(info, "reducerStats", [&]() -> Napi::Value {
    auto r = reducerOf(info[0], "reducerStats");
    std::lock_guard<std::mutex> lock(r->mu);
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("steps", static_cast<double>(r->steps));
    o.Set("bucketsStartedInBackward", static_cast<double>(r->launchedInBackward));
    return o;
  });
}

// reducerSetEnabled(reducer, enabled): off while gradients accumulate over several backwards.
Napi::Value ReducerSetEnabled(const Napi::CallbackInfo& info) {
  return guarded(info, "reducerSetEnabled", [&]() -> Napi::Value {
    auto r = reducerOf(info[0], "reducerSetEnabled");
    std::lock_guard<std::mutex> lock(r->mu);
    if (r->inFlight) throw Napi::Error::New(info.Env(), "DistributedDataParallel: noSync() while gradients are being reduced (await synchronize() first)");
    r->enabled = info[1].ToBoolean();
    r->resetStep();
    return info.Env().Undefined();
  });
}

// reducerFinish(reducer) -> Promise: starts the buckets backward did not fill (all of them
// without overlap), waits for every all-reduce, then writes the averages into the gradients.
Napi::Value ReducerFinish(const Napi::CallbackInfo& info) {
  return guarded(info, "reducerFinish", [&]() -> Napi::Value {
    auto r = reducerOf(info[0], "reducerFinish");
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    {
      std::lock_guard<std::mutex> lock(r->mu);
      r->group->check("allReduce of gradients");
      if (r->inFlight) throw Napi::Error::New(info.Env(), "DistributedDataParallel: synchronize() called again before the previous one finished");
      std::string error = r->error;
      r->error.clear();
      if (!error.empty()) {
        r->resetStep();
        throw Napi::Error::New(info.Env(), "DistributedDataParallel: " + error);
      }
      if (!r->enabled) throw Napi::Error::New(info.Env(), "DistributedDataParallel: synchronize() inside noSync()");
      at::NoGradGuard noGrad;
      for (size_t b = r->nextLaunch; b < r->buckets.size(); ++b) {
        Bucket& bucket = r->buckets[b];
        for (size_t k : bucket.params) {
          if (!r->ready[k]) {
            r->fill(k, true);
            r->ready[k] = 1;
          }
        }
        bucket.pending = 0;
      }
      r->launchReady();
      for (auto& b : r->buckets) works.push_back(b.work);
      r->inFlight = true;
    }
    std::shared_ptr<Reducer> keep = r;
    auto promise = waitWorks(info.Env(), r->group, "allReduce of gradients", works, [keep]() {
      std::lock_guard<std::mutex> lock(keep->mu);
      double size = static_cast<double>(keep->group->size);
      for (auto& b : keep->buckets) {
        b.flat.div_(size);
        at::Tensor flags = b.flat.narrow(0, b.flagOffset, static_cast<int64_t>(b.params.size())).to(at::kFloat).contiguous();
        const float* used = flags.data_ptr<float>();
        for (size_t s = 0; s < b.params.size(); ++s) {
          at::Tensor& p = keep->params[b.params[s]];
          if (p.grad().defined()) {
            p.mutable_grad().copy_(b.slots[s]);
          } else if (used[s] > 0) {
            p.mutable_grad() = b.slots[s].clone(at::MemoryFormat::Preserve);
          }
        }
      }
      keep->inFlight = false;
      keep->steps++;
      keep->resetStep();
    });
    // A failed reduction leaves inFlight set; the group is broken then, and later calls report
    // its failure first.
    return promise;
  });
}

Napi::Value ReducerDestroy(const Napi::CallbackInfo& info) {
  return guarded(info, "reducerDestroy", [&]() -> Napi::Value {
    auto* box = unwrapBox<ReducerBox>(info[0], kReducerTag, "gradient reducer", "reducerDestroy");
    if (box->reducer) {
      removeHooks(*box->reducer);
      box->reducer.reset();
    }
    return info.Env().Undefined();
  });
}

}  // namespace

void registerDistributedFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("distributedAvailable", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Boolean::New(info.Env(), true);
  }));
  exports.Set("distributedUnavailable", Napi::String::New(env, kNoGloo));
  Napi::Array backends = Napi::Array::New(env);
  backends.Set(0u, "gloo");
#ifdef USE_C10D_NCCL
  backends.Set(1u, "nccl");
#endif
  exports.Set("distributedBackends", backends);
  exports.Set("storeCreate", Napi::Function::New(env, StoreCreate));
  exports.Set("storePort", Napi::Function::New(env, StorePort));
  exports.Set("storeClose", Napi::Function::New(env, StoreClose));
  exports.Set("groupCreate", Napi::Function::New(env, GroupCreate));
  exports.Set("groupDestroy", Napi::Function::New(env, GroupDestroy));
  exports.Set("allReduce", Napi::Function::New(env, AllReduce));
  exports.Set("broadcast", Napi::Function::New(env, Broadcast));
  exports.Set("barrier", Napi::Function::New(env, Barrier));
  exports.Set("allReduceSumDifferentiable", Napi::Function::New(env, AllReduceSumDifferentiable));
  exports.Set("reducerCreate", Napi::Function::New(env, ReducerCreate));
  exports.Set("reducerBuckets", Napi::Function::New(env, ReducerBuckets));
  exports.Set("reducerStats", Napi::Function::New(env, ReducerStats));
  exports.Set("reducerSetEnabled", Napi::Function::New(env, ReducerSetEnabled));
  exports.Set("reducerFinish", Napi::Function::New(env, ReducerFinish));
  exports.Set("reducerDestroy", Napi::Function::New(env, ReducerDestroy));
}

}  // namespace pw

#else  // no Gloo: the same functions, each failing with the one line that says what to install.

namespace pw {

void registerDistributedFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("distributedAvailable", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Boolean::New(info.Env(), false);
  }));
  exports.Set("distributedUnavailable", Napi::String::New(env, kNoGloo));
  exports.Set("distributedBackends", Napi::Array::New(env));
  for (const char* name : {"storeCreate", "storePort", "storeClose", "groupCreate", "groupDestroy", "allReduce", "broadcast",
                           "barrier", "allReduceSumDifferentiable", "reducerCreate", "reducerBuckets", "reducerStats", "reducerSetEnabled",
                           "reducerFinish", "reducerDestroy"}) {
    exports.Set(name, Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
      throw Napi::Error::New(info.Env(), kNoGloo);
    }));
  }
}

}  // namespace pw

#endif
