// Size-class pooling of GPUBuffers.
//
// Classes: multiples of 16 bytes, at least 256, otherwise the next of 2^k x {1, 1.25, 1.5, 1.75} (at most
// 25 % slack), capped at maxStorageBufferBindingSize so every pooled buffer can be bound whole. Each
// class hands out its free buffer with the lowest id: then which physical buffer an allocation gets
// depends only on the *set* of free buffers, not on the order they were freed in, so a repeated step
// gets the same physical buffers every time (a LIFO stack would permute them from step to step and
// keep creating bind groups).
//
// Reuse is immediate: a buffer freed while unsubmitted work still reads it can be handed out again at
// once, because (1) kernels that write it are encoded after that work in the same queue order, and
// (2) Backend.write submits pending work before queue.writeBuffer (which would otherwise run before the
// unsubmitted dispatches), see backend.ts. Buffers are only destroyed by trim() / destroy(), called when
// nothing is pending.
import type { DeviceBuffer } from '../kernels';
import { USAGE } from './constants';

export class PhysBuffer {
  constructor(readonly id: number, readonly buffer: GPUBuffer, readonly size: number) {}
}

export class GPUDeviceBuffer implements DeviceBuffer {
  freed = false;
  constructor(readonly id: number, readonly bytes: number, readonly phys: PhysBuffer) {}
}

export interface PoolCounters {
  bytesAllocated: number;
  bytesInUse: number;
  buffersCreated: number;
  buffersInUse: number;
}

export function sizeClass(bytes: number, cap: number): number {
  const b = Math.max(256, Math.ceil(bytes / 16) * 16);
  const p = 2 ** Math.floor(Math.log2(b));
  let c = p;
  for (const f of [1, 1.25, 1.5, 1.75, 2]) { c = p * f; if (c >= b) break; }
  c = Math.ceil(c / 16) * 16;
  if (b <= cap && c > cap) c = Math.max(b, cap);
  return c;
}

export class BufferPool {
  readonly counters: PoolCounters = { bytesAllocated: 0, bytesInUse: 0, buffersCreated: 0, buffersInUse: 0 };
  private free = new Map<number, PhysBuffer[]>();
  private nextPhys = 1;
  private nextHandle = 1;
  private all = new Set<PhysBuffer>();

  constructor(private device: GPUDevice, private maxBinding: number) {}

  /** Creates a GPUBuffer and counts it (used for every buffer the backend makes). */
  createBuffer(desc: GPUBufferDescriptor): GPUBuffer {
    this.counters.buffersCreated++;
    return this.device.createBuffer(desc);
  }

  acquire(bytes: number): PhysBuffer {
    const size = sizeClass(bytes, this.maxBinding);
    if (size > this.device.limits.maxBufferSize) {
      throw new Error(`webgpu: a ${(bytes / 2 ** 20).toFixed(0)} MiB tensor exceeds this adapter's maxBufferSize ` +
        `(${(this.device.limits.maxBufferSize / 2 ** 20).toFixed(0)} MiB); use smaller tensors or the WASM backend`);
    }
    const stack = this.free.get(size);
    let p = stack?.pop(); // sorted by descending id: the last is the lowest
    if (!p) {
      const buffer = this.createBuffer({
        size, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST, label: `pool ${size}`,
      });
      p = new PhysBuffer(this.nextPhys++, buffer, size);
      this.all.add(p);
      this.counters.bytesAllocated += size;
    }
    this.counters.bytesInUse += size;
    this.counters.buffersInUse++;
    return p;
  }

  release(p: PhysBuffer): void {
    this.counters.bytesInUse -= p.size;
    this.counters.buffersInUse--;
    let stack = this.free.get(p.size);
    if (!stack) { stack = []; this.free.set(p.size, stack); }
    // insert keeping descending id order (binary search)
    let lo = 0, hi = stack.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (stack[mid].id > p.id) lo = mid + 1; else hi = mid; }
    stack.splice(lo, 0, p);
  }

  alloc(bytes: number): GPUDeviceBuffer {
    if (!(bytes >= 0)) throw new Error(`webgpu: bad allocation size ${bytes}`);
    return new GPUDeviceBuffer(this.nextHandle++, bytes, this.acquire(bytes));
  }

  freeBuffer(buf: DeviceBuffer): void {
    const b = buf as GPUDeviceBuffer;
    if (!(b instanceof GPUDeviceBuffer)) throw new Error('webgpu: free() of a buffer from another backend');
    if (b.freed) throw new Error(`webgpu: buffer ${b.id} freed twice`);
    b.freed = true;
    this.release(b.phys);
  }

  /** Destroys pooled (free) buffers. Call only with no unsubmitted work. */
  trim(): void {
    for (const stack of this.free.values()) {
      for (const p of stack) { p.buffer.destroy(); this.all.delete(p); this.counters.bytesAllocated -= p.size; }
    }
    this.free.clear();
  }

  destroy(): void {
    for (const p of this.all) p.buffer.destroy();
    this.all.clear();
    this.free.clear();
    this.counters.bytesAllocated = 0;
    this.counters.bytesInUse = 0;
    this.counters.buffersInUse = 0;
  }
}
