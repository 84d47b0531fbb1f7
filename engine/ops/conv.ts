// 2-D convolution in NHWC with OHWI weights [cout, kh, kw, cin / groups]: zero padding, strides,
// groups (depthwise when groups = cin = cout). A 1×1 stride-1 unpadded ungrouped conv is a matmul and
// runs as one (the fastest kernel every backend has).
import type { Conv2dGeometry } from '../kernels';
import { engine } from '../engine';
import { Tensor } from '../tensor';
import { apply, type Op } from '../autograd';
import { empty } from '../create';
import { fmt, ShapeError } from '../shape';
import { reshape } from './layout';
import { matmul } from './matmul';

export interface Conv2dOptions {
  stride?: number | [number, number];
  pad?: number | [number, number];
  groups?: number;
}

const pair = (v: number | [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v;

export function convGeometry(x: Tensor, w: Tensor, opts: Conv2dOptions): Conv2dGeometry {
  const [strideH, strideW] = pair(opts.stride, 1), [padH, padW] = pair(opts.pad, 0);
  const groups = opts.groups ?? 1;
  const where = `conv2d x ${fmt(x.shape)} w ${fmt(w.shape)}`;
  if (x.rank !== 4) throw new ShapeError('conv2d', `input must be NHWC [n, h, w, c], got ${fmt(x.shape)}`);
  if (w.rank !== 4) throw new ShapeError('conv2d', `weight must be OHWI [cout, kh, kw, cin/groups], got ${fmt(w.shape)}`);
  const [n, h, wd, cin] = x.shape, [cout, kh, kw, cinG] = w.shape;
  if (!Number.isInteger(groups) || groups < 1 || cin % groups || cout % groups) {
    throw new ShapeError('conv2d', `${where}: groups = ${groups} must divide cin = ${cin} and cout = ${cout}`);
  }
  if (cinG !== cin / groups) {
    throw new ShapeError('conv2d', `${where}: weight's last dim is ${cinG}, expected cin/groups = ${cin / groups}`);
  }
  if (strideH < 1 || strideW < 1 || padH < 0 || padW < 0) throw new ShapeError('conv2d', `${where}: bad stride/pad`);
  const oh = Math.floor((h + 2 * padH - kh) / strideH) + 1, ow = Math.floor((wd + 2 * padW - kw) / strideW) + 1;
  if (oh < 1 || ow < 1) throw new ShapeError('conv2d', `${where}: the kernel is larger than the padded input`);
  return { n, h, w: wd, cin, cout, kh, kw, strideH, strideW, padH, padW, groups, oh, ow };
}

const geomLabel = (g: Conv2dGeometry) =>
  `[${g.n},${g.h},${g.w},${g.cin}] k${g.kh}x${g.kw} s${g.strideH} p${g.padH} g${g.groups} -> ${g.cout}`;

const CONV2D: Op<Conv2dGeometry> = {
  name: 'conv2d',
  forward([x, w], geo) {
    const out = empty([geo.n, geo.oh, geo.ow, geo.cout]);
    engine().run('conv2d', { ...geo, x: x.buffer, weight: w.buffer, out: out.buffer }, `conv2d ${geomLabel(geo)}`);
    return out;
  },
  backward(g, { inputs: [x, w], attrs: geo, needsGrad }) {
    const e = engine();
    const dx = needsGrad[0] ? empty(x.shape) : null;
    if (dx) e.run('conv2dBackwardInput', { ...geo, dy: g.buffer, weight: w.buffer, dx: dx.buffer }, `conv2d-dx ${geomLabel(geo)}`);
    const dw = needsGrad[1] ? empty(w.shape) : null;
    if (dw) e.run('conv2dBackwardFilter', { ...geo, x: x.buffer, dy: g.buffer, dw: dw.buffer }, `conv2d-dw ${geomLabel(geo)}`);
    return [dx, dw];
  },
};

/** conv2d(x [n, h, w, cin], weight [cout, kh, kw, cin/groups]) → [n, oh, ow, cout]; no bias. */
export function conv2d(x: Tensor, weight: Tensor, opts: Conv2dOptions = {}): Tensor {
  const geo = convGeometry(x, weight, opts);
  if (geo.kh === 1 && geo.kw === 1 && geo.strideH === 1 && geo.strideW === 1 && geo.padH === 0 && geo.padW === 0 && geo.groups === 1) {
    const rows = reshape(x, [geo.n * geo.h * geo.w, geo.cin]);
    const y = matmul(rows, reshape(weight, [geo.cout, geo.cin]), { transB: true });
    return reshape(y, [geo.n, geo.oh, geo.ow, geo.cout]);
  }
  return apply(CONV2D, [x, weight], geo);
}
