// The synthetic face generator: determinism and identity separation.
import { describe, expect, it } from 'vitest';
import { renderFace, faceIdentity } from '../../train/data/synth';
import { SynthDataset, parseSynthSpec } from '../../train/data/dataset';
import { synthVerification, synthPairLines, formatLfwPairs, parseLfwPairs } from '../../train/data/verification';
import { verificationMetrics } from '../../train/eval/metrics';
import { cosine } from './helpers';

describe('synthetic faces', () => {
  it('is deterministic per (identity, sample, size, seed, difficulty)', () => {
    const a = renderFace(12345, 3, 48), b = renderFace(12345, 3, 48);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(Buffer.from(renderFace(12345, 4, 48).data).equals(Buffer.from(a.data))).toBe(false);
    expect(Buffer.from(renderFace(12345, 3, 48, { seed: 2 }).data).equals(Buffer.from(a.data))).toBe(false);
    expect(renderFace(9_999_999, 0, 16).data.length).toBe(16 * 16 * 3); // 10^7 identities: nothing stored
    expect(faceIdentity(7)).toEqual(faceIdentity(7));
    expect(renderFace(1, 1, 200).width).toBe(200);
  });

  it('dataset spec strings', () => {
    expect(parseSynthSpec('synth:ids=100000,per=5,size=64,difficulty=0.3,seed=9')).toEqual({ ids: 100000, per: 5, size: 64, difficulty: 0.3, seed: 9, offset: 0 });
    expect(() => parseSynthSpec('synth:ids=10,colour=3')).toThrow(/unknown key 'colour'/);
    expect(() => parseSynthSpec('synth:difficulty=2')).toThrow(/within 0\.\.1/);
    const ds = new SynthDataset('synth:ids=100000,per=4,size=32');
    expect([ds.size, ds.numIdentities, ds.labelOf(399_999), ds.imageSize]).toEqual([400000, 100000, 99999, 32]);
    expect(Array.from(ds.imagesOf(2))).toEqual([8, 9, 10, 11]);
    expect(Buffer.from(ds.load(9).data).equals(Buffer.from(renderFace(2, 1, 32).data))).toBe(true);
  });

  it('same-identity and different-identity raw-pixel cosines differ but overlap; raw-pixel verification is far from solved', () => {
    const set = synthVerification({ perFold: 30, samples: 10 });
    const scores: number[] = [];
    for (let i = 0; i < set.count; i++) scores.push(cosine(set.loadImage(i, 0, 40).data, set.loadImage(i, 1, 40).data));
    const same = scores.filter((_, i) => set.pairs[i].same), diff = scores.filter((_, i) => !set.pairs[i].same);
    const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
    expect(mean(same)).toBeGreaterThan(mean(diff) + 0.03); // identity is in the pixels…
    expect(Math.min(...same)).toBeLessThan(Math.max(...diff)); // …but the distributions overlap
    const acc = verificationMetrics(scores, set.same, 10, (i) => set.foldOf(i));
    expect(acc.accuracy).toBeGreaterThan(0.55);
    expect(acc.accuracy).toBeLessThan(0.85); // measured ≈ 0.67 at the default difficulty (1200 pairs)
    // difficulty 0 (canonical views) is nearly trivial for raw pixels
    const easy = synthVerification({ perFold: 10, difficulty: 0 });
    const es = Array.from({ length: easy.count }, (_, i) => cosine(easy.loadImage(i, 0, 40).data, easy.loadImage(i, 1, 40).data));
    expect(verificationMetrics(es, easy.same, 10, (i) => easy.foldOf(i)).accuracy).toBeGreaterThan(0.9);
  });

  it('held-out pairs come in LFW View 2 layout', () => {
    const p = synthPairLines({ folds: 10, perFold: 5 });
    const back = parseLfwPairs(formatLfwPairs(p));
    expect(back.folds).toBe(10);
    expect(back.lines).toEqual(p.lines);
    expect(p.lines[0].nameA).toBe('synth_1000000000');
  });
});
