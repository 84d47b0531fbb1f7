// The f64 reference: the kernel contract of engine/kernels.ts as plain loops over Float64Arrays.
// Every kernel of the real backends, and every op through the tensor layer, is checked against this.
// It is written for obviousness, not speed.
import type {
  Backend, BackendStats, DeviceBuffer, DType, KernelArgs, KernelName, ProfileRecord, TypedArray,
} from '../../engine/kernels';

interface RefBuffer extends DeviceBuffer { data: Float64Array }

function unaryFn(op: KernelArgs['unary']['op'], a: number, b: number): (x: number) => number {
  switch (op) {
    case 'neg': return (x) => -x;
    case 'exp': return Math.exp;
    case 'log': return Math.log;
    case 'sqrt': return Math.sqrt;
    case 'rsqrt': return (x) => 1 / Math.sqrt(x);
    case 'abs': return Math.abs;
    case 'sign': return (x) => (x > 0 ? 1 : x < 0 ? -1 : 0);
    case 'relu': return (x) => (x > 0 ? x : 0);
    case 'square': return (x) => x * x;
    case 'recip': return (x) => 1 / x;
    case 'sin': return Math.sin;
    case 'cos': return Math.cos;
    case 'acos': return Math.acos;
    case 'tanh': return Math.tanh;
    case 'sigmoid': return (x) => 1 / (1 + Math.exp(-x));
    case 'step': return (x) => (x > 0 ? 1 : 0);
    case 'clamp': return (x) => Math.min(Math.max(x, a), b);
    case 'affine': return (x) => a * x + b;
    case 'powc': return (x) => Math.pow(x, a);
  }
}

function binaryFn(op: KernelArgs['binary']['op']): (x: number, y: number) => number {
  switch (op) {
    case 'add': return (x, y) => x + y;
    case 'sub': return (x, y) => x - y;
    case 'mul': return (x, y) => x * y;
    case 'div': return (x, y) => x / y;
    case 'max': return Math.max;
    case 'min': return Math.min;
    case 'pow': return Math.pow;
    case 'gt': return (x, y) => +(x > y);
    case 'ge': return (x, y) => +(x >= y);
    case 'lt': return (x, y) => +(x < y);
    case 'le': return (x, y) => +(x <= y);
    case 'eq': return (x, y) => +(x === y);
    case 'ne': return (x, y) => +(x !== y);
  }
}

