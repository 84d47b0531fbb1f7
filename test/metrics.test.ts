// Verification metrics against hand-computed cases.
import { describe, expect, it } from 'vitest';
import { bestThreshold, rocAuc, tarAtFar, verificationMetrics } from '../train/eval/metrics';

describe('verification metrics', () => {
  it('AUC counts tied scores as half', () => {
    expect(rocAuc([0.9, 0.8, 0.3, 0.1], [true, true, false, false])).toBe(1);
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [true, true, false, false])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [true, false, true, false])).toBe(0.5);
    // positives 0.6, 0.4; negatives 0.4, 0.2: pairs (0.6>0.4, 0.6>0.2, 0.4=0.4 half, 0.4>0.2) = 3.5 / 4
    expect(rocAuc([0.6, 0.4, 0.4, 0.2], [true, true, false, false])).toBe(0.875);
  });

  it('picks the threshold between neighbours, never splitting tied scores', () => {
    const r = bestThreshold([0.1, 0.3, 0.7, 0.9], [false, false, true, true]);
    expect(r.accuracy).toBe(1);
    expect(r.threshold).toBeCloseTo(0.5, 12);
    const tied = bestThreshold([0.5, 0.5, 0.5, 0.9], [false, true, false, true]);
    expect(tied.accuracy).toBe(0.75); // the tie at 0.5 cannot be split
    expect(tied.threshold).toBeCloseTo(0.7, 12);
  });

  it('10-fold accuracy uses thresholds from the other folds', () => {
    // 20 pairs, 10 folds of 2: a same pair at 0.8 + a different at 0.2, except fold 3 whose same pair scores 0.1
    const scores: number[] = [], same: boolean[] = [];
    for (let f = 0; f < 10; f++) { scores.push(f === 3 ? 0.1 : 0.8, 0.2); same.push(true, false); }
    const m = verificationMetrics(scores, same, 10);
    expect(m.foldAccuracies).toEqual([1, 1, 1, 0.5, 1, 1, 1, 1, 1, 1]);
    expect(m.accuracy).toBeCloseTo(0.95, 12);
    expect(m.accuracyStd).toBeCloseTo(0.15, 12);
    expect(m.precision).toBe(1);
    expect(m.recall).toBeCloseTo(0.9, 12);
    expect(m.f1).toBeCloseTo(2 * 0.9 / 1.9, 12);
    expect(m.chance).toBe(0.5);
    expect(tarAtFar(scores, same, 0).tar).toBeCloseTo(0.9, 12);
  });

  it('rejects inputs that are not a verification problem', () => {
    expect(() => verificationMetrics([0.1, 0.2], [true, true])).toThrow('the pairs are all same; verification needs both kinds');
    expect(() => verificationMetrics([0.1, NaN], [true, false])).toThrow('score 1 is NaN');
    expect(() => verificationMetrics([0.1], [true, false])).toThrow('1 scores but 2 labels');
  });
});
