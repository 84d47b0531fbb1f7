// Samplers, batches and the worker pipeline: determinism, worker-count independence, exact resume.
import { afterAll, describe, expect, it } from 'vitest';
import { SynthDataset, MemoryDataset } from '../../train/data/dataset';
import { FfcSampler, IdentitySampler, InstanceSampler, SyncLoader, assemble, ffcViews, type Batch } from '../../train/data/sampler';
import { Pipeline } from '../../train/data/node-pipeline';
import { renderFace } from '../../train/data/synth';

const ds = new SynthDataset('synth:ids=40,per=5,size=24');
const digest = (b: Batch) => { let h = 0; for (let i = 0; i < b.images.length; i += 7) h = (h * 31 + Math.round(b.images[i] * 1000)) | 0; return `${h}:${Array.from(b.labels).join(',')}`; };
const pipelines: Pipeline[] = [];
afterAll(async () => { await Promise.all(pipelines.map((p) => p.close())); });

describe('samplers', () => {
  it('instance loader: each image once per epoch, shuffled differently each epoch, flips ~ half', () => {
    const s = new InstanceSampler(ds, { batchSize: 16, seed: 5 });
    expect(s.stepsPerEpoch).toBe(12);
    const seen: number[] = []; let flips = 0;
    for (let k = 0; k < 12; k++) { const p = s.next(); seen.push(...p.indices); flips += p.flips.reduce((a, b) => a + b, 0); expect(p.epoch).toBe(0); }
    expect(new Set(seen).size).toBe(192);
    expect(flips).toBeGreaterThan(60); expect(flips).toBeLessThan(132);
    const e1 = s.next();
    expect(e1.epoch).toBe(1);
    expect(Array.from(e1.indices)).not.toEqual(seen.slice(0, 16));
  });

  it('identity loader: distinct identities, two different images of each, restarts when exhausted', () => {
    const small = new MemoryDataset([0, 1, 2, 3, 4].map((k) => renderFace(k, 0, 8)), [0, 0, 1, 2, 2], 8);
    const s = new IdentitySampler(small, { batchSize: 2, seed: 1 });
    for (let k = 0; k < 6; k++) {
      const p = s.next();
      expect(p.labels[0]).not.toBe(p.labels[1]);
      for (let j = 0; j < 2; j++) {
        expect(p.labels[2 + j]).toBe(p.labels[j]);
        if (p.labels[j] !== 1) expect(p.indices[2 + j]).not.toBe(p.indices[j]); // two different images
        else expect(p.indices[2 + j]).toBe(p.indices[j]); // only one: the same twice
      }
    }
    expect(s.epoch).toBeGreaterThanOrEqual(5); // 3 identities, batch 2: a new round every batch
    expect(() => new IdentitySampler(small, { batchSize: 4 })).toThrow(/at least 4 identities/);
  });

  it('FFC plans: x = [id₁ (B); inst (B/2)], y = [id₂ (B); inst (B/2)] as contiguous halves', () => {
    const s = new FfcSampler(ds, { batchSize: 8, seed: 2 });
    const b = assemble(ds, s.next());
    expect(b.n).toBe(24);
    const { x, y } = ffcViews(b);
    expect([x.n, y.n]).toEqual([12, 12]);
    expect(Array.from(x.labels.subarray(0, 8))).toEqual(Array.from(y.labels.subarray(0, 8)));
    expect(x.images.length).toBe(12 * 24 * 24 * 3);
    expect(y.images[0]).toBe(b.images[12 * 24 * 24 * 3]);
  });

  it('state save/restore continues exactly (JSON round trip)', () => {
    const a = new FfcSampler(ds, { batchSize: 8, seed: 9 });
    for (let k = 0; k < 30; k++) a.next(); // crosses instance epochs and identity rounds
    const saved = JSON.parse(JSON.stringify(a.getState()));
    const want = Array.from({ length: 5 }, () => a.next());
    const b = new FfcSampler(ds, { batchSize: 8, seed: 9 });
    b.setState(saved);
    const got = Array.from({ length: 5 }, () => b.next());
    expect(got).toEqual(want);
    expect(() => new InstanceSampler(ds, { batchSize: 8, seed: 1 }).setState(saved)).toThrow(/kind 'ffc'/);
  });
});

describe('prefetching pipeline', () => {
  it('same seed → same batches for 0, 1 and 2 workers', async () => {
    const runs: string[][] = [];
    for (const workers of [0, 1, 2]) {
      const p = new Pipeline(ds, new FfcSampler(ds, { batchSize: 8, seed: 4 }), { workers, prefetch: 3 });
      pipelines.push(p);
      const out: string[] = [];
      for (let k = 0; k < 6; k++) out.push(digest(await p.next()));
      runs.push(out);
      await p.close();
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    const sync = new SyncLoader(ds, new FfcSampler(ds, { batchSize: 8, seed: 4 }));
    expect(digest(sync.nextSync())).toBe(runs[0][0]);
  });

  it('getState while prefetching resumes at the next unconsumed batch', async () => {
    const p = new Pipeline(ds, new InstanceSampler(ds, { batchSize: 16, seed: 8 }), { workers: 2, prefetch: 4 });
    pipelines.push(p);
    for (let k = 0; k < 14; k++) await p.next(); // into epoch 1
    const state = JSON.parse(JSON.stringify(p.getState()));
    const want = [digest(await p.next()), digest(await p.next())];
    const q = new Pipeline(ds, new InstanceSampler(ds, { batchSize: 16, seed: 8 }), { workers: 1 });
    pipelines.push(q);
    q.setState(state);
    expect([digest(await q.next()), digest(await q.next())]).toEqual(want);
    // setState on a running pipeline discards what is in flight
    p.setState(state);
    expect(digest(await p.next())).toBe(want[0]);
    await p.close(); await q.close();
  });

  it('worker errors reach next()', async () => {
    const p = new Pipeline(new SynthDataset('synth:ids=4,per=2,size=8'), new InstanceSampler(new SynthDataset('synth:ids=4,per=2,size=8'), { batchSize: 2 }), { workers: 1, open: { size: 8 } });
    pipelines.push(p);
    await expect(p.next()).resolves.toBeTruthy();
    const bad = new Pipeline({ ...ds, spec: '/no/such/folder', imageSize: 24, size: ds.size, numIdentities: ds.numIdentities, labelOf: (i) => ds.labelOf(i), imagesOf: (i) => ds.imagesOf(i), load: (i) => ds.load(i) }, new InstanceSampler(ds, { batchSize: 4 }), { workers: 1 });
    pipelines.push(bad);
    await expect(bad.next()).rejects.toThrow(/dataset '\/no\/such\/folder' not found/);
    await p.close(); await bad.close();
  });
});
