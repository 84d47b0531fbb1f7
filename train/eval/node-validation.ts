// Opening a validation set by spec in Node: held-out synthetic identities, or a pair-list file.
import { synthVerification, type VerificationSet } from '../data/verification';
import { openVerification } from '../data/node-verification';

/**
 * Opens a validation spec: `synth-pairs[:folds=10,per=300,difficulty=0.5,seed=1]` (held-out synthetic
 * identities), or a file (pairs.txt, `a b 1|0` list, .bin) through the Node reader.
 */
export function openValidation(spec: string, imagesRoot?: string): VerificationSet {
  if (spec.startsWith('synth-pairs')) {
    const o: Record<string, number> = {};
    for (const part of spec.slice('synth-pairs'.length).replace(/^:/, '').split(',').filter(Boolean)) {
      const [k, v] = part.split('=');
      if (!['folds', 'per', 'difficulty', 'seed', 'samples'].includes(k) || !Number.isFinite(Number(v))) {
        throw new Error(`'${spec}': '${part}' is not one of folds=, per=, difficulty=, seed=, samples= with a number`);
      }
      o[k] = Number(v);
    }
    return synthVerification({ folds: o.folds, perFold: o.per, difficulty: o.difficulty, seed: o.seed, samples: o.samples });
  }
  return openVerification(spec, { imagesRoot });
}

