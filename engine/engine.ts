// The engine's state: the backend in use, the stack of memory scopes, the autograd tape and the
// no-grad switch. One engine is current at a time; ops find it through `engine()`.
import type { Backend, KernelArgs, KernelName } from './kernels';
import type { Tensor } from './tensor';
import type { TapeNode } from './autograd';

export class Engine {
  /** Tensors created inside each open `tidy` scope, innermost last. */
  readonly scopes: Set<Tensor>[] = [];
  readonly tape: TapeNode[] = [];
  noGradDepth = 0;
  /** Live tensor objects (not yet disposed), for leak checks. */
  liveTensors = 0;
  /** Debug: fill every new op output with NaN (f32) or a sentinel (ints) so unwritten elements show. */
  poison = false;

  constructor(readonly backend: Backend) {}

  get recording(): boolean { return this.noGradDepth === 0; }

  run<K extends KernelName>(kernel: K, args: KernelArgs[K], label: string): void {
    this.backend.run(kernel, args, label);
  }
}

let current: Engine | null = null;

/** The current engine; throws with what to do when none was started. */
export function engine(): Engine {
  if (!current) {
    throw new Error('ffc-webgpu: no backend is running. Call `await init({ backend: "auto" })` first ' +
      '(or `initNode` from the Node entry).');
  }
  return current;
}

/** Makes `e` the current engine (null to clear); returns the previous one. */
export function setEngine(e: Engine | null): Engine | null {
  const prev = current;
  current = e;
  return prev;
}
