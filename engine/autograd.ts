// Reverse-mode autograd. `apply` runs an op and, when any input requires grad, records a tape node that
// keeps what the backward rule needs. `backward` walks the tape in reverse creation order (a topological
// order, since a node's inputs always exist before it), accumulating gradients into leaves' `.grad`.
import { engine } from './engine';
import { Tensor } from './tensor';
import { keep, tidy } from './scope';

export interface OpContext<A> {
  readonly inputs: readonly Tensor[];
  /** The op's output (only kept when the op sets `savesOutput`). */
  readonly output: Tensor;
  readonly attrs: A;
  /** Which inputs a gradient is wanted for (skip computing the others). */
  readonly needsGrad: readonly boolean[];
}

/** One op as data: its forward (kernel calls) and its backward rule (other ops, or backward kernels). */
export interface Op<A = undefined> {
  readonly name: string;
  forward(inputs: readonly Tensor[], attrs: A): Tensor;
  /** Gradients w.r.t. each input (null where none flows), computed from other ops. */
  backward?(grad: Tensor, ctx: OpContext<A>): (Tensor | null)[];
  /** The backward rule reads the output (exp, sqrt, log-softmax ...). */
  readonly savesOutput?: boolean;
}

/** Where a gradient goes: a recorded node, or a leaf tensor (a parameter). */
type GradSink = TapeNode | Tensor;

export interface TapeNode {
  readonly op: string;
  readonly sinks: (GradSink | null)[];
  readonly backward: (g: Tensor) => (Tensor | null)[];
  readonly saved: Tensor[];
  released: boolean;
}

function sinkOf(t: Tensor): GradSink | null {
  if (!t.requiresGrad) return null;
  if (t.node) return t.node.released ? null : t.node;
  return t;
}

/** A second reference to t's buffer that no scope owns (for saving across scopes). */
function ref(t: Tensor): Tensor {
  return keep(new Tensor(t.shape, t.dtype, t));
}

export function apply<A>(op: Op<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  for (const t of inputs) void t.buffer; // a disposed input throws here, naming the tensor
  const output = op.forward(inputs, attrs);
  const e = engine();
  if (!e.recording || !op.backward) return output;
  const sinks = inputs.map(sinkOf);
  if (sinks.every((s) => s === null)) return output;
  const saved = inputs.map(ref);
  const savedOutput = op.savesOutput ? ref(output) : output;
  if (op.savesOutput) saved.push(savedOutput);
  const ctx: OpContext<A> = { inputs: saved.slice(0, inputs.length), output: savedOutput, attrs, needsGrad: sinks.map((s) => s !== null) };
  const backwardRule = op.backward.bind(op);
  const node: TapeNode = { op: op.name, sinks, backward: (g) => backwardRule(g, ctx), saved, released: false };
  e.tape.push(node);
  output.requiresGrad = true;
  output.node = node;
  return output;
}

/** Runs fn without recording anything on the tape. */
export function noGrad<T>(fn: () => T): T {
  const e = engine();
  e.noGradDepth++;
  try { return fn(); } finally { e.noGradDepth--; }
}

/** Marks a tensor as a leaf whose gradient is accumulated into `.grad`. */
export function requireGrad<T extends Tensor>(t: T): T {
  t.requiresGrad = true;
  return t;
}

/** a += b in place when a owns its buffer alone; otherwise a new sum. Disposes b. Returns the sum. */
function accumulate(a: Tensor, b: Tensor): Tensor {
  const e = engine();
  if (a.isExclusive) {
    e.run('axpby', { x: b.buffer, y: a.buffer, n: a.size, alpha: 1, beta: 1 }, `grad-accumulate [${a.shape}]`);
    b.dispose();
    return a;
  }
  const sum = keep(new Tensor(a.shape, 'f32', e.backend.alloc(a.size * 4)));
  e.run('copy', { x: a.buffer, out: sum.buffer, shape: [a.size], xStrides: [1], xOffset: 0, outStrides: [1], outOffset: 0 }, 'grad-accumulate copy');
  e.run('axpby', { x: b.buffer, y: sum.buffer, n: a.size, alpha: 1, beta: 1 }, `grad-accumulate [${a.shape}]`);
  a.dispose();
  b.dispose();
  return sum;
}

/** Frees every node on the tape (what they saved), e.g. after a forward pass that needs no backward. */
export function clearTape(): void {
  const e = engine();
  for (const node of e.tape) {
    node.released = true;
    for (const t of node.saved) t.dispose();
  }
  e.tape.length = 0;
}

/**
 * Back-propagates from `loss` (seed gradient: ones, or `seed`) into every leaf that requires grad,
 * adding to leaves' `.grad`. The tape is consumed.
 */
export function backward(loss: Tensor, seed?: Tensor): void {
  const e = engine();
  if (!loss.requiresGrad) {
    throw new Error(`backward: ${loss} does not depend on any tensor that requires grad`);
  }
  const grads = new Map<TapeNode, Tensor>();
  const deliver = (sink: GradSink, g: Tensor) => {
    if (sink instanceof Tensor) {
      sink.grad = sink.grad && !sink.grad.isDisposed ? accumulate(sink.grad, g) : g;
    } else {
      const prev = grads.get(sink);
      grads.set(sink, prev ? accumulate(prev, g) : g);
    }
  };
  e.noGradDepth++;
  try {
    const first = seed ? ref(seed) : keep(onesLike(loss));
    const sink = sinkOf(loss);
    if (sink) deliver(sink, first);
    for (let i = e.tape.length - 1; i >= 0; i--) {
      const node = e.tape[i];
      const g = grads.get(node);
      if (!g) continue;
      grads.delete(node);
      const inGrads = tidy(() => node.backward(g));
      const handed = new Set<Tensor>();
      node.sinks.forEach((s, j) => {
        const gj = inGrads[j];
        if (!s || !gj) return;
        // a rule may hand the same tensor (or g itself) to several inputs: each sink gets its own reference
        const own = handed.has(gj) || gj === g ? ref(gj) : keep(gj);
        handed.add(gj);
        deliver(s, own);
      });
      for (const gj of inGrads) if (gj && !handed.has(gj) && gj !== g) gj.dispose();
      g.dispose();
    }
  } finally {
    e.noGradDepth--;
    for (const g of grads.values()) g.dispose();
    clearTape();
  }
}

function onesLike(t: Tensor): Tensor {
  const e = engine();
  const out = new Tensor(t.shape, 'f32', e.backend.alloc(Math.max(4, t.size * 4)));
  e.run('fill', { out: out.buffer, n: t.size, value: 1, dtype: 'f32' }, 'ones');
  return out;
}
