// Every backward rule against central finite differences, in f64 on the reference backend.
import { describe, expect, it } from 'vitest';
import { OP_CASES, makeInputs } from './op-cases';
import { lossWeights, runCase } from './run-case';
import { expectClose, refEngine } from './helpers';

describe('finite-difference gradient checks (f64 reference)', () => {
  refEngine();
  for (const c of OP_CASES.filter((c) => !c.noGrad)) {
    it(c.name, async () => {
      const inputs = makeInputs(c, 7);
      const base = await runCase(c, inputs, null);
      const w = lossWeights(base.out.length, 11);
      const loss = (out: number[]) => out.reduce((acc, v, i) => acc + v * w[i], 0);
      const analytic = await runCase(c, inputs, w);
      const h = 1e-6;
      for (let k = 0; k < inputs.length; k++) {
        if (c.inputs[k].kind === 'idx') continue;
        const numeric = new Float64Array(inputs[k].length);
        for (let j = 0; j < inputs[k].length; j++) {
          const plus = inputs.map((a) => a.slice()), minus = inputs.map((a) => a.slice());
          plus[k][j] += h; minus[k][j] -= h;
          numeric[j] = (loss((await runCase(c, plus, null)).out) - loss((await runCase(c, minus, null)).out)) / (2 * h);
        }
        expectClose(analytic.grads[k]!, numeric, 1e-5, 1e-6, `${c.name}: d/d input ${k}`);
      }
      expect(analytic.grads.length).toBe(inputs.length);
    });
  }
});