/** Calls fn(flatOut, offsets...) for every index vector over shape, offsets following each stride list. */
function forEachIndex(shape: number[], strides: number[][], fn: (i: number, offs: number[]) => void): void {
  const total = shape.reduce((p, d) => p * d, 1);
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < total; i++) {
    fn(i, strides.map((s) => s.reduce((acc, st, d) => acc + idx[d] * st, 0)));
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

const kernels: { [K in KernelName]: (a: any) => void } = {
  fill: ({ out, n, value }) => out.data.fill(value, 0, n),
  unary: ({ op, x, out, n, a, b }) => {
    const f = unaryFn(op, a, b);
    for (let i = 0; i < n; i++) out.data[i] = f(x.data[i]);
  },
  binary: ({ op, a, b, out, shape, aStrides, bStrides }) => {
    const f = binaryFn(op);
    forEachIndex(shape, [aStrides, bStrides], (i, [ia, ib]) => { out.data[i] = f(a.data[ia], b.data[ib]); });
  },
  where: ({ cond, a, b, out, shape, condStrides, aStrides, bStrides }) => {
    forEachIndex(shape, [condStrides, aStrides, bStrides], (i, [ic, ia, ib]) => {
      out.data[i] = cond.data[ic] !== 0 ? a.data[ia] : b.data[ib];
    });
  },
  copy: ({ x, out, shape, xStrides, xOffset, outStrides, outOffset }) => {
    forEachIndex(shape, [xStrides, outStrides], (_i, [ix, io]) => { out.data[outOffset + io] = x.data[xOffset + ix]; });
  },
  cast: ({ x, out, n, to }) => {
    for (let i = 0; i < n; i++) out.data[i] = to === 'f32' ? x.data[i] : Math.trunc(x.data[i]);
  },
  reduce: ({ op, x, out, outer, r, inner }) => {
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let acc = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
        for (let j = 0; j < r; j++) {
          const v = x.data[(o * r + j) * inner + i];
          acc = op === 'sum' ? acc + v : op === 'max' ? Math.max(acc, v) : Math.min(acc, v);
        }
        out.data[o * inner + i] = acc;
      }
    }
  },
  matmul: ({ a, b, out, batch, m, n, k, transA, transB, aBatchStride, bBatchStride }) => {
    for (let bt = 0; bt < batch; bt++) {
      const ao = bt * aBatchStride, bo = bt * bBatchStride, oo = bt * m * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) {
            s += a.data[ao + (transA ? p * m + i : i * k + p)] * b.data[bo + (transB ? j * k + p : p * n + j)];
          }
          out.data[oo + i * n + j] = s;
        }
      }
    }
  },
  gatherRows: ({ table, idx, out, rows, cols, tableRows }) => {
    for (let r = 0; r < rows; r++) {
      const t = idx.data[r];
      for (let c = 0; c < cols; c++) out.data[r * cols + c] = t >= 0 && t < tableRows ? table.data[t * cols + c] : 0;
    }
  },
  scatterAddRows: ({ src, idx, out, rows, cols, outRows }) => {
    for (let r = 0; r < rows; r++) {
      const t = idx.data[r];
      if (t < 0 || t >= outRows) continue;
      for (let c = 0; c < cols; c++) out.data[t * cols + c] += src.data[r * cols + c];
    }
  },
  scatterRows: ({ src, idx, out, rows, cols, outRows }) => {
    for (let r = 0; r < rows; r++) {
      const t = idx.data[r];
      if (t < 0 || t >= outRows) continue;
      for (let c = 0; c < cols; c++) out.data[t * cols + c] = src.data[r * cols + c];
    }
  },
  takeAlongLast: ({ x, idx, out, rows, cols, k }) => {
    for (let r = 0; r < rows; r++) {
      for (let t = 0; t < k; t++) {
        const j = idx.data[r * k + t];
        out.data[r * k + t] = j >= 0 && j < cols ? x.data[r * cols + j] : 0;
      }
    }
  },
  putAlongLastAdd: ({ src, idx, out, rows, cols, k }) => {
    for (let r = 0; r < rows; r++) {
      for (let t = 0; t < k; t++) {
        const j = idx.data[r * k + t];
        if (j >= 0 && j < cols) out.data[r * cols + j] += src.data[r * k + t];
      }
    }
  },
  topk: ({ x, values, indices, rows, cols, k }) => {
    for (let r = 0; r < rows; r++) {
      const order = Array.from({ length: cols }, (_, j) => j);
      order.sort((p, q) => x.data[r * cols + q] - x.data[r * cols + p] || p - q);
      for (let t = 0; t < k; t++) {
        values.data[r * k + t] = x.data[r * cols + order[t]];
        indices.data[r * k + t] = order[t];
      }
    }
  },
  logSoftmax: ({ x, out, rows, cols }) => {
    for (let r = 0; r < rows; r++) {
      let mx = -Infinity;
      for (let c = 0; c < cols; c++) mx = Math.max(mx, x.data[r * cols + c]);
      let s = 0;
      for (let c = 0; c < cols; c++) s += Math.exp(x.data[r * cols + c] - mx);
      const lse = mx + Math.log(s);
      for (let c = 0; c < cols; c++) out.data[r * cols + c] = x.data[r * cols + c] - lse;
    }
  },
  conv2d: (g) => convLoops(g, (xi, wi, yi) => { g.out.data[yi] += g.x.data[xi] * g.weight.data[wi]; }, g.out),
  conv2dBackwardInput: (g) => convLoops(g, (xi, wi, yi) => { g.dx.data[xi] += g.dy.data[yi] * g.weight.data[wi]; }, g.dx),
  conv2dBackwardFilter: (g) => convLoops(g, (xi, wi, yi) => { g.dw.data[wi] += g.dy.data[yi] * g.x.data[xi]; }, g.dw),
  sgd: ({ param, grad, velocity, n, lr, momentum, weightDecay, nesterov }) => {
    for (let i = 0; i < n; i++) {
      const g = grad.data[i] + weightDecay * param.data[i];
      const v = momentum * velocity.data[i] + g;
      velocity.data[i] = v;
      param.data[i] -= lr * (nesterov ? g + momentum * v : v);
    }
  },
  axpby: ({ x, y, n, alpha, beta }) => {
    for (let i = 0; i < n; i++) y.data[i] = alpha * x.data[i] + beta * y.data[i];
  },
  channelSums: ({ a, b, centerA, centerB, sumA, sumAB, rows, channels }) => {
    for (let c = 0; c < channels; c++) {
      let s = 0, sab = 0;
      for (let r = 0; r < rows; r++) {
        const u = a.data[r * channels + c] - centerA.data[c];
        s += u;
        sab += u * (b.data[r * channels + c] - centerB.data[c]);
      }
      sumA.data[c] = s;
      sumAB.data[c] = sab;
    }
  },
  channelAffine: ({ a, b, hasB, s1, s2, s3, out, rows, channels }) => {
    for (let r = 0; r < rows; r++) for (let c = 0; c < channels; c++) {
      const i = r * channels + c;
      out.data[i] = a.data[i] * s1.data[c] + (hasB ? b.data[i] * s2.data[c] : 0) + s3.data[c];
    }
  },
  prelu: ({ x, alpha, out, rows, channels }) => {
    for (let i = 0; i < rows * channels; i++) out.data[i] = x.data[i] > 0 ? x.data[i] : alpha.data[i % channels] * x.data[i];
  },
  preluBackward: ({ x, alpha, dy, dx, dalpha, rows, channels }) => {
    for (let c = 0; c < channels; c++) dalpha.data[c] = 0;
    for (let i = 0; i < rows * channels; i++) {
      const c = i % channels, pos = x.data[i] > 0;
      dx.data[i] = pos ? dy.data[i] : alpha.data[c] * dy.data[i];
      if (!pos) dalpha.data[c] += dy.data[i] * x.data[i];
    }
  },
};

