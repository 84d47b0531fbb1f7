// Starting the engine on a backend: 'webgpu', 'wasm', or 'auto' (WebGPU on a hardware adapter, WASM
// otherwise — a software adapter such as lavapipe or SwiftShader is far slower than the WASM backend,
// so it is used only when asked for). Says in one line what it chose and why.
import type { Backend } from './kernels';
import { Engine, setEngine } from './engine';

// Loaded on demand, so that a page or process pays only for the backend it uses.
const createWebGPUBackend = async (gpu: GPU, opts: { profiling?: boolean }) =>
  (await import('./webgpu/backend')).createWebGPUBackend(gpu, opts);
const createWasmBackend = async (opts: { threads?: number }) =>
  (await import('./wasm/backend')).createWasmBackend(opts);

export type BackendChoice = 'webgpu' | 'wasm' | 'auto';

export interface InitOptions {
  backend?: BackendChoice;
  /** The WebGPU entry point; defaults to `navigator.gpu` (the Node entry passes Dawn's). */
  gpu?: GPU | null;
  /** WASM worker threads (default: the machine's cores). */
  threads?: number;
  /** Record GPU timestamps for `profile()` (WebGPU needs the 'timestamp-query' feature). */
  profiling?: boolean;
  /** Where the one-line backend report goes (default console.log; null for silence). */
  log?: ((line: string) => void) | null;
}

/** Makes an engine around an existing backend and makes it current (tests, custom backends). */
export function useBackend(backend: Backend): Engine {
  const e = new Engine(backend);
  setEngine(e);
  return e;
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|softpipe/i;

async function hardwareAdapter(gpu: GPU): Promise<{ ok: boolean; why: string }> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { ok: false, why: 'no WebGPU adapter was found' };
  const info = adapter.info;
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const fallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter || (info as any).isFallbackAdapter;
  if (fallback || SOFTWARE.test(name)) {
    return { ok: false, why: `the WebGPU adapter (${name || 'unnamed'}) is a software renderer, slower than WASM here; pass backend 'webgpu' to use it anyway` };
  }
  return { ok: true, why: `hardware adapter ${name || '(unnamed)'}` };
}

export async function init(opts: InitOptions = {}): Promise<Engine> {
  const choice = opts.backend ?? 'auto';
  if (!['webgpu', 'wasm', 'auto'].includes(choice)) {
    throw new Error(`init: backend must be 'webgpu', 'wasm' or 'auto', not '${choice}'`);
  }
  const gpu = opts.gpu === undefined ? (globalThis.navigator as Navigator | undefined)?.gpu ?? null : opts.gpu;
  const log = opts.log === undefined ? (line: string) => console.log(line) : opts.log;
  let backend: Backend;
  let why: string;
  if (choice === 'webgpu') {
    if (!gpu) {
      throw new Error("init: backend 'webgpu' was asked for but WebGPU is not available here. In a browser, use one with " +
        "WebGPU enabled; in Node, use the Node entry (initNode); on Linux without a GPU install Mesa lavapipe >= 24 " +
        "(scripts/install-lavapipe.sh). Or use backend 'wasm'.");
    }
    backend = await createWebGPUBackend(gpu, { profiling: opts.profiling });
    why = 'asked for';
  } else if (choice === 'wasm') {
    backend = await createWasmBackend({ threads: opts.threads });
    why = 'asked for';
  } else {
    const hw = gpu ? await hardwareAdapter(gpu) : { ok: false, why: 'WebGPU is not available' };
    backend = hw.ok ? await createWebGPUBackend(gpu!, { profiling: opts.profiling }) : await createWasmBackend({ threads: opts.threads });
    why = hw.why;
  }
  log?.(`ffc-webgpu: using ${backend.description} (${why})`);
  return useBackend(backend);
}
