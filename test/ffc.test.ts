// FFC: the pool's LRU against a naive model on random sequences, hand-made pool sequences, the loss on
// a tiny hand-computed example, the EMA, and that gradients reach P only.
import { describe, expect, it } from 'vitest';
import * as E from '../engine/index';
import { DynamicClassPool } from '../model/dcp';
import { FFC, poolSize } from '../model/ffc';
import { marginPreset } from '../model/margin';
import { MobileFaceNet } from '../model/mobilefacenet';
import { expectClose, refEngine } from './helpers';

/** The pool's host bookkeeping written as plainly as possible: a recency list. */
class NaivePool {
  order: { id: number; slot: number }[] = []; // least recent first
  toggles: number[];
  free: number[];
  constructor(readonly q: number) {
    this.toggles = new Array(q).fill(0);
    this.free = Array.from({ length: q }, (_, i) => q - 1 - i);
  }
  plan(labels: number[]): { dest: number[]; hit: number[] } {
    const dest: number[] = [], hit = new Array(this.q).fill(0);
    for (const id of labels) {
      const at = this.order.findIndex((e) => e.id === id);
      if (at >= 0) {
        const [e] = this.order.splice(at, 1);
        this.order.push(e);
        dest.push(this.toggles[e.slot] * this.q + e.slot);
        this.toggles[e.slot] ^= 1;
        hit[e.slot] = 1;
      } else {
        const slot = this.free.length ? this.free.pop()! : this.order.shift()!.slot;
        this.order.push({ id, slot });
        dest.push(slot);
        this.toggles[slot] = 1;
        hit[slot] = 0;
      }
    }
    return { dest, hit };
  }
  lookup(labels: number[]): number[] { return labels.map((l) => this.order.find((e) => e.id === l)?.slot ?? -1); }
  snapshot() { return JSON.stringify({ o: this.order, t: this.toggles, f: this.free }); }
}

describe('dynamic class pool', () => {
  refEngine();

  it('matches a naive LRU on random sequences of hits, misses, evictions and rollbacks', async () => {
    const rng = new E.Rng(5);
    const q = 6, d = 4;
    const pool = new DynamicClassPool(q, d);
    const naive = new NaivePool(q);
    let evictions = 0, hits = 0, rollbacks = 0;
    for (let step = 0; step < 200; step++) {
      const labels = Int32Array.from({ length: 1 + rng.int(5) }, () => rng.int(12));
      const temporary = rng.next() < 0.3;
      const before = naive.snapshot();
      const sizeBefore = pool.size;
      const feats = E.randn([labels.length, d], rng);
      const featuresBefore = temporary ? Array.from(await pool.features.data()) : null;
      const { hit, undo } = pool.write(feats, labels, temporary);
      const expected = naive.plan(Array.from(labels));
      expect(Array.from(hit)).toEqual(expected.hit);
      hits += expected.hit.filter(Boolean).length;
      if (sizeBefore === q && expected.hit.every((h) => !h)) evictions++;
      expect(Array.from(pool.lookup(Int32Array.from({ length: 12 }, (_, i) => i)))).toEqual(naive.lookup([...Array(12).keys()]));
      if (temporary) {
        pool.undo(undo!);
        const restored = JSON.parse(before);
        naive.order = restored.o; naive.toggles = restored.t; naive.free = restored.f;
        expect(Array.from(await pool.features.data())).toEqual(featuresBefore);
        rollbacks++;
      }
      expect(JSON.stringify(pool.hostState().lru)).toBe(JSON.stringify(naive.order.map((e) => [e.id, e.slot])));
      feats.dispose();
    }
    expect(hits).toBeGreaterThan(20);
    expect(evictions).toBeGreaterThan(5);
    expect(rollbacks).toBeGreaterThan(20);
    pool.dispose();
  });

  it('writes rows 0/1 by the toggle and evicts the least recently used slot', async () => {
    const pool = new DynamicClassPool(2, 3);
    const init = Array.from(await pool.features.data());
    const row = (v: number) => E.tensor([v, v, v], [1, 3]);
    pool.write(row(1), Int32Array.of(5), false); // miss: slot 0, row 0
    pool.write(row(2), Int32Array.of(5), false); // hit: slot 0, row 1 (toggle flips back to 0)
    pool.write(row(3), Int32Array.of(7), false); // miss: free slot 1, row 0
    pool.write(row(4), Int32Array.of(9), false); // miss, pool full: evicts 5 (least recent), slot 0 row 0
    const f = Array.from(await pool.features.data());
    // rows: [slot0 row0, slot1 row0, slot0 row1, slot1 row1]
    expect(f.slice(0, 3)).toEqual([4, 4, 4]);
    expect(f.slice(3, 6)).toEqual([3, 3, 3]);
    expect(f.slice(6, 9)).toEqual([2, 2, 2]);
    expect(f.slice(9, 12)).toEqual(init.slice(9, 12));
    expect(Array.from(pool.lookup(Int32Array.of(5, 7, 9)))).toEqual([-1, 1, 0]);
    expect(pool.hostState().toggles).toEqual([1, 1]);
    // a hit on 7 now writes slot 1 row 1 and marks it hit
    const { hit } = pool.write(row(6), Int32Array.of(7), false);
    expect(Array.from(hit)).toEqual([0, 1]);
    expect(Array.from(await pool.features.data()).slice(9, 12)).toEqual([6, 6, 6]);
    pool.dispose();
  });

  it('sizes the pool from a ratio or a count, and refuses one larger than the identities', () => {
    expect(poolSize({ identities: 1000, ratio: 0.01 })).toBe(10);
    expect(poolSize({ identities: 1000, slots: 64 })).toBe(64);
    expect(() => poolSize({ identities: 10, slots: 11 })).toThrow('a pool of 11 slots is larger than the 10 identities');
  });
});