/** Visits every (input element, weight element, output element) triple of a conv2d; zeroes `target` first. */
function convLoops(g: any, visit: (xi: number, wi: number, yi: number) => void, target: RefBuffer): void {
  const { n, h, w, cin, cout, kh, kw, strideH, strideW, padH, padW, groups, oh, ow } = g;
  const cinG = cin / groups, coutG = cout / groups;
  target.data.fill(0);
  for (let b = 0; b < n; b++) for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) {
    for (let co = 0; co < cout; co++) {
      const grp = Math.floor(co / coutG);
      const yi = ((b * oh + y) * ow + x) * cout + co;
      for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
        const iy = y * strideH - padH + i, ix = x * strideW - padW + j;
        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
        for (let c = 0; c < cinG; c++) {
          visit(((b * h + iy) * w + ix) * cin + grp * cinG + c, ((co * kh + i) * kw + j) * cinG + c, yi);
        }
      }
    }
  }
}

export function createReferenceBackend(): Backend {
  let nextId = 1;
  const stats: BackendStats = {
    bytesAllocated: 0, bytesInUse: 0, buffersCreated: 0, buffersInUse: 0,
    pipelinesCreated: 0, bindGroupsCreated: 0, dispatches: 0,
  };
  return {
    name: 'ref',
    description: 'ref: plain f64 loops (test reference)',
    alloc(bytes: number): DeviceBuffer {
      const buf: RefBuffer = { id: nextId++, bytes, data: new Float64Array(Math.ceil(bytes / 4)) };
      stats.buffersCreated++; stats.buffersInUse++;
      stats.bytesAllocated += bytes; stats.bytesInUse += bytes;
      return buf;
    },
    free(buf: DeviceBuffer) {
      stats.buffersInUse--; stats.bytesAllocated -= buf.bytes; stats.bytesInUse -= buf.bytes;
    },
    write(buf: DeviceBuffer, data: TypedArray | Float64Array, byteOffset = 0) {
      (buf as RefBuffer).data.set(data, byteOffset / 4);
    },
    async read(buf: DeviceBuffer, _dtype: DType, n: number) {
      return (buf as RefBuffer).data.slice(0, n);
    },
    run<K extends KernelName>(kernel: K, args: KernelArgs[K]) {
      stats.dispatches++;
      kernels[kernel](args);
    },
    flush() {},
    async sync() {},
    stats: () => ({ ...stats }),
    startProfile() {},
    async stopProfile(): Promise<ProfileRecord[]> { return []; },
    destroy() {},
  };
}
