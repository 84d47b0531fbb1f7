// The Node entry: the whole engine API plus `initNode`, which finds Dawn's WebGPU (npm `webgpu`) and
// the worker-thread WASM backend. Node-only; browsers use engine/index.ts.
import { init, type InitOptions } from './init';
import type { Engine } from './engine';
import { nodeGPU } from './webgpu/node';

export * from './index';

/** init() for Node: WebGPU through Dawn when an adapter exists, else WASM (see init for 'auto'). */
export async function initNode(opts: Omit<InitOptions, 'gpu'> = {}): Promise<Engine> {
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  let gpu: GPU | null = null;
  if (opts.backend !== 'wasm') {
    try {
      gpu = await nodeGPU({ profiling: opts.profiling });
    } catch (err) {
      if (opts.backend === 'webgpu') throw new Error(`initNode: Dawn (npm 'webgpu') could not start: ${(err as Error).message}`);
    }
  }
  return init({ ...opts, gpu });
}
