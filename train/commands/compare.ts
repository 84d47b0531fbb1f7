// `ffc compare <run dir>…`: the seed paper's Table 1 for several runs (accuracy, precision, recall, F1,
// AUC) plus what FFC is for — training speed and head memory — and their loss curves in one SVG.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { lineChart } from '../report/svg';
import { pct } from '../report/report';

export const COMPARE_HELP = `ffc compare <run dir> <run dir>… [--out compare.md]   (runs evaluated with ffc eval first)`;

interface RunSummary { name: string; head: string; eval?: Record<string, any>; imgPerSec: number; msPerStep: number; headMiB: number; peakMiB: number; losses: [number, number][] }

export function summarizeRun(dir: string): RunSummary {
  const cfgPath = join(dir, 'config.json');
  if (!existsSync(cfgPath)) throw new Error(`${dir}: no config.json; is it a run folder of ffc train?`);
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
  const lines = existsSync(join(dir, 'metrics.jsonl'))
    ? readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const steps = lines.filter((l) => typeof l.loss === 'number');
  const tail = steps.slice(Math.floor(steps.length / 4)); // skip warm-up
  const avg = (f: (l: any) => number) => tail.length ? tail.reduce((s, l) => s + f(l), 0) / tail.length : NaN;
  const evalPath = join(dir, 'eval', 'metrics.json');
  return {
    name: basename(dir), head: cfg.config.head,
    eval: existsSync(evalPath) ? JSON.parse(readFileSync(evalPath, 'utf8')) : undefined,
    imgPerSec: avg((l) => l.imgPerSec), msPerStep: avg((l) => l.msPerStep),
    headMiB: cfg.headStateBytes / 2 ** 20, peakMiB: Math.max(0, ...steps.map((l) => l.bytesAllocated ?? 0)) / 2 ** 20,
    losses: steps.map((l) => [l.step, l.loss]),
  };
}

export function compareMarkdown(runs: RunSummary[]): string {
  const rows = runs.map((r) => {
    const m = r.eval;
    const q = m ? `${pct(m.accuracy)} ± ${pct(m.accuracyStd)} | ${pct(m.precision)} | ${pct(m.recall)} | ${pct(m.f1)} | ${pct(m.auc)}` : 'not evaluated | | | |';
    return `| ${r.name} (${r.head.toUpperCase()}) | ${q} | ${r.imgPerSec.toFixed(1)} | ${r.msPerStep.toFixed(0)} | ${r.headMiB.toFixed(2)} | ${r.peakMiB.toFixed(0)} |`;
  });
  return ['| run | accuracy | precision | recall | F1 | AUC | train img/s | ms/step | head state MiB | peak device MiB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|', ...rows].join('\n');
}

export async function compareCommand(args: string[]): Promise<string> {
  let out = 'compare.md';
  const dirs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out') { out = args[++i]; if (!out) throw new Error('--out needs a file'); }
    else if (args[i].startsWith('--')) throw new Error(`ffc compare: unknown option '${args[i]}'`);
    else dirs.push(args[i]);
  }
  if (dirs.length < 1) throw new Error(`ffc compare: give at least one run folder\n${COMPARE_HELP}`);
  const runs = dirs.map(summarizeRun);
  const svgPath = out.replace(/\.md$/, '') + '-loss.svg';
  writeFileSync(svgPath, lineChart(runs.map((r) => ({ name: r.name, points: r.losses })), { title: 'training loss', xLabel: 'step', yLabel: 'loss' }));
  const md = `${compareMarkdown(runs)}\n\n![loss curves](${basename(svgPath)})\n`;
  writeFileSync(out, md);
  console.log(md);
  return md;
}
