// `ffc eval`: verification metrics of a model on a pair list, with report.md and SVG plots.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { initNode } from '../../engine/node';
import { metricsOf, scorePairs, type Embedder } from '../eval/verify';
import { openValidation } from '../eval/node-validation';
import type { VerificationMetrics } from '../eval/metrics';
import { evalReport, metricsTable } from '../report/report';
import { writeFileAtomic } from '../checkpoint';
import { ProgressBar } from '../progress';

export const EVAL_HELP = `ffc eval --model <run dir | .safetensors | .onnx> --pairs <pairs.txt | a-b-label list | .bin | synth-pairs:…>
  [--images <root>] [--flip] [--batch 32] [--backend auto|webgpu|wasm] [--out <dir>] [--json]`;

export interface EvalOutcome { metrics: VerificationMetrics; out: string }

/** Loads any supported model (run folder, .safetensors, .onnx) as an Embedder on the running engine. */
export async function loadEmbedder(spec: string, backend: string): Promise<Embedder & { dispose(): void }> {
  const { loadEmbeddingModel } = await import('../../model/onnx/node-embedding');
  return loadEmbeddingModel(spec, { backend });
}

export async function evalCommand(args: string[], opts: { quiet?: boolean } = {}): Promise<EvalOutcome> {
  const o: Record<string, string | boolean> = {};
  const known = new Set(['model', 'pairs', 'images', 'flip', 'batch', 'backend', 'out', 'json']);
  for (let i = 0; i < args.length; i++) {
    const k = args[i].replace(/^--/, '');
    if (!args[i].startsWith('--') || !known.has(k)) throw new Error(`ffc eval: unknown option '${args[i]}'\n${EVAL_HELP}`);
    if (k === 'flip' || k === 'json') { o[k] = true; continue; }
    const v = args[++i];
    if (v === undefined) throw new Error(`ffc eval: --${k} needs a value`);
    o[k] = v;
  }
  if (!o.model || !o.pairs) throw new Error(`ffc eval: --model and --pairs are required\n${EVAL_HELP}`);
  const model = String(o.model), pairsSpec = String(o.pairs), json = !!o.json;
  const quiet = opts.quiet || json;
  const engine = await initNode({ backend: (o.backend as 'auto') ?? 'auto', log: quiet ? null : undefined });
  const set = openValidation(pairsSpec, o.images as string | undefined);
  const embedder = await loadEmbedder(model, String(o.backend ?? 'auto'));
  const bar = quiet ? null : new ProgressBar(1, 'embed', 'img');
  const t0 = performance.now();
  let images = 0;
  const { scores, same } = await scorePairs(set, embedder, {
    flip: !!o.flip, batch: o.batch ? Number(o.batch) : 32,
    onProgress: (done, total) => { images = total; if (bar) { bar.total = total; bar.update(done); } },
  });
  bar?.done();
  const msPerImage = (performance.now() - t0) / Math.max(1, images);
  const metrics = metricsOf(set, scores);
  const isRun = existsSync(model) && statSync(model).isDirectory();
  const out = String(o.out ?? (isRun ? join(model, 'eval') : 'eval-report'));
  mkdirSync(out, { recursive: true });
  const name = isRun ? basename(model) : basename(model).replace(/\.(onnx|safetensors)$/, '');
  const pairsName = pairsSpec.startsWith('synth-pairs') ? 'held-out synthetic identities' : basename(pairsSpec);
  const report = evalReport(name, pairsName, metrics, scores, same);
  for (const [f, text] of Object.entries(report.files)) writeFileSync(join(out, f), text);
  writeFileSync(join(out, 'report.md'), report.markdown);
  const summary = { model, pairList: pairsSpec, flip: !!o.flip, backend: engine.backend.description, images, msPerImage, ...metrics };
  writeFileAtomic(join(out, 'metrics.json'), JSON.stringify(summary, null, 2));
  if (json) console.log(JSON.stringify(summary));
  else if (!opts.quiet) {
    console.log(metricsTable([{ name, m: metrics }]));
    console.log(`${images} images at ${msPerImage.toFixed(1)} ms each on ${engine.backend.description}; report: ${join(out, 'report.md')}`);
  }
  embedder.dispose();
  engine.backend.destroy();
  return { metrics, out };
}
