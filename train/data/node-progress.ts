// A one-line progress bar with rate and ETA on stderr. Node-only.
export class Progress {
  private done = 0; private last = 0; private drawn = -1; private readonly t0 = Date.now();
  private readonly tty = !!process.stderr.isTTY;
  constructor(private readonly label: string, private readonly total: number, private readonly unit = 'img') {}
  tick(n = 1): void {
    this.done += n;
    const now = Date.now();
    if (this.done < this.total && now - this.last < (this.tty ? 100 : 2000)) return;
    this.last = now;
    this.draw(now);
  }
  private draw(now: number): void {
    if (this.drawn === this.done) return;
    this.drawn = this.done;
    const frac = this.total ? Math.min(1, this.done / this.total) : 1;
    const secs = Math.max(1e-3, (now - this.t0) / 1000);
    const rate = this.done / secs;
    const eta = rate > 0 ? (this.total - this.done) / rate : 0;
    const w = 24, fill = Math.round(frac * w);
    const line = `${this.label} [${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${(100 * frac).toFixed(0).padStart(3)}% ${this.done}/${this.total} ${rate.toFixed(rate < 10 ? 1 : 0)} ${this.unit}/s ETA ${fmt(eta)}`;
    process.stderr.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }
  finish(): void {
    this.draw(Date.now());
    if (this.tty) process.stderr.write('\n');
  }
}

function fmt(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
