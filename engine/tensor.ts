// Tensor: a shape, a dtype and a reference-counted device buffer. Views (reshape) share the buffer.
// Memory is explicit: every tensor is disposed by its `tidy` scope or by `dispose()`.
import type { DeviceBuffer, DType, TypedArray } from './kernels';
import { engine, type Engine } from './engine';
import type { TapeNode } from './autograd';
import { fmt, sizeOf, type Shape } from './shape';

/** A device buffer shared by a tensor and its views; freed when the last one lets go. */
class Storage {
  refs = 1;
  constructor(readonly buf: DeviceBuffer, readonly owner: Engine) {}
  release(): void {
    if (--this.refs === 0) this.owner.backend.free(this.buf);
  }
}

let nextTensorId = 1;

export class Tensor {
  readonly id = nextTensorId++;
  readonly shape: readonly number[];
  readonly size: number;
  /** Set by autograd: this tensor takes part in gradient computation. */
  requiresGrad = false;
  /** Accumulated gradient of a leaf that requires grad (kept, not owned by any scope). */
  grad: Tensor | null = null;
  /** The tape node that produced this tensor, if it was recorded. */
  node: TapeNode | null = null;
  /** Optional name, used in error messages and state dicts. */
  name?: string;
  private storage: Storage | null;

  /** Wraps a buffer (taking one reference) — use the creation functions instead of this. */
  constructor(shape: Shape, readonly dtype: DType, source: DeviceBuffer | Tensor) {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    const e = engine();
    if (source instanceof Tensor) {
      this.storage = source.liveStorage();
      this.storage.refs++;
    } else {
      this.storage = new Storage(source, e);
    }
    e.liveTensors++;
    e.scopes[e.scopes.length - 1]?.add(this);
  }

  get rank(): number { return this.shape.length; }
  /** True when no other tensor shares this buffer (so it may be updated in place). */
  get isExclusive(): boolean { return this.liveStorage().refs === 1; }
  get isDisposed(): boolean { return this.storage === null; }

  /** The device buffer; throws if the tensor was disposed. */
  get buffer(): DeviceBuffer { return this.liveStorage().buf; }

  private liveStorage(): Storage {
    if (!this.storage) {
      throw new Error(`tensor #${this.id}${this.name ? ` '${this.name}'` : ''} ${fmt(this.shape)} ${this.dtype} ` +
        'was used after it was disposed (by dispose() or by the tidy scope it was created in; keep() it to let it outlive its scope)');
    }
    return this.storage;
  }

  /** Frees this tensor's reference to its buffer. Safe to call twice. */
  dispose(): void {
    if (!this.storage) return;
    const e = this.storage.owner;
    this.storage.release();
    this.storage = null;
    e.liveTensors--;
    for (const s of e.scopes) s.delete(this);
  }

  /** Copies the values to the host (waits for pending work). */
  async data(): Promise<TypedArray | Float64Array> {
    const storage = this.liveStorage();
    return storage.owner.backend.read(storage.buf, this.dtype, this.size);
  }

  /** The values as a plain array (flat). */
  async toArray(): Promise<number[]> {
    return Array.from(await this.data());
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item(): tensor ${fmt(this.shape)} has ${this.size} elements, not 1`);
    return (await this.data())[0];
  }

  toString(): string {
    return `Tensor#${this.id}${this.name ? ` '${this.name}'` : ''} ${fmt(this.shape)} ${this.dtype}`;
  }
}
