// WebAssembly backend: AssemblyScript kernels (SIMD) over one shared WebAssembly.Memory, run on the
// calling thread plus T-1 worker threads. `run` is synchronous: the caller writes the argument block,
// wakes the workers, does part 0 itself and waits for the others (Atomics.wait).
import { foldDims } from '../shape';
import {
  type Backend, type BackendStats, type DeviceBuffer, type DType, type KernelArgs, type KernelName,
  type ProfileRecord, type TypedArray, KERNEL_NAMES, UNARY_OPS, BINARY_OPS, kernelCost,
} from '../kernels';
import { KERNELS_THREADED_WASM, KERNELS_SINGLE_WASM } from './build/kernels-wasm';
import {
  type ThreadPlatform, type WorkerHandle, browserPlatform, WORKER_SOURCE,
  CTL_SEQ, CTL_KID, CTL_PARTS, CTL_ARGS, CTL_DONE, CTL_WSLEEP, CTL_MSLEEP, CTL_INTS,
} from './threads';

export interface WasmBackendOptions {
  /** Kernel threads including the calling one; default: logical CPUs (at most 16). 1 = no workers. */
  threads?: number;
}

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB
const INITIAL_PAGES = 1024; // what the module declares
const ARG_SLOTS = 64;
const SLOT_SCRATCH = 62;
const SLOT_SCRATCH_BYTES = 63;
const WORKER_SPIN = 20000;
const MAIN_SPIN = 200000;
/** Rows per block of the per-channel sums (engine/wasm/assembly/channel.ts BLOCK). */
const CHANNEL_BLOCK = 256;

const KID = new Map<KernelName, number>(KERNEL_NAMES.map((k, i) => [k, i]));
const UNARY_ID = new Map<string, number>(UNARY_OPS.map((k, i) => [k, i]));
const BINARY_ID = new Map<string, number>(BINARY_OPS.map((k, i) => [k, i]));
const REDUCE_ID: Record<string, number> = { sum: 0, max: 1, min: 2 };
const DTYPE_ID: Record<DType, number> = { f32: 0, i32: 1, u32: 2 };

class WasmBuffer implements DeviceBuffer {
  freed = false;
  constructor(readonly id: number, readonly bytes: number, readonly ptr: number, readonly cap: number) {}
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Size class: multiples of 16 up to 256 bytes, then 8 classes per power of two (<= 12.5% waste). */
function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (b <= 256) return b;
  const step = 2 ** (Math.floor(Math.log2(b)) - 3);
  return Math.ceil(b / step) * step;
}

const isNode = () => typeof process !== 'undefined' && !!process.versions?.node;

/** Folds a strided index space (engine/shape.ts) and pads it to the kernels' fixed rank 6. */
function fold(shape: number[], strides: number[][]): { dims: number[]; str: number[][] } {
  const { shape: dims, strides: str } = foldDims(shape, strides);
  if (dims.length === 0) { dims.push(1); str.forEach((s) => s.push(0)); }
  if (dims.length > 6) throw new Error('wasm: rank > 6 after folding');
  while (dims.length < 6) { dims.unshift(1); str.forEach((s) => s.unshift(0)); }
  return { dims, str };
}

function contiguousStrides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]; }
  return s;
}

