// The dynamic class pool (DCP) of FFC: Q slots, each holding two recent G-features of one identity
// (rows 0 and 1) and a write toggle, managed least-recently-used. Features live on the device
// ([2Q, D]: row r of slot q at r·Q + q) and are written by scatter; the LRU bookkeeping stays on the
// host with the labels, so features are never read back.
import * as E from '../engine/index';
import type { Tensor } from '../engine/index';

/** Host state of the pool, as saved in checkpoints (LRU order: least recent first). */
export interface PoolHostState { lru: [number, number][]; toggles: number[]; free: number[] }

/** What a temporary write needs to be undone exactly. */
export interface PoolUndo { host: PoolHostState; dest: Tensor; oldRows: Tensor }

export class DynamicClassPool {
  /** [2Q, D] features. */
  readonly features: Tensor;
  private lru = new Map<number, number>(); // identity → slot, insertion order = recency (first = LRU)
  private toggles: Uint8Array;
  private free: number[];

  constructor(readonly slots: number, readonly dim: number, seed = 3) {
    if (!Number.isInteger(slots) || slots < 1) throw new Error(`DCP: pool size ${slots} must be a positive integer`);
    const rng = new E.Rng(seed);
    const init = new Float32Array(2 * slots * dim);
    for (let r = 0; r < 2 * slots; r++) {
      let norm = 0;
      for (let d = 0; d < dim; d++) { const v = rng.normal(); init[r * dim + d] = v; norm += v * v; }
      norm = Math.sqrt(norm);
      for (let d = 0; d < dim; d++) init[r * dim + d] /= norm;
    }
    this.features = E.keep(E.tensor(init, [2 * slots, dim]));
    this.toggles = new Uint8Array(slots);
    this.free = Array.from({ length: slots }, (_, i) => slots - 1 - i); // pop() gives slot 0 first
  }

  get size(): number { return this.lru.size; }

  /** The slot of each label, or −1 when absent. Does not change recency. */
  lookup(labels: Int32Array): Int32Array {
    return labels.map((l) => this.lru.get(l) ?? -1);
  }

  /**
   * Assigns rows for a batch of labels, in order: a miss takes a free slot or evicts the least recently
   * used one, writes row 0 and sets the toggle; a hit moves the slot to most recent, writes the row the
   * toggle points to and flips it. Returns each sample's destination row and which slots were hit.
   */
  plan(labels: Int32Array): { dest: Int32Array; hit: Uint8Array } {
    const dest = new Int32Array(labels.length);
    const hit = new Uint8Array(this.slots);
    labels.forEach((label, i) => {
      let slot = this.lru.get(label);
      if (slot !== undefined) {
        this.lru.delete(label);
        this.lru.set(label, slot);
        dest[i] = this.toggles[slot] * this.slots + slot;
        this.toggles[slot] ^= 1;
        hit[slot] = 1;
      } else {
        if (this.free.length) slot = this.free.pop()!;
        else {
          const [victim, s] = this.lru.entries().next().value as [number, number];
          this.lru.delete(victim);
          slot = s;
        }
        this.lru.set(label, slot);
        dest[i] = slot;
        this.toggles[slot] = 1;
        hit[slot] = 0;
      }
    });
    return { dest, hit };
  }

  /**
   * Writes G-features [n, D] with their labels. With `temporary`, returns what `undo` needs to restore
   * the pool, toggles and LRU exactly.
   */
  write(feats: Tensor, labels: Int32Array, temporary: boolean): { hit: Uint8Array; undo: PoolUndo | null } {
    if (feats.rank !== 2 || feats.shape[1] !== this.dim || feats.shape[0] !== labels.length) {
      throw new Error(`DCP: features [${feats.shape.join(',')}] should be [${labels.length}, ${this.dim}]`);
    }
    const host = temporary ? this.hostState() : null;
    const { dest, hit } = this.plan(labels);
    const destT = E.keep(E.tensor(dest, [dest.length], 'i32'));
    const undo = host ? { host, dest: destT, oldRows: E.keep(E.noGrad(() => E.gatherRows(this.features, destT))) } : null;
    E.scatterRowsInPlace(this.features, destT, feats);
    if (!undo) destT.dispose();
    return { hit, undo };
  }

  /** Restores the pool to before a temporary write. */
  undo(u: PoolUndo): void {
    E.scatterRowsInPlace(this.features, u.dest, u.oldRows); // duplicates restore the same original row
    this.setHostState(u.host);
    u.dest.dispose();
    u.oldRows.dispose();
  }

  /** Class centres for the loss: rows 0, and W (row 1 for slots hit in this step, row 0 otherwise). */
  centres(hit: Uint8Array): { row0: Tensor; w: Tensor } {
    const q = this.slots;
    return E.noGrad(() => {
      const row0 = E.slice(this.features, [0, 0], [q, this.dim]); // rows 0 are the first Q rows: no index upload
      if (!hit.some((h) => h)) return { row0, w: E.slice(this.features, [0, 0], [q, this.dim]) };
      const idxW = Int32Array.from({ length: q }, (_, s) => (hit[s] ? q + s : s));
      return { row0, w: E.gatherRows(this.features, E.tensor(idxW, [q], 'i32')) };
    });
  }

  hostState(): PoolHostState {
    return { lru: [...this.lru.entries()], toggles: Array.from(this.toggles), free: [...this.free] };
  }

  setHostState(s: PoolHostState): void {
    if (s.toggles.length !== this.slots) throw new Error(`DCP: saved pool has ${s.toggles.length} slots, this one ${this.slots}`);
    this.lru = new Map(s.lru);
    this.toggles = Uint8Array.from(s.toggles);
    this.free = [...s.free];
  }

  dispose(): void { this.features.dispose(); }
}
