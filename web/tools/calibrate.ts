// Build-time tool (Node): picks the decision threshold of a model on held-out synthetic pairs and
// writes it into the model's JSON. Run by scripts/web-build.mjs; not part of the page.
//   node calibrate.js <model.safetensors> <model.json in> <model.json out> [pairs per fold]
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { initNode } from '../../engine/node';
import { decodeSafetensors } from '../../engine/safetensors';
import { synthVerification } from '../../train/data/index';
import { scorePairs, metricsOf } from '../../train/eval/verify';
import { mobileFaceNetFromState, type ModelMeta } from '../model';

const [weights, metaIn, metaOut, perFoldArg] = process.argv.slice(2);
if (!weights || !metaIn || !metaOut) throw new Error('usage: calibrate <model.safetensors> <meta in> <meta out> [pairs per fold]');
const bytes = readFileSync(weights);
const meta = JSON.parse(readFileSync(metaIn, 'utf8')) as ModelMeta & Record<string, unknown>;
await initNode({ backend: 'wasm', log: null });
const model = mobileFaceNetFromState(decodeSafetensors(bytes, weights).tensors, basename(weights), { ...meta, threshold: undefined });
const folds = 10, perFold = Number(perFoldArg ?? 20);
// held-out identities (never trained on), the same renderer settings as the training data
const set = synthVerification({ folds, perFold, difficulty: 0.5, seed: 1 });
const t0 = performance.now();
const { scores } = await scorePairs(set, model, { flip: true, batch: 32 });
const m = metricsOf(set, scores);
const out = {
  ...meta,
  threshold: Number(m.threshold.toFixed(4)),
  calibration: {
    pairs: set.count, folds, accuracy: Number(m.accuracy.toFixed(4)), accuracyStd: Number(m.accuracyStd.toFixed(4)),
    auc: Number(m.auc.toFixed(4)), set: 'synth-pairs (held-out identities, difficulty 0.5, seed 1)', flip: true,
  },
  sha256: createHash('sha256').update(bytes).digest('hex'),
};
writeFileSync(metaOut, `${JSON.stringify(out, null, 2)}\n`);
console.log(`calibrated ${basename(weights)} on ${set.count} held-out synthetic pairs in ${((performance.now() - t0) / 1000).toFixed(1)} s: ` +
  `threshold ${out.threshold}, 10-fold accuracy ${(100 * m.accuracy).toFixed(1)}%, AUC ${m.auc.toFixed(3)}`);
process.exit(0);
