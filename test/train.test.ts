// Training end to end on synthetic faces: train → checkpoint → eval on both backends, exact resume,
// atomic checkpoints, and the errors a user can run into.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainCommand } from '../train/commands/train';
import { evalCommand } from '../train/commands/eval';
import { unavailable } from './backends';

const tmp = mkdtempSync(join(tmpdir(), 'ffc-train-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tiny = ['--data', 'synth:ids=40,per=4,size=32', '--input', '32', '--width', '0.25', '--emb', '32', '--batch', '8',
  '--s', '16', '--lr', '0.05', '--workers', '0', '--log-every', '1', '--seed', '3'];

describe('ffc train', () => {
  for (const backend of ['wasm', 'webgpu'] as const) {
    it.skipIf(unavailable(backend))(`trains FFC, checkpoints and evaluates on ${backend}`, async () => {
      const out = join(tmp, `e2e-${backend}`);
      const r = await trainCommand([...tiny, '--head', 'ffc', '--ratio', '0.25', '--steps', '3', '--backend', backend, '--out', out], { quiet: true });
      expect(r.steps).toBe(3);
      expect(r.losses.every(Number.isFinite)).toBe(true);
      expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
      const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(metrics.map((m) => m.step)).toEqual([1, 2, 3]);
      const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      expect(cfg.versions.backend).toContain(backend);
      const ev = await evalCommand(['--model', out, '--pairs', 'synth-pairs:folds=2,per=10', '--backend', backend, '--flip'], { quiet: true });
      expect(ev.metrics.pairs).toBe(40);
      expect(ev.metrics.auc).toBeGreaterThan(0);
      expect(readFileSync(join(out, 'eval', 'report.md'), 'utf8')).toContain('| model | accuracy (10-fold)');
      expect(readFileSync(join(out, 'eval', 'eval-similarity.svg'), 'utf8')).toContain('<svg');
    });
  }

  for (const head of ['ffc', 'fc', 'pfc'] as const) {
    it(`resumes ${head} exactly: 4 steps straight = 2 + resume + 2`, async () => {
      const args = [...tiny, '--head', head, '--ratio', '0.25', '--backend', 'wasm', '--checkpoint-every', '2'];
      const straight = await trainCommand([...args, '--steps', '4', '--out', join(tmp, `straight-${head}`)], { quiet: true });
      const half = join(tmp, `half-${head}`);
      const first = await trainCommand([...args, '--steps', '2', '--out', half], { quiet: true });
      const second = await trainCommand(['--resume', half, '--steps', '4'], { quiet: true });
      const resumed = [...first.losses, ...second.losses];
      expect(resumed.length).toBe(4);
      resumed.forEach((l, i) => expect(Math.abs(l - straight.losses[i]), `step ${i + 1}: ${l} vs ${straight.losses[i]}`).toBeLessThan(1e-5));
    });
  }

  it('refuses bad input with a clear message, keeping previous runs', async () => {
    const run = (extra: string[]) => trainCommand([...tiny, '--steps', '1', '--backend', 'wasm', ...extra], { quiet: true });
    await expect(run(['--out', join(tmp, 'x'), '--colour', 'red'])).rejects.toThrow("flags: unknown option 'colour'");
    await expect(run(['--out', join(tmp, 'x'), '--head', 'svm'])).rejects.toThrow("'head' must be one of fc, ffc, pfc");
    await expect(trainCommand(['--data', join(tmp, 'nope'), '--out', join(tmp, 'x'), '--steps', '1'], { quiet: true })).rejects.toThrow(/nope/);
    await expect(run(['--out', join(tmp, 'x'), '--batch', '400', '--head', 'fc'])).rejects.toThrow(/fewer than one batch of 400/);
    await expect(run(['--out', join(tmp, 'x'), '--lr', 'fast'])).rejects.toThrow("'lr' must be a number");
    // an existing run is not overwritten
    const existing = join(tmp, 'straight-fc');
    const before = readFileSync(join(existing, 'model.safetensors'));
    await expect(run(['--out', existing])).rejects.toThrow(/already holds a training run; resume it with --resume/);
    expect(readFileSync(join(existing, 'model.safetensors')).equals(before)).toBe(true);
  });

  it('stops on a NaN loss, says which step and keeps the last good checkpoint', async () => {
    const out = join(tmp, 'diverge');
    await trainCommand([...tiny, '--head', 'fc', '--steps', '1', '--backend', 'wasm', '--out', out], { quiet: true });
    const good = readFileSync(join(out, 'model.safetensors'));
    // resume with an absurd learning rate
    const cfgPath = join(out, 'config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
    cfg.config.lr = 1e30;
    writeFileSync(cfgPath, JSON.stringify(cfg));
    await expect(trainCommand(['--resume', out, '--steps', '6'], { quiet: true })).rejects.toThrow(/the loss became (NaN|Infinity|-Infinity) at step \d+\. The last good checkpoint is kept\. Try a lower --lr/);
    expect(readFileSync(join(out, 'model.safetensors')).equals(good)).toBe(true);
  });
});
