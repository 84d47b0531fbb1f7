// Every op, forward and backward, on every backend against the f64 reference (same inputs, outputs
// poisoned so unwritten elements show).
import { beforeAll, describe, it } from 'vitest';
import { setEngine, type Engine } from '../engine/engine';
import { OP_CASES, makeInputs } from './op-cases';
import { lossWeights, runCase, type CaseResult } from './run-case';
import { expectClose, refEngine } from './helpers';
import { BACKENDS, startEngine, unavailable } from './backends';

const expected = new Map<string, { inputs: Float64Array[]; w: Float64Array | null; result: CaseResult }>();

beforeAll(async () => {
  refEngine();
  for (const c of OP_CASES) {
    const inputs = makeInputs(c, 3);
    const plain = await runCase(c, inputs, null);
    const w = c.noGrad ? null : lossWeights(plain.out.length, 5);
    expected.set(c.name, { inputs, w, result: w ? await runCase(c, inputs, w) : plain });
  }
});

for (const name of BACKENDS) {
  describe.skipIf(unavailable(name))(`ops on ${name}`, () => {
    let engine: Engine | null = null;
    beforeAll(async () => {
      engine = await startEngine(name);
      if (engine) engine.poison = true;
    });
    for (const c of OP_CASES) {
      it(c.name, async () => {
        setEngine(engine!);
        const exp = expected.get(c.name)!;
        const got = await runCase(c, exp.inputs, exp.w);
        const rtol = c.rtol ?? 2e-5;
        expectClose(got.out, exp.result.out, rtol, 1e-5, `${c.name} on ${name}: forward`);
        got.grads.forEach((g, k) => {
          if (g) expectClose(g, exp.result.grads[k]!, rtol * 5, 1e-4, `${c.name} on ${name}: gradient of input ${k}`);
        });
      });
    }
  });
}
