// Modules: named parameters (trained), buffers (state such as BN running averages) and child modules,
// with train/eval mode and state dicts whose names join the path with dots ("blocks.3.expand.bn.running_mean").
import { engine } from './engine';
import { Tensor } from './tensor';
import { keep } from './scope';
import { requireGrad } from './autograd';
import type { NamedArray } from './safetensors';
import { fmt } from './shape';

const TYPED = { f32: Float32Array, i32: Int32Array, u32: Uint32Array } as const;

/** Host values as the dtype's typed array (the f64 reference backend reads back Float64Array). */
export function toTyped(dtype: NamedArray['dtype'], data: ArrayLike<number>): NamedArray['data'] {
  return data instanceof TYPED[dtype] ? (data as NamedArray['data']) : TYPED[dtype].from(data);
}

export class Module {
  training = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** Registers a trainable parameter (kept alive until dispose()). */
  protected param(name: string, t: Tensor): Tensor {
    this.ownParams.set(name, requireGrad(keep(t)));
    return t;
  }

  /** Registers non-trained state that is saved with the weights. */
  protected buffer(name: string, t: Tensor): Tensor {
    this.ownBuffers.set(name, keep(t));
    return t;
  }

  protected child<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.ownParams].map(([n, t]) => [prefix + n, t]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.ownBuffers].map(([n, t]) => [prefix + n, t]);
    for (const [n, c] of this.children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([n, t]) => { t.name ??= n; return t; });
  }

  /** Parameters and buffers by name. */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  train(on = true): this {
    this.training = on;
    for (const c of this.children.values()) c.train(on);
    return this;
  }

  eval(): this { return this.train(false); }

  /** Copies every tensor of the state dict to the host. */
  async saveState(): Promise<Map<string, NamedArray>> {
    const out = new Map<string, NamedArray>();
    for (const [name, t] of this.stateDict()) {
      out.set(name, { dtype: t.dtype, shape: [...t.shape], data: toTyped(t.dtype, await t.data()) });
    }
    return out;
  }

  /**
   * Loads a state dict into this module's tensors (in place). Missing, extra or wrongly shaped
   * tensors are an error naming them, and nothing is written unless everything matches.
   */
  loadState(state: Map<string, NamedArray>, source = 'state dict'): void {
    const mine = this.stateDict();
    const missing = [...mine.keys()].filter((k) => !state.has(k));
    const extra = [...state.keys()].filter((k) => !mine.has(k));
    const wrong = [...mine].filter(([k, t]) => state.has(k) &&
      (state.get(k)!.shape.join() !== t.shape.join() || state.get(k)!.dtype !== t.dtype))
      .map(([k, t]) => `${k}: file has ${state.get(k)!.dtype} ${fmt(state.get(k)!.shape)}, model has ${t.dtype} ${fmt(t.shape)}`);
    if (missing.length || extra.length || wrong.length) {
      const parts = [
        missing.length ? `missing ${missing.length} (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})` : '',
        extra.length ? `unexpected ${extra.length} (${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''})` : '',
        wrong.length ? `wrong shape ${wrong.length} (${wrong.slice(0, 5).join('; ')})` : '',
      ].filter(Boolean);
      throw new Error(`${source} does not fit this model: ${parts.join('; ')}. Was it saved from another architecture or options?`);
    }
    const b = engine().backend;
    for (const [k, t] of mine) b.write(t.buffer, state.get(k)!.data);
  }

  dispose(): void {
    for (const t of this.ownParams.values()) { t.grad?.dispose(); t.dispose(); }
    for (const t of this.ownBuffers.values()) t.dispose();
    for (const c of this.children.values()) c.dispose();
  }
}