class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  readonly description: string;
  private memory: WebAssembly.Memory;
  private runKernel: (kid: number, args: number, part: number, parts: number) => void;
  private u8!: Uint8Array;
  private argv!: Float64Array;
  private ctl!: Int32Array;
  private readonly ctlPtr: number;
  private readonly argsPtr: number;
  private heapTop: number;
  private freeLists = new Map<number, number[]>();
  private extents: { ptr: number; size: number }[] = [];
  private nextId = 1;
  private counters = { bytesAllocated: 0, bytesInUse: 0, buffersCreated: 0, buffersInUse: 0, dispatches: 0 };
  private profiling = false;
  private profileStart = 0;
  private records: ProfileRecord[] = [];
  private workerError: string | null = null;
  private destroyed = false;
  /** Atomics.wait is refused on a browser window's main thread: spin there instead. */
  private readonly canWait = isNode() || typeof (globalThis as any).WorkerGlobalScope !== 'undefined';

  constructor(
    memory: WebAssembly.Memory, instance: WebAssembly.Instance, private readonly threads: number,
    private readonly workers: WorkerHandle[], layout: { ctl: number; args: number; heap: number }, description: string,
    private readonly scratchBytes: number,
  ) {
    this.memory = memory;
    this.runKernel = instance.exports.run as (kid: number, args: number, part: number, parts: number) => void;
    this.ctlPtr = layout.ctl;
    this.argsPtr = layout.args;
    this.heapTop = layout.heap;
    this.description = description;
    this.refreshViews();
  }

  setWorkerError(e: string) { this.workerError = e; }

  private refreshViews() {
    const buf = this.memory.buffer;
    this.u8 = new Uint8Array(buf);
    this.argv = new Float64Array(buf, this.argsPtr, ARG_SLOTS);
    this.ctl = new Int32Array(buf, this.ctlPtr, CTL_INTS);
  }

  private checkViews() {
    if (this.u8.byteLength !== this.memory.buffer.byteLength) this.refreshViews();
  }

  // ------------------------------------------------------------ memory
  // Freed blocks go to exact size-class lists, so a training step (same sizes every time) reuses them
  // at once. When the heap cannot grow, every free block is merged with its free neighbours into
  // extents (the one at the top of the heap is given back), which later allocations of any size are cut
  // from — so a process that changes shapes (train, then evaluate) is not stranded by old size classes.
  alloc(bytes: number): DeviceBuffer {
    if (this.destroyed) throw new Error('wasm backend destroyed');
    const cap = sizeClass(Math.max(4, bytes));
    const ptr = this.reuse(cap) ?? this.carve(cap) ?? (this.coalesce(), this.reuse(cap) ?? this.carve(cap));
    if (ptr === null) {
      throw new Error(`wasm: out of memory allocating ${bytes} bytes: ${(this.counters.bytesInUse / 2 ** 20).toFixed(0)} MiB are in use ` +
        'of the 4 GiB a wasm32 memory can hold. Use a smaller batch or input size, or the WebGPU backend.');
    }
    this.counters.buffersInUse++;
    this.counters.bytesInUse += bytes;
    return new WasmBuffer(this.nextId++, bytes, ptr, cap);
  }

  /** A freed block of exactly this class, or a piece of a merged extent. */
  private reuse(cap: number): number | null {
    const list = this.freeLists.get(cap);
    if (list && list.length > 0) return list.pop()!;
    const i = this.extents.findIndex((e) => e.size >= cap);
    if (i < 0) return null;
    const e = this.extents[i];
    const ptr = e.ptr;
    if (e.size === cap) this.extents.splice(i, 1);
    else { e.ptr += cap; e.size -= cap; }
    this.counters.buffersCreated++;
    return ptr;
  }

  /** A new block from the top of the heap, growing the memory when needed; null when it cannot grow. */
  private carve(cap: number): number | null {
    const ptr = this.heapTop, end = ptr + cap;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const need = Math.ceil((end - have) / PAGE);
      const cur = have / PAGE;
      if (cur + need > MAX_PAGES) return null;
      this.memory.grow(Math.min(MAX_PAGES - cur, Math.max(need, Math.ceil(cur / 8))));
      this.refreshViews();
    }
    this.heapTop = end;
    this.counters.buffersCreated++;
    this.counters.bytesAllocated += cap;
    return ptr;
  }

  /** Merges all free blocks into extents of neighbouring free memory; gives the topmost back to the heap. */
  private coalesce(): void {
    const blocks = [...this.extents.map((e) => [e.ptr, e.size]),
      ...[...this.freeLists].flatMap(([cap, ptrs]) => ptrs.map((p) => [p, cap]))].sort((a, b) => a[0] - b[0]);
    this.freeLists.clear();
    const merged: { ptr: number; size: number }[] = [];
    for (const [ptr, size] of blocks) {
      const last = merged[merged.length - 1];
      if (last && last.ptr + last.size === ptr) last.size += size;
      else merged.push({ ptr, size });
    }
    const top = merged[merged.length - 1];
    if (top && top.ptr + top.size === this.heapTop) {
      this.heapTop = top.ptr;
      this.counters.bytesAllocated -= top.size;
      merged.pop();
    }
    this.extents = merged;
  }

  free(buf: DeviceBuffer): void {
    const b = this.buf(buf);
    b.freed = true;
    this.counters.buffersInUse--;
    this.counters.bytesInUse -= b.bytes;
    let list = this.freeLists.get(b.cap);
    if (!list) { list = []; this.freeLists.set(b.cap, list); }
    list.push(b.ptr);
  }

  private buf(buf: DeviceBuffer): WasmBuffer {
    if (!(buf instanceof WasmBuffer)) throw new Error('wasm: not a wasm buffer');
    if (buf.freed) throw new Error(`wasm: buffer ${buf.id} used after free`);
    return buf;
  }

  private ptr(buf: DeviceBuffer): number { return this.buf(buf).ptr; }

  write(buf: DeviceBuffer, data: TypedArray, byteOffset = 0): void {
    const b = this.buf(buf);
    if (byteOffset + data.byteLength > b.cap) throw new Error(`wasm: write of ${data.byteLength} bytes at ${byteOffset} overflows buffer of ${b.bytes}`);
    this.checkViews();
    this.u8.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), b.ptr + byteOffset);
  }

  read(buf: DeviceBuffer, dtype: DType, n: number): Promise<TypedArray> {
    const b = this.buf(buf);
    if (n * 4 > b.cap) throw new Error(`wasm: read of ${n} elements overflows buffer of ${b.bytes} bytes`);
    this.checkViews();
    const mem = this.memory.buffer;
    // slice() copies into a new, unshared buffer: about twice as fast as set() from shared memory
    const view = dtype === 'f32' ? new Float32Array(mem, b.ptr, n) : dtype === 'i32' ? new Int32Array(mem, b.ptr, n) : new Uint32Array(mem, b.ptr, n);
    return Promise.resolve(view.slice());
  }

  // ------------------------------------------------------------ kernels
  run<K extends KernelName>(kernel: K, args: KernelArgs[K], label: string): void {
    if (this.destroyed) throw new Error('wasm backend destroyed');
    this.counters.dispatches++;
    const t0 = this.profiling ? performance.now() : 0;
    this.checkViews();
    const parts = this.encode(kernel, args as any);
    if (parts > 0) {
      const kid = KID.get(kernel)!;
      const two = this.twoPhase;
      this.twoPhase = null;
      if (two) {
        // blocked sums in two phases: parts over row blocks (partials), then parts over channels
        try {
          this.exec(kid, parts);
          this.argv[two.modeSlot] = 2;
          this.exec(kid, parts);
        } finally {
          this.free(two.temp);
        }
      } else {
        this.exec(kid, parts);
      }
    }
    if (this.profiling) {
      const t1 = performance.now();
      const c = kernelCost(kernel, args);
      this.records.push({ label, kernel, startMs: t0 - this.profileStart, ms: t1 - t0, flops: c.flops, bytes: c.bytes });
    }
  }

  /** Parts to use for `work` units (elements or flops) with a per-kernel threshold. */
  private partsFor(work: number, threshold: number): number {
    if (this.threads <= 1 || work < threshold) return 1;
    return Math.min(this.threads, Math.max(1, Math.floor(work / threshold)));
  }

  /** Set by encode for a two-phase per-channel sum: the partials buffer and the argument slot of the mode. */
  private twoPhase: { temp: DeviceBuffer; modeSlot: number } | null = null;

  /**
   * Work split of a per-channel sum over [rows, channels] (channelSums, preluBackward): the arguments
   * from slot `base` on are mode, partials pointer, blocks. Mode 0: parts split the channels (enough
   * channels per part); modes 1 + 2: two phases over row blocks then channels, with a temporary
   * partials buffer of `perBlock` floats per block. Must be called before any argument is written
   * (it may allocate, which may grow the memory). Every split gives the same bits.
   */
  private channelSplit(rows: number, channels: number, perBlock: number): { parts: number; mode: number; temp: DeviceBuffer | null; blocks: number } {
    if (channels * 24 > this.scratchBytes) throw new Error(`wasm: ${channels} channels exceed the per-channel kernels' scratch`);
    const blocks = Math.ceil(rows / CHANNEL_BLOCK);
    const parts = this.partsFor(rows * channels, 16384);
    if (parts <= 1 || channels >= 32 * parts) return { parts, mode: 0, temp: null, blocks };
    const temp = this.alloc(blocks * perBlock * 4);
    this.checkViews();
    return { parts: Math.min(parts, blocks), mode: 1, temp, blocks };
  }

  /** Writes the argument block; returns the number of parts (0: nothing to do). */
  private encode(kernel: KernelName, a: any): number {
    const v = this.argv;
    const P = (b: DeviceBuffer) => this.ptr(b);
    switch (kernel) {
      case 'fill': {
        if (a.n <= 0) return 0;
        const bits = new DataView(new ArrayBuffer(4));
        if (a.dtype === 'f32') bits.setFloat32(0, a.value, true);
        else if (a.dtype === 'i32') bits.setInt32(0, a.value | 0, true);
        else bits.setUint32(0, a.value >>> 0, true);
        v[0] = P(a.out); v[1] = a.n; v[2] = bits.getUint32(0, true);
        return this.partsFor(a.n, 16384);
      }
      case 'unary': {
        if (a.n <= 0) return 0;
        const op = UNARY_ID.get(a.op);
        if (op === undefined) throw new Error(`wasm: unknown unary op ${a.op}`);
        v[0] = op; v[1] = P(a.x); v[2] = P(a.out); v[3] = a.n; v[4] = a.a ?? 0; v[5] = a.b ?? 0;
        const heavy = op === 1 || op === 2 || (op >= 10 && op <= 14) || op === 18;
        return this.partsFor(a.n, heavy ? 4096 : 32768);
      }
      case 'binary': {
        const op = BINARY_ID.get(a.op);
        if (op === undefined) throw new Error(`wasm: unknown binary op ${a.op}`);
        const n = a.shape.reduce((p: number, d: number) => p * d, 1);
        if (n <= 0) return 0;
        const f = fold(a.shape, [a.aStrides, a.bStrides, contiguousStrides(a.shape)]);
        v[0] = op; v[1] = P(a.a); v[2] = P(a.b); v[3] = P(a.out); v[4] = 6;
        for (let d = 0; d < 6; d++) { v[5 + d] = f.dims[d]; v[11 + d] = f.str[0][d]; v[17 + d] = f.str[1][d]; }
        return this.partsFor(n, op === 6 ? 4096 : 32768);
      }
      case 'where': {
        const n = a.shape.reduce((p: number, d: number) => p * d, 1);
        if (n <= 0) return 0;
        const f = fold(a.shape, [a.condStrides, a.aStrides, a.bStrides, contiguousStrides(a.shape)]);
        v[0] = P(a.cond); v[1] = P(a.a); v[2] = P(a.b); v[3] = P(a.out); v[4] = 6;
        for (let d = 0; d < 6; d++) {
          v[5 + d] = f.dims[d]; v[11 + d] = f.str[0][d]; v[17 + d] = f.str[1][d]; v[23 + d] = f.str[2][d];
        }
        return this.partsFor(n, 16384);
      }
      case 'copy': {
        const n = a.shape.reduce((p: number, d: number) => p * d, 1);
        if (n <= 0) return 0;
        const f = fold(a.shape, [a.xStrides, a.outStrides]);
        v[0] = P(a.x); v[1] = P(a.out); v[2] = a.xOffset ?? 0; v[3] = a.outOffset ?? 0; v[4] = 6;
        for (let d = 0; d < 6; d++) { v[5 + d] = f.dims[d]; v[11 + d] = f.str[0][d]; v[17 + d] = f.str[1][d]; }
        return this.partsFor(n, 16384);
      }
      case 'cast': {
        if (a.n <= 0) return 0;
        v[0] = P(a.x); v[1] = P(a.out); v[2] = a.n; v[3] = DTYPE_ID[a.from as DType]; v[4] = DTYPE_ID[a.to as DType];
        return this.partsFor(a.n, 16384);
      }
      case 'reduce': {
        if (a.outer <= 0 || a.inner <= 0) return 0;
        v[0] = REDUCE_ID[a.op]; v[1] = P(a.x); v[2] = P(a.out); v[3] = a.outer; v[4] = a.r; v[5] = a.inner;
        return this.partsFor(a.outer * a.r * a.inner, 16384);
      }
      case 'matmul': {
        if (a.batch <= 0 || a.m <= 0 || a.n <= 0) return 0;
        v[0] = P(a.a); v[1] = P(a.b); v[2] = P(a.out); v[3] = a.batch; v[4] = a.m; v[5] = a.n; v[6] = a.k;
        v[7] = a.transA ? 1 : 0; v[8] = a.transB ? 1 : 0; v[9] = a.aBatchStride; v[10] = a.bBatchStride;
        return this.partsFor(2 * a.batch * a.m * a.n * Math.max(1, a.k), 1 << 19);
      }
      case 'gatherRows': case 'scatterAddRows': case 'scatterRows': {
        if (a.rows <= 0 || a.cols <= 0) return 0;
        const buf = kernel === 'gatherRows' ? a.table : a.src;
        v[0] = P(buf); v[1] = P(a.idx); v[2] = P(a.out); v[3] = a.rows; v[4] = a.cols;
        v[5] = kernel === 'gatherRows' ? a.tableRows : a.outRows;
        if (kernel !== 'gatherRows' && a.cols < 64) return 1;
        return this.partsFor(a.rows * a.cols, 16384);
      }
      case 'takeAlongLast': case 'putAlongLastAdd': {
        if (a.rows <= 0 || a.k <= 0) return 0;
        v[0] = P(kernel === 'takeAlongLast' ? a.x : a.src); v[1] = P(a.idx); v[2] = P(a.out);
        v[3] = a.rows; v[4] = a.cols; v[5] = a.k;
        return this.partsFor(a.rows * a.k, 16384);
      }
      case 'topk': {
        if (a.rows <= 0) return 0;
        if (a.k < 1 || a.k > 64 || a.k > a.cols) throw new Error(`wasm: topk needs 1 <= k <= min(cols, 64), got k=${a.k}`);
        v[0] = P(a.x); v[1] = P(a.values); v[2] = P(a.indices); v[3] = a.rows; v[4] = a.cols; v[5] = a.k;
        return this.partsFor(a.rows * a.cols, 16384);
      }
      case 'logSoftmax': {
        if (a.rows <= 0 || a.cols <= 0) return 0;
        v[0] = P(a.x); v[1] = P(a.out); v[2] = a.rows; v[3] = a.cols;
        return this.partsFor(a.rows * a.cols, 8192);
      }
      case 'conv2d': case 'conv2dBackwardInput': case 'conv2dBackwardFilter': {
        if (kernel === 'conv2d') { v[0] = P(a.x); v[1] = P(a.weight); v[2] = P(a.out); }
        else if (kernel === 'conv2dBackwardInput') { v[0] = P(a.dy); v[1] = P(a.weight); v[2] = P(a.dx); }
        else { v[0] = P(a.x); v[1] = P(a.dy); v[2] = P(a.dw); }
        const g = [a.n, a.h, a.w, a.cin, a.cout, a.kh, a.kw, a.strideH, a.strideW, a.padH, a.padW, a.groups, a.oh, a.ow];
        for (let i = 0; i < g.length; i++) v[3 + i] = g[i];
        if (a.cin % a.groups !== 0 || a.cout % a.groups !== 0) throw new Error('wasm: conv2d channels not divisible by groups');
        const outElems = kernel === 'conv2d' ? a.n * a.oh * a.ow * a.cout
          : kernel === 'conv2dBackwardInput' ? a.n * a.h * a.w * a.cin : a.cout * a.kh * a.kw * (a.cin / a.groups);
        if (outElems <= 0) return 0;
        return this.partsFor(kernelCost(kernel, a).flops, 1 << 19);
      }
      case 'sgd': {
        if (a.n <= 0) return 0;
        v[0] = P(a.param); v[1] = P(a.grad); v[2] = P(a.velocity); v[3] = a.n;
        v[4] = a.lr; v[5] = a.momentum; v[6] = a.weightDecay; v[7] = a.nesterov ? 1 : 0;
        return this.partsFor(a.n, 16384);
      }
      case 'axpby': {
        if (a.n <= 0) return 0;
        v[0] = P(a.x); v[1] = P(a.y); v[2] = a.n; v[3] = a.alpha; v[4] = a.beta;
        return this.partsFor(a.n, 16384);
      }
      case 'channelSums': {
        if (a.channels <= 0) return 0;
        const sp = this.channelSplit(a.rows, a.channels, 2 * a.channels);
        const w = this.argv;
        w[0] = P(a.a); w[1] = P(a.b); w[2] = P(a.centerA); w[3] = P(a.centerB); w[4] = P(a.sumA); w[5] = P(a.sumAB);
        w[6] = Math.max(0, a.rows); w[7] = a.channels; w[8] = sp.mode; w[9] = sp.temp ? P(sp.temp) : 0; w[10] = sp.blocks;
        if (sp.temp) this.twoPhase = { temp: sp.temp, modeSlot: 8 };
        return sp.parts;
      }
      case 'channelAffine': {
        if (a.rows <= 0 || a.channels <= 0) return 0;
        v[0] = P(a.a); v[1] = a.hasB ? P(a.b) : 0; v[2] = a.hasB ? 1 : 0; v[3] = P(a.s1); v[4] = a.hasB ? P(a.s2) : 0;
        v[5] = P(a.s3); v[6] = P(a.out); v[7] = a.rows; v[8] = a.channels;
        return this.partsFor(a.rows * a.channels, 32768);
      }
      case 'prelu': {
        if (a.rows <= 0 || a.channels <= 0) return 0;
        v[0] = P(a.x); v[1] = P(a.alpha); v[2] = P(a.out); v[3] = a.rows; v[4] = a.channels;
        return this.partsFor(a.rows * a.channels, 32768);
      }
      case 'preluBackward': {
        if (a.channels <= 0) return 0;
        const sp = this.channelSplit(a.rows, a.channels, a.channels);
        const w = this.argv;
        w[0] = P(a.x); w[1] = P(a.alpha); w[2] = P(a.dy); w[3] = P(a.dx); w[4] = P(a.dalpha);
        w[5] = Math.max(0, a.rows); w[6] = a.channels; w[7] = sp.mode; w[8] = sp.temp ? P(sp.temp) : 0; w[9] = sp.blocks;
        if (sp.temp) this.twoPhase = { temp: sp.temp, modeSlot: 7 };
        return sp.parts;
      }
    }
    throw new Error(`wasm: unknown kernel ${kernel as string}`);
  }

  private exec(kid: number, parts: number) {
    if (parts <= 1) { this.runKernel(kid, this.argsPtr, 0, 1); return; }
    const ctl = this.ctl;
    Atomics.store(ctl, CTL_KID, kid);
    Atomics.store(ctl, CTL_PARTS, parts);
    Atomics.store(ctl, CTL_ARGS, this.argsPtr);
    Atomics.store(ctl, CTL_DONE, 0);
    Atomics.add(ctl, CTL_SEQ, 1);
    if (Atomics.load(ctl, CTL_WSLEEP) > 0) Atomics.notify(ctl, CTL_SEQ);
    try {
      this.runKernel(kid, this.argsPtr, 0, parts);
    } finally {
      const want = parts - 1;
      let spins = 0;
      let done: number;
      while ((done = Atomics.load(ctl, CTL_DONE)) < want) {
        if (++spins > MAIN_SPIN && this.canWait) {
          Atomics.add(ctl, CTL_MSLEEP, 1);
          Atomics.wait(ctl, CTL_DONE, done, 1000);
          Atomics.sub(ctl, CTL_MSLEEP, 1);
          spins = 0;
          if (this.workerError) throw new Error(`wasm worker failed: ${this.workerError}`);
        }
      }
    }
    if (this.workerError) throw new Error(`wasm worker failed: ${this.workerError}`);
  }

  flush(): void {}
  sync(): Promise<void> { return Promise.resolve(); }

  stats(): BackendStats {
    return { ...this.counters, pipelinesCreated: 0, bindGroupsCreated: 0 };
  }

  startProfile(): void {
    this.profiling = true;
    this.records = [];
    this.profileStart = performance.now();
  }

  stopProfile(): Promise<ProfileRecord[]> {
    this.profiling = false;
    const r = this.records;
    this.records = [];
    return Promise.resolve(r);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.workers.length > 0) {
      Atomics.store(this.ctl, CTL_KID, -1);
      Atomics.add(this.ctl, CTL_SEQ, 1);
      Atomics.notify(this.ctl, CTL_SEQ);
      for (const w of this.workers) w.terminate();
    }
    this.freeLists.clear();
  }
}

