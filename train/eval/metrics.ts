// Verification metrics the way the field reports them (LFW protocol): 10-fold accuracy with the
// threshold chosen on the other 9 folds, precision / recall / F1 of those decisions, ROC AUC (ties
// count half), TAR at a FAR, the best single threshold, and the ROC curve. Browser-safe.

export interface VerificationMetrics {
  pairs: number;
  folds: number;
  accuracy: number;       // mean over folds
  accuracyStd: number;    // population std over folds, as LFW reports it
  foldAccuracies: number[];
  threshold: number;      // best threshold on all pairs
  precision: number; recall: number; f1: number; // of the per-fold decisions
  auc: number;
  tarAtFar: { far: number; tar: number; threshold: number }[];
  chance: number;         // accuracy of always answering the majority class
}

/** Threshold (midpoint between neighbouring scores) with the best accuracy on the given pairs. */
export function bestThreshold(scores: ArrayLike<number>, same: ArrayLike<boolean>, idx?: number[]): { threshold: number; accuracy: number } {
  const ids = idx ?? Array.from({ length: scores.length }, (_, i) => i);
  const order = [...ids].sort((a, b) => scores[a] - scores[b]);
  const positives = order.reduce((c, i) => c + (same[i] ? 1 : 0), 0);
  // threshold below everything: all predicted same
  let correct = positives, best = correct, bestT = scores[order[0]] - 1e-6;
  for (let k = 0; k < order.length; k++) {
    correct += same[order[k]] ? -1 : 1; // order[k] now predicted different
    const next = k + 1 < order.length ? scores[order[k + 1]] : scores[order[k]] + 2e-6;
    if (next === scores[order[k]]) continue; // cannot split tied scores
    if (correct > best) { best = correct; bestT = (scores[order[k]] + next) / 2; }
  }
  return { threshold: bestT, accuracy: best / order.length };
}

/** ROC AUC by the rank-sum statistic; tied scores count half. */
export function rocAuc(scores: ArrayLike<number>, same: ArrayLike<boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  let pos = 0, rankSum = 0;
  for (let i = 0; i < n; i++) if (same[i]) { pos++; rankSum += ranks[i]; }
  const neg = n - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** ROC points (FAR, TAR) from the highest threshold down, one per distinct score. */
export function rocCurve(scores: ArrayLike<number>, same: ArrayLike<boolean>): { far: number; tar: number; threshold: number }[] {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const pos = Array.from(same).filter(Boolean).length, neg = n - pos;
  const pts = [{ far: 0, tar: 0, threshold: Infinity }];
  let tp = 0, fp = 0;
  for (let k = 0; k < n; k++) {
    if (same[order[k]]) tp++; else fp++;
    if (k + 1 < n && scores[order[k + 1]] === scores[order[k]]) continue;
    pts.push({ far: fp / neg, tar: tp / pos, threshold: scores[order[k]] });
  }
  return pts;
}

/** TAR at the largest threshold set whose FAR does not exceed `far`. */
export function tarAtFar(scores: ArrayLike<number>, same: ArrayLike<boolean>, far: number): { far: number; tar: number; threshold: number } {
  let best = { far: 0, tar: 0, threshold: Infinity };
  for (const p of rocCurve(scores, same)) if (p.far <= far) best = p;
  return { far, tar: best.tar, threshold: best.threshold };
}

/**
 * All metrics. Folds default to consecutive blocks (LFW's pairs.txt layout: 10 × 600); pass `foldOf`
 * to follow another assignment (e.g. a VerificationSet's).
 */
export function verificationMetrics(scores: ArrayLike<number>, same: ArrayLike<boolean>, folds = 10, foldOf?: (i: number) => number): VerificationMetrics {
  const n = scores.length;
  if (n !== same.length) throw new Error(`metrics: ${n} scores but ${same.length} labels`);
  const pos = Array.from(same).filter(Boolean).length;
  if (pos === 0 || pos === n) throw new Error(`metrics: the pairs are all ${pos ? 'same' : 'different'}; verification needs both kinds`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(scores[i])) throw new Error(`metrics: score ${i} is ${scores[i]}`);
  const k = Math.min(folds, n);
  const fold = foldOf ?? ((i: number) => Math.min(k - 1, Math.floor((i * k) / n)));
  const predicted = new Array<boolean>(n);
  const foldAccuracies: number[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [], test: number[] = [];
    for (let i = 0; i < n; i++) (fold(i) === f ? test : train).push(i);
    const { threshold } = bestThreshold(scores, same, train.length ? train : test);
    let correct = 0;
    for (const i of test) { predicted[i] = scores[i] > threshold; if (predicted[i] === same[i]) correct++; }
    foldAccuracies.push(correct / test.length);
  }
  const mean = foldAccuracies.reduce((a, v) => a + v, 0) / k;
  const std = Math.sqrt(foldAccuracies.reduce((a, v) => a + (v - mean) ** 2, 0) / k);
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < n; i++) {
    if (predicted[i] && same[i]) tp++;
    else if (predicted[i]) fp++;
    else if (same[i]) fn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0, recall = tp + fn ? tp / (tp + fn) : 0;
  return {
    pairs: n, folds: k, accuracy: mean, accuracyStd: std, foldAccuracies,
    threshold: bestThreshold(scores, same).threshold,
    precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    auc: rocAuc(scores, same),
    tarAtFar: [1e-3, 1e-2].map((far) => tarAtFar(scores, same, far)),
    chance: Math.max(pos, n - pos) / n,
  };
}

/** Cosine similarity of two embeddings. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb || 1);
}
