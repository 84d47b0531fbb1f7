// Asynchronous readback: copy into a MAP_READ staging buffer (pooled by size class), submit, mapAsync,
// copy out, unmap, return the staging buffer to its pool.
import { sizeClass } from './buffer-pool';
import { MAP_READ, USAGE } from './constants';
import type { Dispatcher } from './encoder';

export class Readback {
  private free = new Map<number, GPUBuffer[]>();
  private all: GPUBuffer[] = [];

  constructor(private create: (d: GPUBufferDescriptor) => GPUBuffer) {}

  async read(dispatcher: Dispatcher, src: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const size = sizeClass(bytes, Infinity);
    let staging = this.free.get(size)?.pop();
    if (!staging) {
      staging = this.create({ size, usage: USAGE.MAP_READ | USAGE.COPY_DST, label: `readback ${size}` });
      this.all.push(staging);
    }
    const n = Math.ceil(bytes / 4) * 4;
    if (n > 0) dispatcher.copyEncoder().copyBufferToBuffer(src, 0, staging, 0, n);
    dispatcher.submit();
    try {
      await staging.mapAsync(MAP_READ, 0, n);
      const out = staging.getMappedRange(0, n).slice(0);
      staging.unmap();
      return out;
    } finally {
      let stack = this.free.get(size);
      if (!stack) { stack = []; this.free.set(size, stack); }
      stack.push(staging);
    }
  }

  destroy(): void {
    for (const b of this.all) b.destroy();
    this.all = [];
    this.free.clear();
  }
}