let compiled: { threaded?: Promise<WebAssembly.Module>; single?: Promise<WebAssembly.Module> } = {};

function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  if (typeof (globalThis as any).crossOriginIsolated === 'boolean' && !(globalThis as any).crossOriginIsolated && !isNode()) return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/** Creates the WASM backend: compiles the kernels once per process, starts threads-1 workers. */
export async function createWasmBackend(opts: WasmBackendOptions = {}): Promise<Backend> {
  let platform: ThreadPlatform = browserPlatform;
  if (isNode()) platform = await (await import('./node-threads')).createNodePlatform();
  const shared = sharedMemoryAvailable();
  const hasWorkers = isNode() || typeof Worker !== 'undefined';
  let threads = Math.max(1, Math.floor(opts.threads ?? Math.min(16, platform.cpus())));
  let why = '';
  if (threads > 1 && (!shared || !hasWorkers)) { threads = 1; why = ' (no shared memory)'; }

  const useShared = threads > 1;
  const key = useShared ? 'threaded' : 'single';
  compiled[key] ??= WebAssembly.compile(decodeBase64(useShared ? KERNELS_THREADED_WASM : KERNELS_SINGLE_WASM));
  const module = await compiled[key]!;
  const memory = useShared
    ? new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true } as WebAssembly.MemoryDescriptor)
    : new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const ex = instance.exports as { heapBase(): number; gemmScratchBytes(): number };

  const align = (x: number, a: number) => Math.ceil(x / a) * a;
  const ctl = align(ex.heapBase() >>> 0, 64);
  const args = ctl + 64;
  const scratchBase = align(args + ARG_SLOTS * 8, 64);
  const scratchBytes = align(ex.gemmScratchBytes() + (2 << 20), 4096); // GEMM panels + conv col buffer
  const heap = align(scratchBase + threads * scratchBytes, 4096);
  if (heap > INITIAL_PAGES * PAGE) memory.grow(Math.ceil((heap - INITIAL_PAGES * PAGE) / PAGE));

  const argv = new Float64Array(memory.buffer, args, ARG_SLOTS);
  argv[SLOT_SCRATCH] = scratchBase;
  argv[SLOT_SCRATCH_BYTES] = scratchBytes;
  new Int32Array(memory.buffer, ctl, CTL_INTS).fill(0);

  const workers: WorkerHandle[] = [];
  let backend: WasmBackend | null = null;
  let firstError: string | null = null;
  if (threads > 1) {
    const ready: Promise<void>[] = [];
    for (let i = 1; i < threads; i++) {
      ready.push(new Promise<void>((resolve, reject) => {
        const w = platform.spawn(WORKER_SOURCE, (msg: any) => {
          if (msg && msg.ready !== undefined) resolve();
          else if (msg && msg.error) {
            firstError ??= msg.error;
            backend?.setWorkerError(msg.error);
            reject(new Error(`wasm worker failed: ${msg.error}`));
          }
        }, (err) => {
          const e = String((err as any)?.message ?? err);
          firstError ??= e;
          backend?.setWorkerError(e);
          reject(new Error(`wasm worker failed: ${e}`));
        });
        w.post({ module, memory, ctl, index: i, spin: WORKER_SPIN });
        workers.push(w);
      }));
    }
    try {
      await Promise.all(ready);
      for (const w of workers) w.detach();
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
  }
  const desc = `wasm: ${threads} thread${threads > 1 ? 's' : ''}${why}, SIMD`;
  backend = new WasmBackend(memory, instance, threads, workers, { ctl, args, heap }, desc, scratchBytes);
  if (firstError) backend.setWorkerError(firstError);
  return backend;
}
