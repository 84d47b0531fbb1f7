// Shared test helpers: the backends to run every test body on, random data, and comparisons.
import { createReferenceBackend } from './reference/backend';
import { useBackend } from '../engine/init';
import type { Engine } from '../engine/engine';
import { Rng } from '../engine/random';

export const refEngine = (): Engine => useBackend(createReferenceBackend());

/** Random values in [-1, 1) with magnitude at least 0.05 (never zero). */
export function randomValues(n: number, rng: Rng, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = lo + (hi - lo) * rng.next();
    if (Math.abs(v) < 0.05) v = v < 0 ? -0.05 - rng.next() * 0.1 : 0.05 + rng.next() * 0.1;
    a[i] = v;
  }
  return a;
}

/** Largest |a - b| / (atol/rtol scaled) — throws a readable message when above 1. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6, what = 'values'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != expected ${expected.length}`);
  let worst = -1, worstRatio = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(a) !== Number.isNaN(e)) { worst = i; worstRatio = Infinity; break; }
    if (Number.isNaN(a)) continue;
    const ratio = Math.abs(a - e) / (atol + rtol * Math.abs(e));
    if (ratio > worstRatio) { worstRatio = ratio; worst = i; }
  }
  if (worstRatio > 1) {
    throw new Error(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol}; ${actual.length} elements)`);
  }
}
