// The kernel contract: every backend (WebGPU, WASM, the f64 reference) implements exactly these kernels
// with exactly these semantics. The tensor and autograd layers speak only this language.
//
// Conventions
// - Every element is 4 bytes (f32, i32 or u32). Sizes, offsets and strides are in elements.
// - Tensors are contiguous row-major unless a kernel takes explicit strides.
// - A kernel never reads the output's previous contents unless it says it accumulates ("+=").
// - Outputs never alias inputs, except where a kernel says "in place".
// - Shapes passed with strides have rank 0..6 (the op layer folds contiguous dims and rejects more).
// - Arithmetic kernels work on f32 unless they name a dtype.

/** An opaque device buffer owned by a backend. `bytes` is what was asked for. */
export interface DeviceBuffer {
  readonly id: number;
  readonly bytes: number;
}

export type DType = 'f32' | 'i32' | 'u32';

export const UNARY_OPS = [
  'neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'sign', 'relu', 'square', 'recip',
  'sin', 'cos', 'acos', 'tanh', 'sigmoid',
  'step',   // x > 0 ? 1 : 0
  'clamp',  // min(max(x, a), b)
  'affine', // a * x + b
  'powc',   // pow(x, a) for x >= 0 (callers keep x non-negative)
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

export const BINARY_OPS = [
  'add', 'sub', 'mul', 'div', 'max', 'min', 'pow',
  // comparisons give 1.0 or 0.0
  'gt', 'ge', 'lt', 'le', 'eq', 'ne',
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export type ReduceOp = 'sum' | 'max' | 'min';

/** Shared by the three conv2d kernels. NHWC activations, OHWI weights [cout, kh, kw, cin / groups]. */
export interface Conv2dGeometry {
  n: number; h: number; w: number; cin: number;
  cout: number; kh: number; kw: number;
  strideH: number; strideW: number; padH: number; padW: number;
  groups: number;
  /** Output size: oh = floor((h + 2 padH - kh) / strideH) + 1, likewise ow. */
  oh: number; ow: number;
}

/** Each kernel's arguments. Buffers are DeviceBuffers; everything else is a plain number/string/array. */
export interface KernelArgs {
  /** out[i] = value for i < n. `dtype` says how `value` is stored (i32/u32: an integer). */
  fill: { out: DeviceBuffer; n: number; value: number; dtype: DType };

  /** out[i] = op(x[i]) for i < n; `a`, `b` are the op's constants (clamp, affine, powc). */
  unary: { op: UnaryOp; x: DeviceBuffer; out: DeviceBuffer; n: number; a: number; b: number };

  /**
   * Broadcasting binary op. For every index vector i over `shape` (the output's shape, rank <= 6):
   * out[flat(i)] = op(a[Σ i_d aStrides_d], b[Σ i_d bStrides_d]). Stride 0 broadcasts.
   */
  binary: {
    op: BinaryOp; a: DeviceBuffer; b: DeviceBuffer; out: DeviceBuffer;
    shape: number[]; aStrides: number[]; bStrides: number[];
  };

  /** out[flat(i)] = cond[..] != 0 ? a[..] : b[..], each input with its own strides as in `binary`. */
  where: {
    cond: DeviceBuffer; a: DeviceBuffer; b: DeviceBuffer; out: DeviceBuffer;
    shape: number[]; condStrides: number[]; aStrides: number[]; bStrides: number[];
  };

  /**
   * Strided copy of 4-byte elements of any dtype (bits copied as they are). For every index vector i
   * over `shape`: out[outOffset + Σ i_d outStrides_d] = x[xOffset + Σ i_d xStrides_d].
   * Serves transpose, slice, concat (copy into an offset region), broadcast-expand and pad.
   * Elements of `out` not addressed keep their contents.
   */
  copy: {
    x: DeviceBuffer; out: DeviceBuffer; shape: number[];
    xStrides: number[]; xOffset: number; outStrides: number[]; outOffset: number;
  };

  /** out[i] = convert(x[i]) for i < n. f32 -> i32/u32 truncates toward zero. */
  cast: { x: DeviceBuffer; out: DeviceBuffer; n: number; from: DType; to: DType };

  /** x viewed as [outer, r, inner]: out[o, i] = op over j < r of x[o, j, i]. r >= 1. */
  reduce: { op: ReduceOp; x: DeviceBuffer; out: DeviceBuffer; outer: number; r: number; inner: number };

  /**
   * Batched matmul: for each b < batch, out[b] (m x n) = A_b (m x k) · B_b (k x n), where
   * A_b is a[b aBatchStride ...] stored m x k (or k x m when transA), B_b is b[b bBatchStride ...]
   * stored k x n (or n x k when transB). aBatchStride / bBatchStride 0 broadcast one matrix over the
   * batch. out is contiguous [batch, m, n].
   */
  matmul: {
    a: DeviceBuffer; b: DeviceBuffer; out: DeviceBuffer;
    batch: number; m: number; n: number; k: number;
    transA: boolean; transB: boolean; aBatchStride: number; bBatchStride: number;
  };

  /** out[r, :] = table[idx[r], :] for r < rows (cols wide); idx (i32) outside [0, tableRows) gives zeros. */
  gatherRows: {
    table: DeviceBuffer; idx: DeviceBuffer; out: DeviceBuffer;
    rows: number; cols: number; tableRows: number;
  };

  /**
   * out[idx[r], :] += src[r, :] for r < rows, in order of r (deterministic; duplicate indices add up).
   * Indices outside [0, outRows) are skipped. Accumulates into out's contents.
   */
  scatterAddRows: {
    src: DeviceBuffer; idx: DeviceBuffer; out: DeviceBuffer;
    rows: number; cols: number; outRows: number;
  };

  /** out[idx[r], :] = src[r, :] for r < rows; for duplicate indices the last r wins; out-of-range skipped. */
  scatterRows: {
    src: DeviceBuffer; idx: DeviceBuffer; out: DeviceBuffer;
    rows: number; cols: number; outRows: number;
  };

  /** x [rows, cols], idx (i32) [rows, k]: out[r, t] = x[r, idx[r, t]]; idx outside [0, cols) gives 0. */
  takeAlongLast: { x: DeviceBuffer; idx: DeviceBuffer; out: DeviceBuffer; rows: number; cols: number; k: number };

  /** src [rows, k], idx [rows, k]: out[r, idx[r, t]] += src[r, t]; out-of-range skipped; accumulates. */
  putAlongLastAdd: { src: DeviceBuffer; idx: DeviceBuffer; out: DeviceBuffer; rows: number; cols: number; k: number };

  /**
   * The k largest of each row of x [rows, cols], largest first; ties go to the lower column.
   * values [rows, k] f32, indices [rows, k] i32. 1 <= k <= cols, k <= 64.
   */
  topk: { x: DeviceBuffer; values: DeviceBuffer; indices: DeviceBuffer; rows: number; cols: number; k: number };

  /** Row-wise log-softmax of x [rows, cols], numerically safe (max subtracted). */
  logSoftmax: { x: DeviceBuffer; out: DeviceBuffer; rows: number; cols: number };

  /** out [n, oh, ow, cout] = conv(x [n, h, w, cin], w [cout, kh, kw, cin/groups]); zero padding, no bias. */
  conv2d: Conv2dGeometry & { x: DeviceBuffer; weight: DeviceBuffer; out: DeviceBuffer };

  /** dx [n, h, w, cin] = gradient of conv2d w.r.t. its input, given dy [n, oh, ow, cout]. Overwrites dx. */
  conv2dBackwardInput: Conv2dGeometry & { dy: DeviceBuffer; weight: DeviceBuffer; dx: DeviceBuffer };

  /** dw [cout, kh, kw, cin/groups] = gradient of conv2d w.r.t. its weight. Overwrites dw. */
  conv2dBackwardFilter: Conv2dGeometry & { x: DeviceBuffer; dy: DeviceBuffer; dw: DeviceBuffer };

  /**
   * SGD step, in place on param and velocity (PyTorch semantics, no dampening):
   * g = grad + weightDecay * param; v = momentum * v + g; d = nesterov ? g + momentum * v : v;
   * param -= lr * d. With momentum 0 the velocity buffer is still written (v = g).
   */
  sgd: {
    param: DeviceBuffer; grad: DeviceBuffer; velocity: DeviceBuffer; n: number;
    lr: number; momentum: number; weightDecay: number; nesterov: boolean;
  };

  /** y = alpha * x + beta * y, in place on y (EMA of weights, gradient accumulation). */
  axpby: { x: DeviceBuffer; y: DeviceBuffer; n: number; alpha: number; beta: number };

  // ---- per-channel kernels over [rows, channels] (channels last), for batch norm and PReLU ----------

  /**
   * Per-channel sums over rows: sumA[c] = Σ_r (a[r,c] − centerA[c]),
   * sumAB[c] = Σ_r (a[r,c] − centerA[c]) · (b[r,c] − centerB[c]). centerA/centerB are [channels]
   * (zeros for plain sums). a and b may be the same buffer. Accumulate carefully (rows reach 10^5–10^6):
   * pairwise/blocked partial sums, not one long f32 running sum.
   */
  channelSums: {
    a: DeviceBuffer; b: DeviceBuffer; centerA: DeviceBuffer; centerB: DeviceBuffer;
    sumA: DeviceBuffer; sumAB: DeviceBuffer; rows: number; channels: number;
  };

  /**
   * out[r,c] = a[r,c] · s1[c] + b[r,c] · s2[c] + s3[c] (with hasB false: a[r,c] · s1[c] + s3[c], and
   * b / s2 are not read — pass any buffer). s1, s2, s3 are [channels].
   */
  channelAffine: {
    a: DeviceBuffer; b: DeviceBuffer; hasB: boolean; s1: DeviceBuffer; s2: DeviceBuffer; s3: DeviceBuffer;
    out: DeviceBuffer; rows: number; channels: number;
  };

  /** out[r,c] = x > 0 ? x : alpha[c] · x. */
  prelu: { x: DeviceBuffer; alpha: DeviceBuffer; out: DeviceBuffer; rows: number; channels: number };

  /**
   * PReLU gradients: dx[r,c] = x > 0 ? dy : alpha[c] · dy (overwrites dx);
   * dalpha[c] = Σ_r (x[r,c] > 0 ? 0 : dy[r,c] · x[r,c]) (overwrites dalpha, careful accumulation).
   */
  preluBackward: {
    x: DeviceBuffer; alpha: DeviceBuffer; dy: DeviceBuffer; dx: DeviceBuffer; dalpha: DeviceBuffer;
    rows: number; channels: number;
  };
}

export type KernelName = keyof KernelArgs;

export const KERNEL_NAMES: KernelName[] = [
  'fill', 'unary', 'binary', 'where', 'copy', 'cast', 'reduce', 'matmul', 'gatherRows', 'scatterAddRows',
  'scatterRows', 'takeAlongLast', 'putAlongLastAdd', 'topk', 'logSoftmax', 'conv2d', 'conv2dBackwardInput',
  'conv2dBackwardFilter', 'sgd', 'axpby', 'channelSums', 'channelAffine', 'prelu', 'preluBackward',
];

/** Work a kernel call does, for the profiler's GFLOP/s and GB/s columns (rough, consistent). */
export interface KernelCost { flops: number; bytes: number }

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

export function kernelCost<K extends KernelName>(kernel: K, args: KernelArgs[K]): KernelCost {
  const a = args as any;
  switch (kernel) {
    case 'fill': return { flops: 0, bytes: 4 * a.n };
    case 'unary': case 'cast': return { flops: a.n, bytes: 8 * a.n };
    case 'binary': { const n = size(a.shape); return { flops: n, bytes: 12 * n }; }
    case 'where': { const n = size(a.shape); return { flops: n, bytes: 16 * n }; }
    case 'copy': return { flops: 0, bytes: 8 * size(a.shape) };
    case 'reduce': return { flops: a.outer * a.r * a.inner, bytes: 4 * (a.outer * a.r * a.inner + a.outer * a.inner) };
    case 'matmul': return {
      flops: 2 * a.batch * a.m * a.n * a.k,
      bytes: 4 * a.batch * (a.m * a.k + a.k * a.n + a.m * a.n),
    };
    case 'gatherRows': case 'scatterRows': return { flops: 0, bytes: 8 * a.rows * a.cols };
    case 'scatterAddRows': return { flops: a.rows * a.cols, bytes: 12 * a.rows * a.cols };
    case 'takeAlongLast': case 'putAlongLastAdd': return { flops: a.rows * a.k, bytes: 12 * a.rows * a.k };
    case 'topk': return { flops: a.rows * a.cols * a.k, bytes: 4 * a.rows * (a.cols + 2 * a.k) };
    case 'logSoftmax': return { flops: 4 * a.rows * a.cols, bytes: 8 * a.rows * a.cols };
    case 'conv2d': case 'conv2dBackwardInput': case 'conv2dBackwardFilter': {
      const macs = a.n * a.oh * a.ow * a.cout * a.kh * a.kw * (a.cin / a.groups);
      return { flops: 2 * macs, bytes: 4 * (a.n * a.h * a.w * a.cin + a.n * a.oh * a.ow * a.cout + a.cout * a.kh * a.kw * (a.cin / a.groups)) };
    }
    case 'sgd': return { flops: 6 * a.n, bytes: 20 * a.n };
    case 'axpby': return { flops: 3 * a.n, bytes: 12 * a.n };
    case 'channelSums': return { flops: 4 * a.rows * a.channels, bytes: 8 * a.rows * a.channels };
    case 'channelAffine': return { flops: (a.hasB ? 4 : 2) * a.rows * a.channels, bytes: (a.hasB ? 12 : 8) * a.rows * a.channels };
    case 'prelu': return { flops: 2 * a.rows * a.channels, bytes: 8 * a.rows * a.channels };
    case 'preluBackward': return { flops: 4 * a.rows * a.channels, bytes: 12 * a.rows * a.channels };
  }
  return { flops: 0, bytes: 0 };
}

/** Pool and cache counters every backend reports; a training step in steady state leaves the *Created ones flat. */
export interface BackendStats {
  bytesAllocated: number;   // device bytes held by the backend (in use + pooled)
  bytesInUse: number;       // bytes of live buffers
  buffersCreated: number;   // device buffers ever created
  buffersInUse: number;
  pipelinesCreated: number; // 0 on backends without pipelines
  bindGroupsCreated: number;
  dispatches: number;       // kernel calls so far
}

/** One timed kernel call from a profiling run. */
export interface ProfileRecord {
  label: string;   // op and shapes, e.g. "matmul [32,128]x[128,64]"
  kernel: KernelName;
  startMs: number; // relative to the start of profiling
  ms: number;
  flops: number;
  bytes: number;
}

export type TypedArray = Float32Array | Int32Array | Uint32Array;

/**
 * What a backend is. The tensor layer allocates, writes, runs kernels and reads; it never sees a
 * GPUDevice or a WebAssembly.Memory.
 */
export interface Backend {
  readonly name: 'webgpu' | 'wasm' | 'ref';
  /** One line: adapter or CPU details, e.g. "webgpu: llvmpipe (mesa, software)". */
  readonly description: string;
  /** A buffer of at least `bytes` bytes (>= 4); contents are undefined. */
  alloc(bytes: number): DeviceBuffer;
  /** Gives the buffer back to the pool; the backend may reuse it once pending work that reads it is done. */
  free(buf: DeviceBuffer): void;
  /** Copies data into the buffer at a byte offset (ordered after every kernel already run). */
  write(buf: DeviceBuffer, data: TypedArray, byteOffset?: number): void;
  /** Reads `n` elements after all work run so far; the reference backend returns a Float64Array. */
  read(buf: DeviceBuffer, dtype: DType, n: number): Promise<TypedArray | Float64Array>;
  /** Runs (or queues) a kernel. `label` names the op and shapes for profiles and errors. */
  run<K extends KernelName>(kernel: K, args: KernelArgs[K], label: string): void;
  /** Submits queued work without waiting. */
  flush(): void;
  /** Resolves when all work run so far has finished on the device. */
  sync(): Promise<void>;
  stats(): BackendStats;
  /** Starts recording per-kernel times (GPU timestamps on WebGPU, wall time on WASM). */
  startProfile(): void;
  /** Stops recording and returns what was recorded, in dispatch order. */
  stopProfile(): Promise<ProfileRecord[]>;
  /** Releases everything the backend holds. */
  destroy(): void;
}
