// Profiling: run a function with per-kernel timing on, then summarise per kernel label family and
// export a Chrome trace (chrome://tracing, Perfetto).
import type { ProfileRecord } from './kernels';
import { engine } from './engine';

export interface KernelSummary {
  kernel: string;   // the label's op part, e.g. "matmul [32,128]x[128,64]" grouped by its first word + shapes
  calls: number;
  totalMs: number;
  share: number;    // of all kernel time
  gflops: number;
  gbps: number;
}

/** Runs fn (which may be async) with profiling on; returns its result and the per-dispatch records. */
export async function profile<T>(fn: () => T | Promise<T>): Promise<{ result: T; records: ProfileRecord[]; kernels: KernelSummary[] }> {
  const b = engine().backend;
  b.startProfile();
  let result: T;
  try {
    result = await fn();
  } finally {
    await b.sync();
  }
  const records = await b.stopProfile();
  return { result, records, kernels: summarise(records) };
}

/** Groups records by label; sorted by total time. */
export function summarise(records: ProfileRecord[]): KernelSummary[] {
  const groups = new Map<string, { calls: number; ms: number; flops: number; bytes: number }>();
  for (const r of records) {
    const g = groups.get(r.label) ?? { calls: 0, ms: 0, flops: 0, bytes: 0 };
    g.calls++; g.ms += r.ms; g.flops += r.flops; g.bytes += r.bytes;
    groups.set(r.label, g);
  }
  const total = [...groups.values()].reduce((s, g) => s + g.ms, 0) || 1;
  return [...groups.entries()]
    .map(([kernel, g]) => ({
      kernel, calls: g.calls, totalMs: g.ms, share: g.ms / total,
      gflops: g.ms > 0 ? g.flops / (g.ms * 1e6) : 0, gbps: g.ms > 0 ? g.bytes / (g.ms * 1e6) : 0,
    }))
    .sort((a, b) => b.totalMs - a.totalMs);
}

/** A markdown table of the summary (top `limit` rows). */
export function formatProfileTable(kernels: KernelSummary[], limit = 30): string {
  const rows = kernels.slice(0, limit).map((k) =>
    `| ${k.kernel} | ${k.calls} | ${k.totalMs.toFixed(3)} | ${(100 * k.share).toFixed(1)}% | ${k.gflops.toFixed(2)} | ${k.gbps.toFixed(2)} |`);
  return ['| kernel | calls | total ms | share | GFLOP/s | GB/s |', '|---|---:|---:|---:|---:|---:|', ...rows].join('\n');
}

/** Chrome trace-event JSON (complete events, microseconds) that chrome://tracing and Perfetto open. */
export function toChromeTrace(records: ProfileRecord[], processName = 'ffc-webgpu'): string {
  const events = [
    { name: 'process_name', ph: 'M', pid: 1, tid: 1, args: { name: processName } },
    ...records.map((r) => ({
      name: r.label, cat: r.kernel, ph: 'X', pid: 1, tid: 1,
      ts: Math.round(r.startMs * 1000), dur: Math.max(1, Math.round(r.ms * 1000)),
      args: { flops: r.flops, bytes: r.bytes },
    })),
  ];
  return JSON.stringify({ traceEvents: events, displayTimeUnit: 'ms' });
}
