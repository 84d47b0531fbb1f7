// Timing and reporting shared by the benchmarks: warm up, then repeat until a time budget is spent;
// print a table, or one JSON object per line with --json.

export interface BenchRow {
  bench: string;
  case: string;
  impl: string;
  ms: number | null;       // per iteration; null when the implementation cannot run the case
  gflops?: number | null;
  note?: string;
  [extra: string]: unknown;
}

/** Median milliseconds per call of `fn` (which resolves when the work is finished). */
export async function timeIt(fn: () => Promise<void>, opts: { warmup?: number; minMs?: number; maxIters?: number } = {}): Promise<number> {
  const { warmup = 2, minMs = 1500, maxIters = 50 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start < minMs && times.length < maxIters)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export class Reporter {
  readonly rows: BenchRow[] = [];
  constructor(private readonly json: boolean) {}

  add(row: BenchRow): void {
    this.rows.push(row);
    if (this.json) { console.log(JSON.stringify(row)); return; }
    const perf = row.ms === null ? `n/a${row.note ? ` (${row.note})` : ''}`
      : `${row.ms.toFixed(2)} ms${row.gflops != null ? `  ${row.gflops.toFixed(2)} GFLOP/s` : ''}${row.note ? `  (${row.note})` : ''}`;
    console.log(`${row.bench.padEnd(8)} ${row.case.padEnd(34)} ${row.impl.padEnd(14)} ${perf}`);
  }

  /** Ratios of `impl` over `peer` for rows of the same case (by GFLOP/s, or time). */
  ratio(impl: string, peer: string, caseName: string): number | null {
    const a = this.rows.find((r) => r.impl === impl && r.case === caseName);
    const b = this.rows.find((r) => r.impl === peer && r.case === caseName);
    if (!a?.ms || !b?.ms) return null;
    return b.ms / a.ms;
  }
}
