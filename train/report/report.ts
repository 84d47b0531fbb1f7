// report.md for an evaluation: the metrics table, the similarity density histogram with the chosen
// threshold, and the ROC curve, as SVG files beside it.
import type { VerificationMetrics } from '../eval/metrics';
import { rocCurve } from '../eval/metrics';
import { lineChart, similarityHistogram } from './svg';

export const pct = (v: number, digits = 2) => `${(100 * v).toFixed(digits)}%`;

export interface EvalReport { markdown: string; files: Record<string, string> }

export function metricsTable(rows: { name: string; m: VerificationMetrics }[]): string {
  const lines = [
    '| model | accuracy (10-fold) | precision | recall | F1 | AUC | TAR@FAR=1e-3 | threshold |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(({ name, m }) => `| ${name} | ${pct(m.accuracy)} ± ${pct(m.accuracyStd)} | ${pct(m.precision)} | ${pct(m.recall)} | ${pct(m.f1)} | ${pct(m.auc)} | ${pct(m.tarAtFar[0].tar)} | ${m.threshold.toFixed(3)} |`),
  ];
  return lines.join('\n');
}

export function evalReport(name: string, pairsName: string, m: VerificationMetrics, scores: ArrayLike<number>, same: boolean[], slug = 'eval'): EvalReport {
  const sameScores: number[] = [], diffScores: number[] = [];
  for (let i = 0; i < scores.length; i++) (same[i] ? sameScores : diffScores).push(scores[i]);
  const hist = similarityHistogram(sameScores, diffScores, m.threshold, { title: `${name}: similarity densities on ${pairsName}` });
  const roc = rocCurve(scores, same);
  const rocSvg = lineChart([{ name: `${name} (AUC ${m.auc.toFixed(4)})`, points: roc.map((p) => [p.far, p.tar]) }], {
    title: `ROC on ${pairsName}`, xLabel: 'false accept rate', yLabel: 'true accept rate', xMin: 0, xMax: 1, yMin: 0, yMax: 1,
  });
  const files = { [`${slug}-similarity.svg`]: hist, [`${slug}-roc.svg`]: rocSvg };
  const markdown = `# Verification: ${name} on ${pairsName}

${m.pairs} pairs, ${m.folds}-fold protocol (each fold's threshold chosen on the other folds). Chance level (always the majority answer): ${pct(m.chance)}.

${metricsTable([{ name, m }])}

Fold accuracies: ${m.foldAccuracies.map((a) => pct(a, 1)).join(', ')}. TAR@FAR=1e-2: ${pct(m.tarAtFar[1].tar)}.

![similarity densities](${slug}-similarity.svg)

![ROC](${slug}-roc.svg)
`;
  return { markdown, files };
}
