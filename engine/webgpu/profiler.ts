// Per-kernel GPU timing. While profiling, every dispatch runs in its own compute pass with
// timestampWrites (begin / end) into a query set; the query set is resolved into a buffer and copied to
// a mappable staging buffer when it fills up and at stopProfile, which maps them and turns the
// timestamps into one ProfileRecord per kernel call (a call with several passes sums their times).
// Without the 'timestamp-query' feature it falls back to wall time: each dispatch is submitted alone and
// timed from submit to onSubmittedWorkDone.
import type { KernelCost, KernelName, ProfileRecord } from '../kernels';
import { MAP_READ, USAGE } from './constants';

const QUERIES = 4096;

interface RunMeta { kernel: KernelName; label: string; cost: KernelCost }

export class Profiler {
  active = false;
  private qs: GPUQuerySet | null = null;
  private resolveBuf: GPUBuffer | null = null;
  private used = 0;
  private chunks: { buf: GPUBuffer; count: number }[] = [];
  private spare: GPUBuffer[] = [];
  private runs: RunMeta[] = [];
  private dispatchRun: number[] = [];
  private cpu: { run: number; submitted: number; done: Promise<number> }[] = [];

  constructor(
    private device: GPUDevice,
    readonly timestamps: boolean,
    private create: (d: GPUBufferDescriptor) => GPUBuffer,
  ) {}

  start(): void {
    this.active = true;
    this.used = 0;
    this.runs = [];
    this.dispatchRun = [];
    this.chunks = [];
    this.cpu = [];
    if (this.timestamps && !this.qs) {
      this.qs = this.device.createQuerySet({ type: 'timestamp', count: QUERIES, label: 'profiler' });
      this.resolveBuf = this.create({ size: QUERIES * 8, usage: USAGE.QUERY_RESOLVE | USAGE.COPY_SRC, label: 'profiler resolve' });
    }
  }

  addRun(kernel: KernelName, label: string, cost: KernelCost): number {
    this.runs.push({ kernel, label, cost });
    return this.runs.length - 1;
  }

  /** Timestamp writes for the next dispatch's pass (resolving first if the query set is full). */
  writes(run: number, enc: GPUCommandEncoder): GPUComputePassTimestampWrites {
    if (this.used + 2 > QUERIES) this.resolve(enc);
    const i = this.used;
    this.used += 2;
    this.dispatchRun.push(run);
    return { querySet: this.qs!, beginningOfPassWriteIndex: i, endOfPassWriteIndex: i + 1 };
  }

  resolve(enc: GPUCommandEncoder): void {
    if (!this.qs || this.used === 0) return;
    enc.resolveQuerySet(this.qs, 0, this.used, this.resolveBuf!, 0);
    const buf = this.spare.pop() ?? this.create({ size: QUERIES * 8, usage: USAGE.MAP_READ | USAGE.COPY_DST, label: 'profiler readback' });
    enc.copyBufferToBuffer(this.resolveBuf!, 0, buf, 0, this.used * 8);
    this.chunks.push({ buf, count: this.used });
    this.used = 0;
  }

  /** Wall-time fallback: call right after submitting a dispatch of `run` on its own. */
  cpuMark(run: number, queue: GPUQueue): void {
    this.cpu.push({ run, submitted: performance.now(), done: queue.onSubmittedWorkDone().then(() => performance.now()) });
  }

  /** Call after the last resolve was submitted. */
  async collect(): Promise<ProfileRecord[]> {
    this.active = false;
    const begin: number[] = new Array(this.runs.length).fill(Infinity);
    const total: number[] = new Array(this.runs.length).fill(0);
    if (this.timestamps) {
      const ts: bigint[] = [];
      for (const c of this.chunks) {
        await c.buf.mapAsync(MAP_READ, 0, c.count * 8);
        const v = new BigUint64Array(c.buf.getMappedRange(0, c.count * 8).slice(0));
        c.buf.unmap();
        this.spare.push(c.buf);
        for (const t of v) ts.push(t);
      }
      let t0 = Infinity;
      for (let i = 0; i < this.dispatchRun.length; i++) t0 = Math.min(t0, Number(ts[2 * i]));
      for (let i = 0; i < this.dispatchRun.length; i++) {
        const r = this.dispatchRun[i];
        const b = Number(ts[2 * i]), e = Number(ts[2 * i + 1]);
        begin[r] = Math.min(begin[r], (b - t0) / 1e6);
        total[r] += Math.max(0, e - b) / 1e6;
      }
    } else {
      let prev = -Infinity;
      const t0 = this.cpu.length ? this.cpu[0].submitted : 0;
      for (const c of this.cpu) {
        const done = await c.done;
        const start = Math.max(c.submitted, prev);
        begin[c.run] = Math.min(begin[c.run], start - t0);
        total[c.run] += Math.max(0, done - start);
        prev = done;
      }
    }
    const out = this.runs.map((r, i) => ({
      label: r.label, kernel: r.kernel, startMs: Number.isFinite(begin[i]) ? begin[i] : 0, ms: total[i],
      flops: r.cost.flops, bytes: r.cost.bytes,
    }));
    this.runs = [];
    this.chunks = [];
    this.dispatchRun = [];
    this.cpu = [];
    return out;
  }

  destroy(): void {
    this.qs?.destroy();
    this.resolveBuf?.destroy();
    for (const b of this.spare) b.destroy();
  }
}
