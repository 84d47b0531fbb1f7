// `ffc train`: trains MobileFaceNet with an FC, FFC or Partial FC head on any dataset, writing a run
// folder (config.json, metrics.jsonl, checkpoints) and resuming exactly from it.
import { existsSync, mkdirSync, readFileSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initNode } from '../../engine/node';
import type { Engine } from '../../engine/engine';
import { openDataset } from '../data/node-open';
import { FfcSampler, InstanceSampler, type Sampler, type SamplerState } from '../data/sampler';
import { Pipeline } from '../data/node-pipeline';
import { parseFlags, resolveConfig, type TrainConfig } from '../config';
import { DivergedError, Trainer } from '../trainer';
import { hasCheckpoint, loadCheckpoint, saveCheckpoint, writeFileAtomic } from '../checkpoint';
import { ProgressBar } from '../progress';
import { evaluateTrainer } from '../eval/verify';
import { openValidation } from '../eval/node-validation';

export const TRAIN_HELP = `ffc train --data <rec prefix | image folder | synth:ids=N[,per=K]> --out <run dir> (--epochs N | --steps N) [options]
  --head fc|ffc|pfc (ffc)   --ratio r (FFC pool / PFC sample rate, 0.1)   --margin arc|cos|combined|sphere (arc)
  --s 32 --m 0.5 (or --m1 --m2 --m3)   --input 112 --emb 128 --width 1 --activation prelu|relu|relu6   --batch 64
  --lr 0.1 --momentum 0.9 --nesterov/--no-nesterov --weight-decay 1e-4
  --warmup steps --schedule-kind step|cosine|poly|constant --milestones 1000,2000 --gamma 0.1 --power 2
  --minutes M (fit the step count to a time budget)   --ema-momentum 0.99 --seed 1 --backend auto|webgpu|wasm --threads N --workers N --skip-bad
  --val <pairs spec> [--val-images root] --val-every steps --log-every 10 --checkpoint-every 500
  --config file.json (flags override it)   --resume <run dir> (continues exactly where it stopped)`;

export interface TrainOutcome { run: string; steps: number; lastLoss: number; losses: number[] }

function versions(engine: Engine): Record<string, string> {
  let pkg = 'unknown';
  try { pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version; } catch { /* bundled */ }
  return { 'ffc-webgpu': pkg, node: process.version, backend: engine.backend.description };
}

