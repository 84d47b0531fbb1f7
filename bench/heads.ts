// `npm run bench -- heads`: a head-only training step (forward + backward + update, embeddings given)
// and the head's device memory, for FC, Partial FC (r = 0.1) and FFC (1 % and 0.1 %), batch 256,
// over C identities and embedding size D. FC grows with C; FFC stays flat.
import * as E from '../engine/node';
import { setEngine, type Engine } from '../engine/engine';
import { FCHead } from '../model/fc';
import { PartialFCHead } from '../model/partial-fc';
import { FFCHead } from '../model/ffc';
import { marginPreset } from '../model/margin';
import { Reporter, timeIt } from './harness';

const BATCH = 256;

interface HeadCase { name: string; bytes: (c: number, d: number) => number }
const HEADS: HeadCase[] = [
  { name: 'fc', bytes: (c, d) => 3 * c * d * 4 },
  { name: 'pfc-0.1', bytes: (c, d) => 2 * c * d * 4 + 2 * Math.ceil(0.1 * c) * d * 4 },
  { name: 'ffc-1%', bytes: (c, d) => 2 * Math.round(0.01 * c) * d * 4 },
  { name: 'ffc-0.1%', bytes: (c, d) => 2 * Math.round(0.001 * c) * d * 4 },
];

/** Why a case cannot run on this backend, or null. */
function doesNotFit(engine: Engine, head: HeadCase, c: number, d: number): string | null {
  const bytes = head.bytes(c, d);
  const biggest = head.name.startsWith('ffc') ? bytes / 2 * 2 : c * d * 4; // largest single tensor
  if (engine.backend.name === 'wasm' && bytes > 3.2 * 2 ** 30) return `needs ${(bytes / 2 ** 30).toFixed(1)} GiB > wasm32's 4 GiB`;
  const limit = (engine.backend as { maxBufferBytes?: number }).maxBufferBytes;
  if (limit && biggest > limit) return `a ${(biggest / 2 ** 20).toFixed(0)} MiB tensor > the adapter's ${(limit / 2 ** 20).toFixed(0)} MiB buffer limit`;
  return null;
}

async function headStep(engine: Engine, head: HeadCase, c: number, d: number, timing: { warmup: number; minMs: number; maxIters: number }): Promise<number> {
  const rng = new E.Rng(1);
  const margin = marginPreset('arc');
  const labels = () => Int32Array.from({ length: BATCH }, () => rng.int(c));
  const emb = () => E.requireGrad(E.keep(E.randn([BATCH, d], rng)));
  const sgd = { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 };
  let ms: number;
  if (head.name === 'fc') {
    const h = new FCHead(c, d, margin);
    const opt = new E.SGD(h.parameters(), sgd);
    const x = emb();
    try {
      ms = await timeIt(async () => {
        const loss = E.tidy(() => h.loss(x, labels()));
        E.backward(loss); loss.dispose();
        opt.step(); opt.zeroGrad(); x.grad?.dispose(); x.grad = null;
        await engine.backend.sync();
      }, timing);
    } finally {
      h.dispose(); x.dispose(); x.grad?.dispose(); for (const v of opt.velocity.values()) v.dispose();
    }
  } else if (head.name.startsWith('pfc')) {
    const h = new PartialFCHead(c, d, 0.1, margin);
    const opt = new E.SGD([], sgd);
    const x = emb();
    try {
      ms = await timeIt(async () => {
        const loss = E.tidy(() => h.loss(x, labels()));
        E.backward(loss); loss.dispose();
        h.step(opt); x.grad?.dispose(); x.grad = null;
        await engine.backend.sync();
      }, timing);
    } finally {
      h.dispose(); x.dispose(); x.grad?.dispose();
    }
  } else {
    const h = new FFCHead(c, d, margin, { ratio: head.name === 'ffc-1%' ? 0.01 : 0.001 });
    const px = emb(), py = emb();
    const [gx, gy] = E.tidy(() => [E.l2Normalize(E.randn([BATCH, d], rng)), E.l2Normalize(E.randn([BATCH, d], rng))]).map(E.keep);
    try {
      ms = await timeIt(async () => {
        const l = labels();
        const loss = E.tidy(() => E.add(h.loss(px, l, gy, l, true), h.loss(py, l, gx, l, false)));
        E.backward(loss); loss.dispose();
        for (const t of [px, py]) { t.grad?.dispose(); t.grad = null; }
        await engine.backend.sync();
      }, timing);
    } finally {
      h.dispose(); [px, py, gx, gy].forEach((t) => { t.grad?.dispose(); t.dispose(); });
    }
  }
  return ms;
}

export async function benchHeads(impls: { name: string; engine?: Engine }[], report: Reporter, quick: boolean): Promise<void> {
  const sizes = quick ? [1e4] : [1e4, 1e5, 1e6, 1e7];
  const dims = quick ? [128] : [128, 512];
  const timing = quick ? { warmup: 1, minMs: 200, maxIters: 3 } : { warmup: 1, minMs: 1000, maxIters: 10 };
  for (const impl of impls.filter((i) => i.engine)) {
    const engine = impl.engine!;
    setEngine(engine);
    for (const d of dims) for (const c of sizes) for (const head of HEADS) {
      const caseName = `${head.name} C=${c.toExponential(0)} D=${d}`;
      const why = doesNotFit(engine, head, c, d);
      const memMiB = head.bytes(c, d) / 2 ** 20;
      if (why) { report.add({ bench: 'heads', case: caseName, impl: impl.name, ms: null, memMiB, note: why }); continue; }
      try {
        const ms = await headStep(engine, head, c, d, timing);
        report.add({ bench: 'heads', case: caseName, impl: impl.name, ms, memMiB, note: `${memMiB.toFixed(1)} MiB head state` });
      } catch (err) {
        E.clearTape(); // a failed forward leaves its saved tensors on the tape
        report.add({ bench: 'heads', case: caseName, impl: impl.name, ms: null, memMiB, note: (err as Error).message.slice(0, 100) });
      }
    }
  }
}
