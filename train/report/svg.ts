// Small SVG charts for reports: line charts (loss curves, ROC) and overlaid density histograms with a
// marked threshold (the seed paper's Figures 2–3). Self-contained SVG text, no dependencies.

export interface Series { name: string; points: [number, number][]; color?: string }

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / n));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= n) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-12; v += nice) out.push(+v.toPrecision(12));
  return out;
}

interface Frame { w: number; h: number; x0: number; x1: number; y0: number; y1: number; title: string; xLabel: string; yLabel: string }

function frame(f: Frame, body: string, legend: { name: string; color: string }[]): string {
  const L = 60, R = 20, T = 36, B = 44;
  const pw = f.w - L - R, ph = f.h - T - B;
  const sx = (x: number) => L + ((x - f.x0) / (f.x1 - f.x0 || 1)) * pw;
  const sy = (y: number) => T + ph - ((y - f.y0) / (f.y1 - f.y0 || 1)) * ph;
  const xt = ticks(f.x0, f.x1).map((v) => `<line x1="${sx(v)}" y1="${T + ph}" x2="${sx(v)}" y2="${T + ph + 4}" stroke="#333"/><text x="${sx(v)}" y="${T + ph + 16}" text-anchor="middle">${v}</text>`);
  const yt = ticks(f.y0, f.y1).map((v) => `<line x1="${L - 4}" y1="${sy(v)}" x2="${f.w - R}" y2="${sy(v)}" stroke="#eee"/><text x="${L - 6}" y="${sy(v) + 4}" text-anchor="end">${v}</text>`);
  const leg = legend.map((l, i) => `<rect x="${L + 10}" y="${T + 8 + i * 16}" width="10" height="10" fill="${l.color}"/><text x="${L + 24}" y="${T + 17 + i * 16}">${esc(l.name)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${f.w}" height="${f.h}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="${f.w / 2}" y="20" text-anchor="middle" font-size="14">${esc(f.title)}</text>
${yt.join('\n')}
${body.replace(/\{X:([-\d.e]+)\}/g, (_, v) => String(sx(Number(v)))).replace(/\{Y:([-\d.e]+)\}/g, (_, v) => String(sy(Number(v))))}
<line x1="${L}" y1="${T + ph}" x2="${f.w - R}" y2="${T + ph}" stroke="#333"/><line x1="${L}" y1="${T}" x2="${L}" y2="${T + ph}" stroke="#333"/>
${xt.join('\n')}
<text x="${L + pw / 2}" y="${f.h - 8}" text-anchor="middle">${esc(f.xLabel)}</text>
<text x="14" y="${T + ph / 2}" text-anchor="middle" transform="rotate(-90 14 ${T + ph / 2})">${esc(f.yLabel)}</text>
${leg.join('\n')}
</svg>`;
}

/** A line chart of several series. */
export function lineChart(series: Series[], o: { title: string; xLabel: string; yLabel: string; w?: number; h?: number; yMin?: number; yMax?: number; xMin?: number; xMax?: number }): string {
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const f: Frame = {
    w: o.w ?? 640, h: o.h ?? 360, title: o.title, xLabel: o.xLabel, yLabel: o.yLabel,
    x0: o.xMin ?? Math.min(...xs, 0), x1: o.xMax ?? Math.max(...xs, 1), y0: o.yMin ?? Math.min(...ys, 0), y1: o.yMax ?? Math.max(...ys, 1),
  };
  const colors = series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  const body = series.map((s, i) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => `{X:${x}},{Y:${y}}`).join(' ');
    return `<polyline fill="none" stroke="${colors[i]}" stroke-width="1.5" points="${pts}"/>`;
  }).join('\n');
  return frame(f, body, series.map((s, i) => ({ name: s.name, color: colors[i] })));
}

/**
 * Density histograms of similarities for same and different pairs, with the decision threshold; the
 * misclassified mass on each side of it is drawn darker (as in the seed's figures).
 */
export function similarityHistogram(same: number[], different: number[], threshold: number, o: { title: string; bins?: number; w?: number; h?: number }): string {
  const bins = o.bins ?? 60;
  const lo = Math.min(...same, ...different, -0.2), hi = Math.max(...same, ...different, 1);
  const width = (hi - lo) / bins;
  const density = (v: number[]) => {
    const c = new Array(bins).fill(0);
    for (const x of v) c[Math.min(bins - 1, Math.floor((x - lo) / width))]++;
    return c.map((n) => n / (v.length * width));
  };
  const ds = density(same), dd = density(different);
  const top = Math.max(...ds, ...dd) * 1.05;
  const poly = (d: number[], color: string, wrongColor: string, wrongBelow: boolean) => d.map((v, i) => {
    const x = lo + i * width, mid = x + width / 2;
    const wrong = wrongBelow ? mid <= threshold : mid > threshold;
    return `<polygon points="{X:${x}},{Y:0} {X:${x}},{Y:${v}} {X:${x + width}},{Y:${v}} {X:${x + width}},{Y:0}" fill="${wrong ? wrongColor : color}" fill-opacity="0.55"/>`;
  }).join('\n');
  const body = [
    poly(ds, '#1f77b4', '#7f0000', true),
    poly(dd, '#d62728', '#7f0000', false),
    `<line x1="{X:${threshold}}" y1="{Y:0}" x2="{X:${threshold}}" y2="{Y:${top}}" stroke="black" stroke-dasharray="4 3"/>`,
    `<text x="{X:${threshold}}" y="{Y:${top}}" dx="4" dy="12">threshold ${threshold.toFixed(3)}</text>`,
  ].join('\n');
  return frame({ w: o.w ?? 640, h: o.h ?? 360, title: o.title, xLabel: 'cosine similarity', yLabel: 'density', x0: lo, x1: hi, y0: 0, y1: top }, body, [
    { name: `same (${same.length})`, color: '#1f77b4' }, { name: `different (${different.length})`, color: '#d62728' }, { name: 'wrong side of the threshold', color: '#7f0000' },
  ]);
}
