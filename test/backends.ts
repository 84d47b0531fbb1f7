// The real backends every test body runs on. In CI a missing WebGPU adapter is a failure; on a
// machine without one the WebGPU suites are skipped with a message saying how to get one.
import { init } from '../engine/init';
import type { Engine } from '../engine/engine';
import { nodeGPU } from '../engine/webgpu/node';

export type BackendName = 'wasm' | 'webgpu';
export const BACKENDS: BackendName[] = ['wasm', 'webgpu'];

let gpuProbe: Promise<GPU | null> | null = null;

/** Dawn's GPU if an adapter exists here, else null (or a thrown error in CI). */
export function gpuOrNull(): Promise<GPU | null> {
  gpuProbe ??= (async () => {
    process.env.XDG_RUNTIME_DIR ??= '/tmp';
    try {
      const gpu = await nodeGPU();
      if (await gpu.requestAdapter()) return gpu;
    } catch { /* reported below */ }
    const msg = 'no WebGPU adapter: install Mesa lavapipe >= 24 (sudo scripts/install-lavapipe.sh) or run on a machine with a GPU';
    if (process.env.CI) throw new Error(`CI: ${msg}`);
    console.warn(`skipping WebGPU tests: ${msg}`);
    return null;
  })();
  return gpuProbe;
}

/** Starts an engine on the named backend; null if that backend is unavailable here (never in CI). */
export async function startEngine(name: BackendName, opts: { profiling?: boolean; threads?: number } = {}): Promise<Engine | null> {
  if (name === 'wasm') return init({ backend: 'wasm', log: null, threads: opts.threads });
  const gpu = await gpuOrNull();
  return gpu ? init({ backend: 'webgpu', gpu, log: null, profiling: opts.profiling }) : null;
}

/** Whether a backend can run here (decided once, at import; in CI a missing adapter throws instead). */
const haveGPU = (await gpuOrNull()) !== null;
export const unavailable = (name: BackendName): boolean => name === 'webgpu' && !haveGPU;
