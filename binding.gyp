{
  "targets": [
    {
      "target_name": "pixelwise",
      "sources": ["native/addon.cc", "native/memory.cc", "native/handles.cc", "native/tensor.cc", "native/dispatch.cc", "native/autograd.cc", "native/autocast.cc", "native/cpu.cc", "native/interrupt.cc", "native/distributed.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/find-libtorch.mjs include)"
      ],
      "libraries": [
        "-L<!(node scripts/find-libtorch.mjs libdir)",
        "-Wl,-rpath,<!(node scripts/find-libtorch.mjs libdir)",
        "-ltorch", "-ltorch_cpu", "-lc10", "-ldl"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "<!@(node scripts/find-libtorch.mjs cflags)"],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "<!@(node scripts/find-gloo.mjs defines)"]
    }
  ]
}
