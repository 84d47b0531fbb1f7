// A progress bar with rate and ETA: redrawn in place on a terminal, a line every few seconds otherwise.

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class ProgressBar {
  private readonly start = performance.now();
  private lastLine = 0;
  private readonly tty: boolean;

  /** `total` may grow or shrink as the work becomes known (e.g. a time budget). */
  constructor(public total: number, readonly label: string, readonly unit = 'it',
              private readonly out: { write(s: string): unknown; isTTY?: boolean } = process.stderr) {
    this.tty = !!out.isTTY;
  }

  /** Shows `done` of total; `extra` is appended (loss, epoch …); `rate` overrides items/s (e.g. img/s). */
  update(done: number, extra = '', rate?: { value: number; unit: string }): void {
    const now = performance.now();
    if (!this.tty && now - this.lastLine < 5000 && done < this.total) return;
    this.lastLine = now;
    const elapsed = (now - this.start) / 1000;
    const perSec = done / Math.max(elapsed, 1e-9);
    const eta = done > 0 ? (this.total - done) / perSec : Infinity;
    const frac = Math.min(1, done / Math.max(1, this.total));
    const width = 24, filled = Math.round(frac * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const r = rate ?? { value: perSec, unit: `${this.unit}/s` };
    const line = `${this.label} ${bar} ${done}/${this.total} ${extra} | ${r.value.toFixed(1)} ${r.unit} | ${formatDuration(elapsed)} < ETA ${formatDuration(eta)}`;
    this.out.write(this.tty ? `\r\x1b[K${line}` : `${line}\n`);
  }

  done(): void { if (this.tty) this.out.write('\n'); }
}
