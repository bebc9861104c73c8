// Distributed training (c10d stores, Gloo process groups, collectives, the DDP reducer).
#pragma once
#include "common.h"

namespace pw {
// Registers the distributed functions; without USE_C10D_GLOO they exist and fail with one line.
void registerDistributedFunctions(Napi::Env env, Napi::Object exports);
}  // namespace pw
