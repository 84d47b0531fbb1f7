// Bind groups cached by layout + parameter buffer + physical storage buffers (an LRU of at most
// MAX_BIND_GROUPS). Keys use the pool's physical buffer ids, not the DeviceBuffer handles, so a step
// that allocates and frees the same way every time hits the cache.
import type { PhysBuffer } from './buffer-pool';
import type { Pipe } from './pipelines';
import type { ScalarRing, UniformEntry } from './uniforms';

const MAX_BIND_GROUPS = 8192;

export class BindGroupCache {
  created = 0;
  private map = new Map<string, GPUBindGroup>();

  constructor(private device: GPUDevice, private maxBinding: number) {}

  get(pipe: Pipe, params: UniformEntry, ring: ScalarRing | null, buffers: readonly PhysBuffer[]): GPUBindGroup {
    let key = `${pipe.layoutId}|${params.id}`;
    for (const b of buffers) key += `,${b.id}`;
    let bg = this.map.get(key);
    if (bg) {
      this.map.delete(key);
      this.map.set(key, bg);
      return bg;
    }
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: params.buffer } }];
    let binding = 1;
    if (ring) entries.push({ binding: binding++, resource: { buffer: ring.buffer, offset: 0, size: ring.bindSize } });
    for (const b of buffers) {
      if (b.size > this.maxBinding) {
        // binding a prefix would make the kernel read zeros past it: refuse instead of computing garbage
        throw new Error(`webgpu: ${pipe.name}: a ${(b.size / 2 ** 20).toFixed(0)} MiB tensor exceeds this adapter's ` +
          `maxStorageBufferBindingSize (${(this.maxBinding / 2 ** 20).toFixed(0)} MiB); use smaller tensors (e.g. a smaller ` +
          "batch or class count, or FFC instead of an FC head) or the WASM backend");
      }
      entries.push({ binding: binding++, resource: { buffer: b.buffer, offset: 0, size: b.size } });
    }
    bg = this.device.createBindGroup({ layout: pipe.bgl, entries, label: pipe.name });
    this.created++;
    this.map.set(key, bg);
    if (this.map.size > MAX_BIND_GROUPS) this.map.delete(this.map.keys().next().value as string);
    return bg;
  }

  clear(): void { this.map.clear(); }
}
