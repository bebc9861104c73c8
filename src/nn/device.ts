// Which devices this libtorch can run on, checked before anything is moved there: on a
// CPU-only build '--device cuda' is one line saying so, not libtorch's dump of the failed op.
import { cudaAvailable, type Device } from '../torch/index.js';

/** Throws a one-line error unless `device` is 'cpu', 'meta', or a CUDA device this libtorch has; returns it. */
export function checkDevice(device: Device, what = 'device'): Device {
  if (device === 'cpu' || device === 'meta') return device;
  if (/^cuda(:\d+)?$/.test(device)) {
    if (!cudaAvailable()) {
      throw new Error(`${what} '${device}': this libtorch was built without CUDA (CPU only); use 'cpu', or build pixelwise against a CUDA libtorch (LIBTORCH=...)`);
    }
    return device;
  }
  throw new Error(`${what} '${device}': expected cpu, cuda or cuda:N`);
}