describe('FFC', () => {
  refEngine();
  const opts = { inputSize: 16, width: 0.125, embedding: 8, seed: 3 };

  it('computes the direction loss of a tiny hand-made example', async () => {
    const probe = new MobileFaceNet(opts);
    const margin = marginPreset('arc', { s: 2, m2: 0.5 });
    const ffc = new FFC(probe, { identities: 10, slots: 3, margin });
    const D = 8, Q = 3;
    // pool: identities 4 and 6 in slots 0 and 1 (row 0), slot 2 unused
    const g = [Array.from({ length: D }, (_, i) => (i === 0 ? 1 : 0)), Array.from({ length: D }, (_, i) => (i === 1 ? 1 : 0))];
    ffc.pool.write(E.tensor(g.flat(), [2, D]), Int32Array.of(4, 6), false);
    const rows = Array.from(await ffc.pool.features.data());
    const pv = [[0.6, 0.8, 0, 0, 0, 0, 0, 0], [0, 0.6, 0.8, 0, 0, 0, 0, 0]]; // label 4 (in pool), label 8 (absent)
    const loss = await ffc.directionLoss(E.tensor(Float64Array.from(pv.flat()), [2, D]), Int32Array.of(4, 8), new Uint8Array(Q)).item();
    // by hand: W = row0 for every slot (nothing hit)
    const cos = pv.map((p) => [0, 1, 2].map((s) => p.reduce((a, v, d) => a + v * rows[s * D + d], 0)));
    const arc = (t: number) => Math.cos(Math.acos(t) + 0.5);
    const z = cos[0].map((c, j) => 2 * (j === 0 ? arc(c) : c));
    const ce = -(z[0] - Math.log(z.reduce((a, v) => a + Math.exp(v), 0)));
    const k = ffc.topK; // 3 (pool of 3)
    const top = [...cos[1]].sort((a, b) => b - a).slice(0, k).map((c) => Math.max(0, c));
    const outTerm = top.reduce((a, v) => a + v, 0) / k;
    const perDirection = (ce + outTerm) / 2;
    expectClose([loss], [2 * perDirection], 1e-9, 1e-12, 'FFC direction loss');
    ffc.dispose(); probe.dispose();
  });

  it('keeps G as an EMA of P and sends gradients to P only', async () => {
    const probe = new MobileFaceNet(opts);
    const ffc = new FFC(probe, { identities: 20, ratio: 0.25, margin: marginPreset('arc', { s: 16 }), momentum: 0.9 });
    const rng = new E.Rng(9);
    // move P away from G so the EMA is visible
    for (const p of probe.parameters()) E.copyInto(p, E.randn(p.shape, rng, 0.1));
    const [pName, p0] = probe.namedParameters()[0];
    const g0 = ffc.gallery.stateDict().get(pName)!;
    const pv = Array.from(await p0.data()), gv = Array.from(await g0.data());
    ffc.updateGallery();
    expectClose(Array.from(await g0.data()), gv.map((g, i) => 0.9 * g + 0.1 * pv[i]), 1e-12, 1e-12, 'EMA');
    // a step: P gets gradients, G and the pool do not
    const x = E.randn([4, 16, 16, 3], rng), y = E.randn([4, 16, 16, 3], rng);
    const labels = Int32Array.of(1, 2, 3, 1);
    const loss = E.tidy(() => ffc.stepLoss(x, labels, y, labels));
    const poolBefore = Array.from(await ffc.pool.features.data());
    E.backward(loss);
    expect(Number.isFinite(await loss.item())).toBe(true);
    expect(probe.parameters().every((t) => t.grad !== null)).toBe(true);
    expect(ffc.gallery.parameters().every((t) => t.grad === null)).toBe(true);
    expect(Array.from(await ffc.pool.features.data())).toEqual(poolBefore);
    expect(ffc.pool.size).toBe(3); // identities 1, 2, 3 stay in the pool after the permanent write
    ffc.dispose(); probe.dispose();
  });

  it('back-propagating one direction at a time gives the gradients of loss1 + loss2', async () => {
    const rng = new E.Rng(4);
    const x = E.randn([4, 16, 16, 3], rng), y = E.randn([4, 16, 16, 3], rng);
    const xl = Int32Array.of(1, 2, 3, 4), yl = Int32Array.of(1, 2, 5, 6);
    const run = async (split: boolean) => {
      const probe = new MobileFaceNet(opts);
      const ffc = new FFC(probe, { identities: 20, slots: 4, margin: marginPreset('arc', { s: 16 }) });
      ffc.pool.write(E.l2Normalize(E.randn([2, 8], new E.Rng(8))), Int32Array.of(3, 9), false);
      let loss: E.Tensor;
      if (split) loss = ffc.backwardStep(x, xl, y, yl);
      else { loss = E.tidy(() => ffc.stepLoss(x, xl, y, yl)); E.backward(loss); }
      const out = { loss: await loss.item(), grads: await Promise.all(probe.parameters().map(async (t) => Array.from(await t.grad!.data()))), pool: ffc.pool.hostState() };
      ffc.dispose(); probe.dispose();
      return out;
    };
    const whole = await run(false), split = await run(true);
    expectClose([split.loss], [whole.loss], 1e-12, 1e-12, 'loss');
    split.grads.forEach((g, i) => expectClose(g, whole.grads[i], 1e-9, 1e-12, `gradient ${i}`));
    expect(split.pool).toEqual(whole.pool);
  });
});
