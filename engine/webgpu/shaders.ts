// Every WGSL source of the backend, imported as text.
//
// How: `import x from '../../shaders/x.wgsl?raw'`. vite / vitest load `?raw` imports as strings natively.
// esbuild needs (1) a resolver plugin that strips `?raw` and resolves the path:
//   { name: 'wgsl-raw', setup(b) { b.onResolve({ filter: /\.wgsl\?raw$/ }, (a) =>
//       ({ path: path.resolve(a.resolveDir, a.path.replace(/\?raw$/, '')) })); } }
// and (2) `loader: { '.wgsl': 'text' }`. No fs access at run time, so the same code works in a browser.
import fill from '../../shaders/fill.wgsl?raw';
import unary from '../../shaders/unary.wgsl?raw';
import cast from '../../shaders/cast.wgsl?raw';
import optim from '../../shaders/optim.wgsl?raw';
import binary from '../../shaders/binary.wgsl?raw';
import copy from '../../shaders/copy.wgsl?raw';
import reduce from '../../shaders/reduce.wgsl?raw';
import matmul from '../../shaders/matmul.wgsl?raw';
import matmulTiled from '../../shaders/matmul_tiled.wgsl?raw';
import rows from '../../shaders/rows.wgsl?raw';
import topk from '../../shaders/topk.wgsl?raw';
import logsoftmax from '../../shaders/logsoftmax.wgsl?raw';
import conv2d from '../../shaders/conv2d.wgsl?raw';
import conv2dBwdInput from '../../shaders/conv2d_bwd_input.wgsl?raw';
import conv2dBwdFilter from '../../shaders/conv2d_bwd_filter.wgsl?raw';
import channel from '../../shaders/channel.wgsl?raw';

/** shaders/channel.wgsl is written over `alias T = f32;`; the vec4 build swaps that one line. */
const channel4 = channel.replace('alias T = f32;', 'alias T = vec4<f32>;');
if (channel4 === channel) throw new Error('shaders/channel.wgsl: the line `alias T = f32;` is missing');

export const SHADERS = {
  fill, unary, cast, optim, binary, copy, reduce, matmul, matmulTiled, rows, topk, logsoftmax,
  conv2d, conv2dBwdInput, conv2dBwdFilter, channel, channel4,
};

export type ShaderName = keyof typeof SHADERS;

/** File name of each shader, for error messages. */
export const SHADER_FILES: Record<ShaderName, string> = {
  fill: 'shaders/fill.wgsl', unary: 'shaders/unary.wgsl', cast: 'shaders/cast.wgsl', optim: 'shaders/optim.wgsl',
  binary: 'shaders/binary.wgsl', copy: 'shaders/copy.wgsl', reduce: 'shaders/reduce.wgsl',
  matmul: 'shaders/matmul.wgsl', matmulTiled: 'shaders/matmul_tiled.wgsl', rows: 'shaders/rows.wgsl',
  topk: 'shaders/topk.wgsl', logsoftmax: 'shaders/logsoftmax.wgsl', conv2d: 'shaders/conv2d.wgsl',
  conv2dBwdInput: 'shaders/conv2d_bwd_input.wgsl', conv2dBwdFilter: 'shaders/conv2d_bwd_filter.wgsl',
  channel: 'shaders/channel.wgsl', channel4: 'shaders/channel.wgsl (T = vec4<f32>)',
};
