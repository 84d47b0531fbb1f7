// `npm run bench -- <suite>… [--json] [--quick]`: our backends side by side with TensorFlow.js peers,
// measured in the same run. Suites: matmul, conv, heads, mobilefacenet, embed (vs onnxruntime), lfw.
import * as E from '../engine/node';
import { setEngine, type Engine } from '../engine/engine';
import { nodeGPU } from '../engine/webgpu/node';
import { Reporter, timeIt } from './harness';
import { loadTfjs, type TF } from './peers';
import { benchHeads } from './heads';
import { benchMobileFaceNet } from './mobilefacenet';
import { benchEmbed, formatLfwTable, lfwCheck } from './embed';

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const suites = args.filter((a) => !a.startsWith('--'));
const report = new Reporter(json);
const log = (s: string) => { if (!json) console.log(s); };

async function gpuOrNull(): Promise<GPU | null> {
  try { const g = await nodeGPU(); return (await g.requestAdapter()) ? g : null; } catch { return null; }
}

interface Impl { name: string; engine?: Engine; tf?: TF }

/** Suites that compare with TensorFlow.js load it; the others run our backends only. */
const PEER_SUITES = new Set(['matmul', 'conv']);
/** Suites that start their own engines. */
const OWN_ENGINES = new Set(['embed', 'lfw']);

async function implementations(gpu: GPU | null, withPeers: boolean): Promise<Impl[]> {
  const out: Impl[] = [];
  out.push({ name: 'ours-wasm', engine: await E.init({ backend: 'wasm', log: null }) });
  if (gpu) out.push({ name: 'ours-webgpu', engine: await E.init({ backend: 'webgpu', gpu, log: null }) });
  if (!withPeers) return out;
  const tfw = await loadTfjs('wasm', gpu).catch(() => null);
  if (tfw) out.push({ name: 'tfjs-wasm', tf: tfw });
  if (gpu) {
    const tfg = await loadTfjs('webgpu', gpu).catch(() => null);
    if (tfg) out.push({ name: 'tfjs-webgpu', tf: tfg });
  }
  return out;
}

const timing = quick ? { warmup: 1, minMs: 300, maxIters: 5 } : { warmup: 2, minMs: 1500, maxIters: 30 };

async function benchMatmul(impls: Impl[]): Promise<void> {
  const n = quick ? 256 : 1024;
  const caseName = `${n}x${n}x${n}`;
  const flops = 2 * n ** 3;
  for (const impl of impls) {
    const rng = new E.Rng(1);
    const av = Float32Array.from({ length: n * n }, () => rng.normal()), bv = Float32Array.from({ length: n * n }, () => rng.normal());
    let ms: number;
    if (impl.engine) {
      setEngine(impl.engine);
      const a = E.tensor(av, [n, n]), b = E.tensor(bv, [n, n]);
      ms = await timeIt(async () => { const c = E.matmul(a, b); await c.data(); c.dispose(); }, timing);
      a.dispose(); b.dispose();
    } else {
      const tf = impl.tf!;
      await tf.setBackend(impl.name === 'tfjs-wasm' ? 'wasm' : 'webgpu');
      const a = tf.tensor2d(av, [n, n]), b = tf.tensor2d(bv, [n, n]);
      ms = await timeIt(async () => { const c = tf.matMul(a, b); await c.data(); c.dispose(); }, timing);
      a.dispose(); b.dispose();
    }
    report.add({ bench: 'matmul', case: caseName, impl: impl.name, ms, gflops: flops / (ms * 1e6) });
  }
}

interface ConvCase { name: string; x: number[]; w: number[]; stride: number; pad: number; groups: number }

function convCases(): ConvCase[] {
  const b = quick ? 4 : 32;
  return [
    { name: `1x1 64->128 56x56 b${b}`, x: [b, 56, 56, 64], w: [128, 1, 1, 64], stride: 1, pad: 0, groups: 1 },
    { name: `dw3x3 128ch 28x28 b${b}`, x: [b, 28, 28, 128], w: [128, 3, 3, 1], stride: 1, pad: 1, groups: 128 },
    { name: `stem 3x3s2 3->64 112x112 b${b}`, x: [b, 112, 112, 3], w: [64, 3, 3, 3], stride: 2, pad: 1, groups: 1 },
  ];
}

