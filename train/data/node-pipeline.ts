// A prefetching batch pipeline: the sampler plans batches on this thread (all randomness here), worker
// threads decode, resize, flip and normalise them ahead of time. The same seed gives the same batches
// whatever the worker count. Node-only.
import { Worker } from 'node:worker_threads';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { tmpdir, availableParallelism } from 'node:os';
import { createHash } from 'node:crypto';
import { assemble, type Batch, type BatchSource, type Plan, type Sampler, type SamplerState } from './sampler';
import type { Dataset, OpenOptions } from './dataset';

export interface PipelineOptions {
  /** Worker threads (default: available cores − 1, at most 4). 0 decodes on this thread. */
  workers?: number;
  /** Batches kept in flight (default 2 × workers, at least 2). */
  prefetch?: number;
  /** Passed to the workers' openDataset (default: the dataset's imageSize and no skipBad). */
  open?: OpenOptions;
  /** The worker script (default: built beside this module, or bundled from node-worker.ts on first use). */
  workerUrl?: URL;
}

interface Pending { plan: Plan; stateBefore: SamplerState; promise: Promise<Batch>; gen: number }

let workerUrlPromise: Promise<URL> | undefined;

/** Finds the worker script: a built one beside this module, FFC_DATA_WORKER, or node-worker.ts bundled with esbuild into the temp folder. */
export function resolveWorkerUrl(): Promise<URL> {
  return (workerUrlPromise ??= (async () => {
    if (process.env.FFC_DATA_WORKER) return pathToFileURL(process.env.FFC_DATA_WORKER);
    for (const name of ['node-worker.js', 'data-worker.js']) {
      const u = new URL(`./${name}`, import.meta.url);
      if (u.protocol === 'file:' && existsSync(fileURLToPath(u))) return u;
    }
    const src = new URL('./node-worker.ts', import.meta.url);
    if (src.protocol !== 'file:' || !existsSync(fileURLToPath(src))) {
      throw new Error('data worker script not found: build train/data/node-worker.ts to data-worker.js beside the bundle, set FFC_DATA_WORKER, or use workers: 0');
    }
    const dir = dirname(fileURLToPath(src));
    const hash = createHash('sha1');
    for (const f of ['node-worker.ts', 'node-open.ts', 'node-folder.ts', 'node-recordio.ts', 'recordio.ts', 'dataset.ts', 'synth.ts', 'image.ts', 'sampler.ts']) {
      if (existsSync(join(dir, f))) hash.update(readFileSync(join(dir, f)));
    }
    const outDir = join(tmpdir(), 'ffc-data-worker');
    const out = join(outDir, `worker-${hash.digest('hex').slice(0, 16)}.mjs`);
    if (!existsSync(out)) {
      const name = 'esbuild';
      const esbuild = (await import(name)) as typeof import('esbuild');
      mkdirSync(outDir, { recursive: true });
      const tmp = `${out}.${process.pid}.tmp`;
      await esbuild.build({ entryPoints: [fileURLToPath(src)], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: tmp, logLevel: 'error',
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
      writeFileSync(out, readFileSync(tmp));
    }
    return pathToFileURL(out);
  })());
}

export class Pipeline implements BatchSource {
  private queue: Pending[] = [];
  private workers: Worker[] = [];
  private load: number[] = [];
  private jobs = new Map<number, { resolve: (b: Float32Array) => void; reject: (e: Error) => void; worker: number }>();
  private nextJob = 0; private gen = 0;
  private ready: Promise<void>;
  private closed = false;
  private readonly prefetch: number;
  /** Unreadable images skipped by the workers (with skipBad), as last reported. */
  badCount = 0;
  private workerBad: number[] = [];

  constructor(readonly dataset: Dataset, readonly sampler: Sampler, opts: PipelineOptions = {}) {
    const cores = typeof availableParallelism === 'function' ? availableParallelism() : 2;
    const n = opts.workers ?? Math.max(1, Math.min(4, cores - 1));
    this.prefetch = opts.prefetch ?? Math.max(2, 2 * n);
    this.ready = n > 0 ? this.start(n, opts) : Promise.resolve();
  }

  private async start(n: number, opts: PipelineOptions): Promise<void> {
    const url = opts.workerUrl ?? (await resolveWorkerUrl());
    if (this.closed) return;
    const options: OpenOptions = { size: this.dataset.imageSize, ...opts.open };
    for (let w = 0; w < n; w++) {
      const worker = new Worker(url, { workerData: { spec: this.dataset.spec, options } });
      worker.on('message', (m: { id: number; images?: Float32Array; error?: string; bad?: number }) => {
        const job = this.jobs.get(m.id);
        if (!job) return; // discarded by setState
        this.jobs.delete(m.id);
        if (--this.load[job.worker] === 0) worker.unref(); // idle workers do not keep the process alive
        if (m.bad !== undefined) { this.workerBad[w] = m.bad; this.badCount = this.workerBad.reduce((s, x) => s + (x ?? 0), 0); }
        if (m.error !== undefined) job.reject(new Error(m.error)); else job.resolve(m.images!);
      });
      worker.on('error', (e) => { for (const [id, j] of this.jobs) if (j.worker === w) { this.jobs.delete(id); j.reject(e); } });
      worker.unref();
      this.workers.push(worker); this.load.push(0);
    }
  }

  private dispatch(plan: Plan): Promise<Batch> {
    const size = this.dataset.imageSize;
    const make = (images: Float32Array): Batch => ({ images, labels: plan.labels, n: plan.indices.length, size, epoch: plan.epoch });
    return this.ready.then(() => {
      if (this.workers.length === 0) return assemble(this.dataset, plan);
      let w = 0;
      for (let k = 1; k < this.workers.length; k++) if (this.load[k] < this.load[w]) w = k;
      const id = this.nextJob++;
      if (this.load[w]++ === 0) this.workers[w].ref();
      return new Promise<Float32Array>((resolve, reject) => {
        this.jobs.set(id, { resolve, reject, worker: w });
        this.workers[w].postMessage({ id, indices: plan.indices, flips: plan.flips });
      }).then(make);
    });
  }

  private fill(): void {
    // without workers there is nothing to overlap with: plan one batch at a time
    const target = this.workers.length ? this.prefetch : 1;
    while (this.queue.length < target) {
      const stateBefore = this.sampler.getState();
      const plan = this.sampler.next();
      const promise = this.dispatch(plan);
      promise.catch(() => {}); // surfaced by next()
      this.queue.push({ plan, stateBefore, promise, gen: this.gen });
    }
  }

  async next(): Promise<Batch> {
    if (this.closed) throw new Error('pipeline is closed');
    await this.ready;
    this.fill();
    const head = this.queue.shift()!;
    if (this.workers.length) this.fill(); // keep the workers busy while this batch is used
    return head.promise;
  }

  /** The state that makes a fresh pipeline yield exactly the batch that `next()` would yield now. */
  getState(): SamplerState { return this.queue.length ? this.queue[0].stateBefore : this.sampler.getState(); }

  /** Continues from a saved state; batches in flight are discarded. */
  setState(s: SamplerState): void {
    this.queue = []; this.gen++;
    for (const [id, j] of this.jobs) { if (--this.load[j.worker] === 0) this.workers[j.worker].unref(); this.jobs.delete(id); }
    this.sampler.setState(s);
  }

  get epoch(): number { return this.queue.length ? this.queue[0].plan.epoch : this.sampler.epoch; }

  async close(): Promise<void> {
    this.closed = true;
    await this.ready.catch(() => {});
    // not awaited: the workers are unref'd, so awaiting their exit would leave nothing keeping the
    // process alive and it would quit mid-run (the caller's next steps never running)
    for (const w of this.workers) void w.terminate();
    this.workers = [];
  }
}
