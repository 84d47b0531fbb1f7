// The peers we measure against in the same run: TensorFlow.js on its WASM backend (XNNPACK) and on its
// WebGPU backend over the same Dawn adapter. Dev dependencies of the benchmarks only.
import { createRequire } from 'node:module';
import path from 'node:path';

export type TF = typeof import('@tensorflow/tfjs-core');

export async function loadTfjs(backend: 'wasm' | 'webgpu', gpu: GPU | null): Promise<TF | null> {
  const tf = await import('@tensorflow/tfjs-core');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
  } else {
    if (!gpu) return null;
    (globalThis as { navigator?: unknown }).navigator = { gpu, userAgent: 'node' };
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  if (!(await tf.setBackend(backend))) return null;
  await tf.ready();
  return tf;
}
