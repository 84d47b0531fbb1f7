// Per-dispatch parameters.
//
// Integer parameters (sizes, strides, offsets) go into uniform buffers cached by their content: the same
// call shapes give the same buffer (and so the same bind group). The cache is an LRU of at most
// MAX_UNIFORMS entries; an evicted buffer is destroyed only after the next submit, since unsubmitted work
// may still bind it.
//
// Float constants that may change on every call (fill value, unary a / b, SGD lr / momentum / weight
// decay, axpby alpha / beta) instead go into a ScalarRing: one uniform buffer of slots bound with a
// dynamic offset. Each dispatch takes the next slot of the current command buffer; the CPU copy of the
// used slots is uploaded with one queue.writeBuffer right before the submit (writeBuffer is ordered
// before that submit, and after all earlier submits, so slots can be reused by the next command
// buffer). A full ring forces a submit. No buffer or bind group depends on the values.
const MAX_UNIFORMS = 4096;

export interface UniformEntry { id: number; buffer: GPUBuffer }

export class UniformCache {
  private map = new Map<string, UniformEntry>();
  private retired: GPUBuffer[] = [];
  private nextId = 1;

  constructor(private device: GPUDevice, private create: (d: GPUBufferDescriptor) => GPUBuffer) {}

  get(words: Uint32Array): UniformEntry {
    const key = words.join(',');
    let e = this.map.get(key);
    if (e) {
      // LRU: move to the newest end
      this.map.delete(key);
      this.map.set(key, e);
      return e;
    }
    const size = Math.max(16, Math.ceil(words.byteLength / 16) * 16);
    const buffer = this.create({ size, usage: 0x40 | 0x8, label: 'params' });
    const data = new Uint32Array(size / 4);
    data.set(words);
    this.device.queue.writeBuffer(buffer, 0, data);
    e = { id: this.nextId++, buffer };
    this.map.set(key, e);
    if (this.map.size > MAX_UNIFORMS) {
      const oldest = this.map.keys().next().value as string;
      this.retired.push(this.map.get(oldest)!.buffer);
      this.map.delete(oldest);
    }
    return e;
  }

  /** After a submit: buffers evicted before it can go. */
  afterSubmit(): void {
    for (const b of this.retired) b.destroy();
    this.retired.length = 0;
  }

  destroy(): void {
    for (const e of this.map.values()) e.buffer.destroy();
    this.map.clear();
    this.afterSubmit();
  }
}

export class ScalarRing {
  readonly slotBytes: number;
  readonly bindSize = 16;
  readonly slots: number;
  readonly buffer: GPUBuffer;
  private cpu: ArrayBuffer;
  private u32: Uint32Array;
  private used = 0;

  constructor(device: GPUDevice, create: (d: GPUBufferDescriptor) => GPUBuffer, align: number, slots = 2048) {
    this.slotBytes = Math.max(16, align);
    this.slots = slots;
    this.buffer = create({ size: this.slotBytes * slots, usage: 0x40 | 0x8, label: 'scalars' });
    this.cpu = new ArrayBuffer(this.slotBytes * slots);
    this.u32 = new Uint32Array(this.cpu);
  }

  get full(): boolean { return this.used >= this.slots; }
  get pending(): number { return this.used; }

  /** Stores up to 4 values (their bits) in the next slot; returns its byte offset. Check `full` first. */
  push(bits: Uint32Array): number {
    const off = this.used * this.slotBytes;
    this.u32.set(bits.subarray(0, 4), off / 4);
    this.used++;
    return off;
  }

  upload(queue: GPUQueue): void {
    if (this.used === 0) return;
    queue.writeBuffer(this.buffer, 0, this.cpu, 0, this.used * this.slotBytes);
    this.used = 0;
  }
}