/** Runs `ffc train` with its arguments; returns what happened (throws on bad input or divergence). */
export async function trainCommand(args: string[], opts: { quiet?: boolean } = {}): Promise<TrainOutcome> {
  const rest = [...args];
  const take = (flag: string) => {
    const i = rest.indexOf(flag);
    if (i < 0) return undefined;
    const v = rest[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    rest.splice(i, 2);
    return v;
  };
  const resumeDir = take('--resume');
  const configFile = take('--config');
  let cfg: TrainConfig;
  if (resumeDir) {
    const saved = join(resumeDir, 'config.json');
    if (!existsSync(saved)) throw new Error(`--resume ${resumeDir}: no config.json there; is it a run folder?`);
    const prev = JSON.parse(readFileSync(saved, 'utf8')).config as TrainConfig;
    const { schedule, ...flat } = prev;
    cfg = resolveConfig([...Object.entries(flat), ['schedule', schedule]], [...parseFlags(rest), ['out', resumeDir]], saved);
  } else {
    let fileEntries: [string, unknown][] | null = null;
    if (configFile) {
      if (!existsSync(configFile)) throw new Error(`--config ${configFile}: no such file`);
      try { fileEntries = Object.entries(JSON.parse(readFileSync(configFile, 'utf8'))); } catch (e) {
        throw new Error(`--config ${configFile}: not valid JSON (${(e as Error).message})`);
      }
    }
    cfg = resolveConfig(fileEntries, parseFlags(rest), configFile ?? 'config file');
  }
  const run = resolve(cfg.out);
  if (!resumeDir && hasCheckpoint(run)) {
    throw new Error(`${run} already holds a training run; resume it with --resume ${cfg.out}, or choose another --out`);
  }
  const log = (s: string) => { if (!opts.quiet) console.log(s); };

  const ds = openDataset(cfg.data, { size: cfg.input, skipBad: cfg.skipBad });
  const sampler: Sampler = cfg.head === 'ffc'
    ? new FfcSampler(ds, { batchSize: cfg.batch, seed: cfg.seed })
    : new InstanceSampler(ds, { batchSize: cfg.batch, seed: cfg.seed });
  const stepsPerEpoch = (sampler as { stepsPerEpoch?: number }).stepsPerEpoch ?? Math.floor(ds.size / cfg.batch);
  const cap = cfg.steps ?? (cfg.epochs !== undefined ? Math.max(1, Math.ceil(cfg.epochs * stepsPerEpoch)) : Number.MAX_SAFE_INTEGER);
  // with a time budget the step count is fitted after a few timed steps; until then it is a guess
  let total = cfg.minutes !== undefined ? Math.min(cap, 1000) : cap;

  const engine = await initNode({ backend: cfg.backend, threads: cfg.threads, log: opts.quiet ? null : undefined });
  const trainer = new Trainer(cfg, ds.numIdentities, total);
  const loader = new Pipeline(ds, sampler, { workers: cfg.workers, open: { size: cfg.input, skipBad: cfg.skipBad } });
  mkdirSync(run, { recursive: true });
  if (resumeDir) {
    const ck = loadCheckpoint(run);
    trainer.restore(ck.model, ck.state, ck.json);
    loader.setState(ck.json.sampler as SamplerState);
    log(`resuming ${run} at step ${trainer.step} from ${ck.path}`);
  }
  const writeConfig = () => writeFileAtomic(join(run, 'config.json'), JSON.stringify({
    config: cfg, identities: ds.numIdentities, images: ds.size, stepsPerEpoch, totalSteps: total,
    versions: versions(engine), headStateBytes: trainer.head.stateBytes(),
    params: trainer.net.complexity().params, macs: trainer.net.complexity().macs,
  }, null, 2));
  writeConfig();
  log(`training ${cfg.head.toUpperCase()} on ${cfg.data}: ${ds.numIdentities} identities, ${ds.size} images, ` +
    `${total} steps of ${trainer.batchImages} images (${stepsPerEpoch} steps/epoch)`);

  const valSet = cfg.val ? openValidation(cfg.val, cfg.valImages) : null;
  const metrics = join(run, 'metrics.jsonl');
  const bar = opts.quiet ? null : new ProgressBar(total, 'train', 'step');
  const budgetStart = performance.now();
  let fitMark = { at: budgetStart, steps: 0 };
  // the first steps include compilation and warm-up: fit once after 5 steps, then again on steady ones
  const fitToBudget = (done: number, final: boolean) => {
    const now = performance.now();
    const perStep = (now - fitMark.at) / (done - fitMark.steps);
    const left = cfg.minutes! * 60_000 - (now - budgetStart);
    total = Math.max(trainer.step + 1, Math.min(cap, trainer.step + Math.floor(left / perStep)));
    trainer.totalSteps = total;
    fitMark = { at: now, steps: done };
    if (final) log(`\ntime budget ${cfg.minutes} min: ${(perStep / 1000).toFixed(2)} s/step → ${total - startStep} steps`);
  };
  const checkpoint = async () => {
    const ck = await trainer.checkpoint();
    saveCheckpoint(run, trainer.step, { ...ck, json: { ...ck.json, sampler: loader.getState(), epoch: loader.epoch } });
  };
  const losses: number[] = [];
  const startStep = trainer.step;
  let windowStart = performance.now(), windowImages = 0, lastLoss = NaN;
  try {
    while (trainer.step < total) {
      const batch = await loader.next();
      const r = await trainer.trainStep(batch);
      losses.push(r.loss); lastLoss = r.loss;
      if (cfg.minutes !== undefined && (r.step - startStep === 5 || r.step - startStep === 25)) fitToBudget(r.step - startStep, r.step - startStep === 25);
      windowImages += r.images;
      const now = performance.now();
      const imgPerSec = (1000 * windowImages) / Math.max(1, now - windowStart);
      if (r.step % cfg.logEvery === 0 || r.step === total) {
        const st = engine.backend.stats();
        appendFileSync(metrics, JSON.stringify({
          step: r.step, epoch: batch.epoch, loss: r.loss, lr: r.lr, imgPerSec, msPerStep: (now - windowStart) / Math.max(1, windowImages / r.images),
          bytesInUse: st.bytesInUse, bytesAllocated: st.bytesAllocated, time: new Date().toISOString(),
        }) + '\n');
        windowStart = now; windowImages = 0;
      }
      if (bar) bar.total = total;
      bar?.update(r.step, `ep ${batch.epoch} loss ${r.loss.toFixed(3)} lr ${r.lr.toPrecision(2)}`, { value: imgPerSec, unit: 'img/s' });
      if (cfg.val && cfg.valEvery > 0 && r.step % cfg.valEvery === 0) {
        const m = await evaluateTrainer(trainer, valSet!);
        appendFileSync(metrics, JSON.stringify({ step: r.step, val: { accuracy: m.accuracy, std: m.accuracyStd, auc: m.auc } }) + '\n');
        log(`\nstep ${r.step}: val accuracy ${(100 * m.accuracy).toFixed(2)}% ± ${(100 * m.accuracyStd).toFixed(2)} AUC ${m.auc.toFixed(4)}`);
      }
      if (r.step % cfg.checkpointEvery === 0 && r.step < total) await checkpoint();
    }
    bar?.done();
    await checkpoint();
    if (cfg.minutes !== undefined) writeConfig(); // the step count fitted to the time budget
  } catch (err) {
    bar?.done();
    if (err instanceof DivergedError) {
      appendFileSync(metrics, JSON.stringify({ step: err.step, diverged: String(err.loss) }) + '\n');
    }
    throw err;
  } finally {
    await loader.close();
    ds.close?.();
  }
  log(`done: ${trainer.step - startStep} steps, last loss ${lastLoss.toFixed(4)}; weights in ${join(run, 'model.safetensors')}`);
  trainer.dispose();
  engine.backend.destroy();
  return { run, steps: trainer.step, lastLoss, losses };
}