async function benchConv(impls: Impl[]): Promise<void> {
  for (const c of convCases()) {
    const [n, h, w, cin] = c.x, [cout, kh, kw] = c.w;
    const oh = Math.floor((h + 2 * c.pad - kh) / c.stride) + 1, ow = Math.floor((w + 2 * c.pad - kw) / c.stride) + 1;
    const fwdFlops = 2 * n * oh * ow * cout * kh * kw * (cin / c.groups);
    const rng = new E.Rng(2);
    const rand = (len: number) => Float32Array.from({ length: len }, () => rng.normal() * 0.1);
    const xv = rand(c.x.reduce((p, d) => p * d)), wv = rand(c.w.reduce((p, d) => p * d)), dyv = rand(n * oh * ow * cout);
    for (const impl of impls) {
      for (const pass of ['fwd', 'fwd+bwd'] as const) {
        const flops = pass === 'fwd' ? fwdFlops : 3 * fwdFlops;
        let ms: number | null = null, note: string | undefined;
        try {
          if (impl.engine) {
            setEngine(impl.engine);
            const x = E.tensor(xv, c.x), wt = E.tensor(wv, c.w), dy = E.tensor(dyv, [n, oh, ow, cout]);
            if (pass === 'fwd+bwd') { E.requireGrad(x); E.requireGrad(wt); }
            ms = await timeIt(async () => {
              const y = E.conv2d(x, wt, { stride: c.stride, pad: c.pad, groups: c.groups });
              if (pass === 'fwd+bwd') {
                E.backward(y, dy);
                await wt.grad!.data();
                x.grad!.dispose(); wt.grad!.dispose(); x.grad = null; wt.grad = null;
              } else {
                // read one element: the output's size would make this a readback benchmark
                const one = E.slice(y, [0, 0, 0, 0], [1, 1, 1, 1]);
                await one.data();
                one.dispose();
              }
              y.dispose();
            }, timing);
            x.dispose(); wt.dispose(); dy.dispose();
          } else {
            const tf = impl.tf!;
            await tf.setBackend(impl.name === 'tfjs-wasm' ? 'wasm' : 'webgpu');
            const x = tf.tensor4d(xv, c.x as [number, number, number, number]);
            // tfjs filters: HWIO for conv2d, [kh, kw, cin, 1] for depthwise; same values, transposed
            const w4 = tf.tensor4d(wv, c.w as [number, number, number, number]);
            const filt = tf.transpose(w4, [1, 2, 3, 0]);
            const dwFilt = c.groups > 1 ? tf.transpose(w4, [1, 2, 0, 3]) : null;
            const dy = tf.tensor4d(dyv, [n, oh, ow, cout]);
            const f = (xx: typeof x, ff: typeof filt) => c.groups > 1
              ? tf.depthwiseConv2d(xx, ff, c.stride, c.pad === 0 ? 'valid' : 'same')
              : tf.conv2d(xx, ff, c.stride, c.pad === 0 ? 'valid' : (c.stride === 1 ? 'same' : [[0, 0], [c.pad, c.pad], [c.pad, c.pad], [0, 0]]));
            const fil = dwFilt ?? filt;
            ms = await timeIt(async () => {
              if (pass === 'fwd') {
                const y = f(x, fil), one = tf.slice(y, [0, 0, 0, 0], [1, 1, 1, 1]);
                await one.data(); y.dispose(); one.dispose(); return;
              }
              const g = tf.grads(((xx: typeof x, ff: typeof x) => f(xx, ff)) as never)([x, fil], dy);
              await g[1].data();
              g.forEach((t) => t.dispose());
            }, timing);
            [x, w4, filt, dy, ...(dwFilt ? [dwFilt] : [])].forEach((t) => t.dispose());
          }
        } catch (err) {
          ms = null;
          note = (err as Error).message.split('\n')[0].slice(0, 80);
        }
        report.add({ bench: 'conv', case: `${c.name} ${pass}`, impl: impl.name, ms, gflops: ms ? flops / (ms * 1e6) : null, note });
      }
    }
  }
}

async function main(): Promise<void> {
  if (suites.length === 0) {
    console.error('usage: npm run bench -- <matmul|conv|heads|mobilefacenet|embed|lfw>… [--json] [--quick]');
    process.exit(2);
  }
  const gpu = await gpuOrNull();
  const impls = suites.every((s) => OWN_ENGINES.has(s)) ? [] : await implementations(gpu, suites.some((s) => PEER_SUITES.has(s)));
  log(`implementations: ${impls.map((i) => i.name + (i.engine ? ` (${i.engine.backend.description})` : '')).join(', ')}`);
  for (const s of suites) {
    if (s === 'matmul') await benchMatmul(impls);
    else if (s === 'conv') await benchConv(impls);
    else if (s === 'heads') await benchHeads(impls, report, quick);
    else if (s === 'mobilefacenet') await benchMobileFaceNet(impls, report, quick);
    else if (s === 'embed') await benchEmbed(report, { quick, gpu, log });
    else if (s === 'lfw') log(formatLfwTable(await lfwCheck({ webgpuPairs: 600 })));
    else { console.error(`unknown suite '${s}' (matmul, conv, heads, mobilefacenet, embed, lfw)`); process.exit(2); }
  }
  if (!json) {
    const m = report.rows.find((r) => r.bench === 'matmul')?.case;
    if (m) {
      log(`\nratios (same run): ours-wasm / tfjs-wasm = ${report.ratio('ours-wasm', 'tfjs-wasm', m)?.toFixed(2) ?? 'n/a'}, ` +
        `ours-webgpu / tfjs-webgpu = ${report.ratio('ours-webgpu', 'tfjs-webgpu', m)?.toFixed(2) ?? 'n/a'}`);
    }
  }
  process.exit(0);
}

void main();
