// `ffc profile`: runs a few training steps and profiles the last one per kernel (GPU timestamps on
// WebGPU, wall time per kernel on WASM): a table, and a Chrome trace JSON that Perfetto opens.
import { writeFileSync } from 'node:fs';
import { initNode } from '../../engine/node';
import { formatProfileTable, profile, toChromeTrace } from '../../engine/profile';
import { openDataset } from '../data/node-open';
import { FfcSampler, InstanceSampler, SyncLoader } from '../data/sampler';
import { parseFlags, resolveConfig } from '../config';
import { Trainer } from '../trainer';

export const PROFILE_HELP = `ffc profile --data <spec> [--head fc|ffc|pfc] [--steps N (3)] [--trace trace.json] [--top 25] [train options]
  profiles the last of N training steps; prints the per-kernel table and writes a Chrome trace (chrome://tracing, ui.perfetto.dev)`;

export async function profileCommand(args: string[]): Promise<{ table: string; trace: string }> {
  const rest = [...args];
  const take = (flag: string, dflt: string) => {
    const i = rest.indexOf(flag);
    if (i < 0) return dflt;
    const v = rest[i + 1];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    rest.splice(i, 2);
    return v;
  };
  const tracePath = take('--trace', 'profile-trace.json');
  const top = Number(take('--top', '25'));
  const flags = parseFlags(rest);
  if (!flags.some(([k]) => k === 'steps')) flags.push(['steps', '3']);
  const cfg = resolveConfig(null, [...flags, ['out', 'unused'], ['logEvery', '1']]);
  const engine = await initNode({ backend: cfg.backend, threads: cfg.threads, profiling: true });
  const ds = openDataset(cfg.data, { size: cfg.input, skipBad: cfg.skipBad });
  const sampler = cfg.head === 'ffc' ? new FfcSampler(ds, { batchSize: cfg.batch, seed: cfg.seed }) : new InstanceSampler(ds, { batchSize: cfg.batch, seed: cfg.seed });
  const loader = new SyncLoader(ds, sampler);
  const steps = cfg.steps!;
  const trainer = new Trainer(cfg, ds.numIdentities, steps);
  for (let i = 0; i < steps - 1; i++) await trainer.trainStep(await loader.next());
  const batch = await loader.next();
  const t0 = performance.now();
  const { records, kernels } = await profile(() => trainer.trainStep(batch));
  const wall = performance.now() - t0;
  const kernelMs = records.reduce((s, r) => s + r.ms, 0);
  const flops = records.reduce((s, r) => s + r.flops, 0);
  const table = formatProfileTable(kernels, top);
  const trace = toChromeTrace(records, `ffc ${cfg.head} ${engine.backend.description}`);
  writeFileSync(tracePath, trace);
  console.log(`${engine.backend.description}: one ${cfg.head.toUpperCase()} step of ${trainer.batchImages} images at ${cfg.input}×${cfg.input}: ` +
    `${records.length} kernels, ${kernelMs.toFixed(1)} ms in kernels (${(flops / 1e9).toFixed(2)} GFLOP, ${(flops / (kernelMs * 1e6)).toFixed(2)} GFLOP/s), ${wall.toFixed(1)} ms wall`);
  console.log(table);
  console.log(`Chrome trace: ${tracePath} (open in chrome://tracing or https://ui.perfetto.dev)`);
  trainer.dispose();
  engine.backend.destroy();
  return { table, trace: tracePath };
}
