// Memory scopes: tensors created inside `tidy(fn)` are disposed when it returns, except what it returns
// and what was `keep()`-ed. Scopes nest; returned tensors move to the enclosing scope.
import { engine } from './engine';
import { Tensor } from './tensor';

function collectTensors(value: unknown, into: Set<Tensor>, depth = 0): void {
  if (value instanceof Tensor) { into.add(value); return; }
  if (depth > 4 || value === null || typeof value !== 'object') return;
  const items = Array.isArray(value) ? value : value instanceof Map ? [...value.values()] : Object.values(value);
  for (const v of items) collectTensors(v, into, depth + 1);
}

export function tidy<T>(fn: () => T): T {
  const e = engine();
  const scope = new Set<Tensor>();
  e.scopes.push(scope);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) throw new Error('tidy(): the function must be synchronous (it returned a Promise)');
  } catch (err) {
    // nothing escapes a failed scope: free what it made (tensors still saved on the tape keep their buffers)
    e.scopes.pop();
    for (const t of scope) t.dispose();
    throw err;
  }
  e.scopes.pop();
  const kept = new Set<Tensor>();
  collectTensors(result, kept);
  const parent = e.scopes[e.scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

/** Lets a tensor outlive every enclosing scope; the caller disposes it. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of engine().scopes) s.delete(t);
  return t;
}
