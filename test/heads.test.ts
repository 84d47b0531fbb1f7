// FC and Partial FC heads: losses against a plain f64 computation, sampling, sparse updates, errors;
// MobileFaceNet across backends and state-dict round trips.
import { describe, expect, it } from 'vitest';
import * as E from '../engine/index';
import { setEngine } from '../engine/engine';
import { FCHead } from '../model/fc';
import { PartialFCHead } from '../model/partial-fc';
import { marginPreset } from '../model/margin';
import { MobileFaceNet } from '../model/mobilefacenet';
import { expectClose, refEngine } from './helpers';
import { BACKENDS, startEngine, unavailable } from './backends';

const norm = (v: number[]) => { const n = Math.hypot(...v); return v.map((x) => x / n); };

describe('heads', () => {
  const ref = refEngine();

  it('FC: ArcFace cross-entropy of a small batch equals the hand computation', async () => {
    const m = marginPreset('arc', { s: 4 });
    const head = new FCHead(5, 3, m, 7);
    const emb = [[0.3, -0.2, 0.9], [0.5, 0.5, -0.1]];
    const labels = Int32Array.of(2, 4);
    const loss = await head.loss(E.tensor(Float64Array.from(emb.flat()), [2, 3]), labels).item();
    const w = Array.from(await head.weight.data());
    const centres = [0, 1, 2, 3, 4].map((c) => norm(w.slice(c * 3, c * 3 + 3)));
    let expected = 0;
    emb.forEach((e, i) => {
      const en = norm(e);
      const z = centres.map((c, j) => {
        const cos = c.reduce((a, v, d) => a + v * en[d], 0);
        return 4 * (j === labels[i] ? Math.cos(Math.acos(cos) + 0.5) : cos);
      });
      expected += -(z[labels[i]] - Math.log(z.reduce((a, v) => a + Math.exp(v), 0))) / 2;
    });
    expectClose([loss], [expected], 1e-7, 1e-12, 'FC loss'); // l2Normalize's eps shifts the 9th digit
    expect(() => head.loss(E.zeros([2, 3]), Int32Array.of(0, 5))).toThrow('FC head: label 5 (sample 1) is outside [0, 5)');
    expect(() => head.loss(E.zeros([2, 4]), Int32Array.of(0, 1))).toThrow('FC head: embeddings [2,4] should be [2, 3]');
    head.dispose();
  });

  it('Partial FC: samples every positive plus distinct negatives, and updates only sampled rows', async () => {
    const head = new PartialFCHead(50, 4, 0.2, marginPreset('cos', { s: 8 }));
    const labels = Int32Array.of(3, 7, 3, 41);
    const { ids, target } = head.sample(labels);
    expect(ids.length).toBe(10);
    expect(new Set(ids).size).toBe(10);
    expect(Array.from(ids.slice(0, 3))).toEqual([3, 7, 41]);
    expect(Array.from(target)).toEqual([0, 1, 0, 2]);
    const before = Array.from(await head.weight.data());
    const emb = E.requireGrad(E.randn([4, 4], new E.Rng(3)));
    const loss = head.loss(emb, labels);
    E.backward(loss);
    head.step(new E.SGD([], { lr: 0.5, momentum: 0.9 }));
    const after = Array.from(await head.weight.data());
    const changed = new Set<number>();
    for (let r = 0; r < 50; r++) if (after.slice(r * 4, r * 4 + 4).some((v, d) => v !== before[r * 4 + d])) changed.add(r);
    expect([3, 7, 41].every((r) => changed.has(r))).toBe(true);
    expect(changed.size).toBeLessThanOrEqual(10);
    head.dispose();
  });

  it('MobileFaceNet state dict round-trips bit-exactly through safetensors', async () => {
    setEngine(ref);
    const a = new MobileFaceNet({ inputSize: 16, width: 0.25, seed: 1 });
    const b = new MobileFaceNet({ inputSize: 16, width: 0.25, seed: 2 });
    const bytes = E.encodeSafetensors(await a.saveState(), { format: 'pt' });
    b.loadState(E.decodeSafetensors(bytes).tensors);
    const sa = await a.saveState(), sb = await b.saveState();
    expect([...sb.keys()]).toEqual([...sa.keys()]);
    expect(sa.has('blocks.3.expand.bn.running_mean')).toBe(true);
    expect(sa.has('stem.conv.weight')).toBe(true);
    for (const [k, v] of sa) expect(Array.from(sb.get(k)!.data), k).toEqual(Array.from(v.data));
    const wrong = new MobileFaceNet({ inputSize: 16, width: 0.5 });
    expect(() => wrong.loadState(E.decodeSafetensors(bytes).tensors)).toThrow(/does not fit this model: wrong shape \d+ \(stem\.conv\.weight: file has f32 \[16,3,3,3\], model has f32 \[32,3,3,3\]/);
    a.dispose(); b.dispose(); wrong.dispose();
  });
});

describe('MobileFaceNet on every backend', () => {
  const inputs = () => E.randn([2, 32, 32, 3], new E.Rng(4));
  const run = async () => {
    // eval mode: batch statistics over the last layers' few values would make the comparison ill-conditioned
    const net = new MobileFaceNet({ inputSize: 32, width: 0.25, embedding: 16, seed: 5 }).eval();
    const x = inputs();
    const emb = E.tidy(() => net.forward(x));
    const loss = E.tidy(() => E.sum(E.mul(emb, E.randn(emb.shape, new E.Rng(6)))));
    E.backward(loss);
    const params = net.namedParameters();
    const pick = [params[0], params[Math.floor(params.length / 2)], params[params.length - 1]];
    const out = { emb: Array.from(await emb.data()), grads: await Promise.all(pick.map(async ([, t]) => Array.from(await t.grad!.data()))) };
    net.dispose(); x.dispose(); emb.dispose(); loss.dispose();
    return out;
  };
  let expected: Awaited<ReturnType<typeof run>>;
  it('reference', async () => { refEngine(); expected = await run(); });
  for (const name of BACKENDS) {
    it.skipIf(unavailable(name))(`forward and backward agree on ${name}`, async () => {
      const e = (await startEngine(name))!;
      const got = await run();
      expectClose(got.emb, expected.emb, 1e-3, 1e-4, `embeddings on ${name}`);
      got.grads.forEach((g, i) => expectClose(g, expected.grads[i], 2e-3, 1e-4, `gradient ${i} on ${name}`));
      e.backend.destroy();
    });
  }
});
