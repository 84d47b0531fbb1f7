// The only file of the engine that touches Node: Dawn's WebGPU bindings (npm `webgpu`).
// Everything else takes a `GPU` (navigator.gpu in a browser, this in Node).
import { create, globals } from 'webgpu';

/**
 * One Dawn instance per option set, held for the life of the process: Dawn processes its events on the
 * instance, so an instance whose JS object was garbage-collected while a device still lives crashes
 * the process (a use-after-free inside Dawn's event processing).
 */
const instances = new Map<string, GPU>();

/**
 * A `GPU` object from Dawn for Node. `profiling` turns off Dawn's timestamp quantization so that
 * GPU timestamps are exact. Sets XDG_RUNTIME_DIR when unset, which keeps Mesa quiet.
 */
export async function nodeGPU(opts: { profiling?: boolean } = {}): Promise<GPU> {
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
  const flags = opts.profiling ? ['disable-dawn-features=timestamp_quantization'] : [];
  const key = flags.join(' ');
  let gpu = instances.get(key);
  if (!gpu) {
    if (instances.size === 0) Object.assign(globalThis, globals);
    gpu = create(flags) as unknown as GPU;
    instances.set(key, gpu);
  }
  return gpu;
}
