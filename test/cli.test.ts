// The `ffc` command line as users run it (the built bundle, in a child process): a few-step train with a
// data worker, eval, profile, export, and the exit code and message of a bad invocation.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tmp = mkdtempSync(join(tmpdir(), 'ffc-cli-'));
const ffc = (args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], {
  encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' }, timeout: 240_000,
});

describe('ffc command line', () => {
  beforeAll(() => {
    if (!existsSync('dist/cli.js') || !existsSync('dist/data-worker.js')) execFileSync('npm', ['run', 'build:js'], { stdio: 'ignore' });
  });

  it('trains with a data worker, evaluates, profiles and exports', () => {
    const run = join(tmp, 'run');
    const tiny = ['--data', 'synth:ids=30,per=4,size=32', '--input', '32', '--width', '0.25', '--emb', '16', '--batch', '8'];
    const train = ffc(['train', ...tiny, '--head', 'ffc', '--ratio', '0.2', '--steps', '3', '--workers', '1', '--backend', 'wasm', '--out', run]);
    expect(train.status, train.stderr).toBe(0);
    expect(train.stdout).toContain('done: 3 steps');
    const ev = ffc(['eval', '--model', run, '--pairs', 'synth-pairs:folds=2,per=8', '--backend', 'wasm', '--json']);
    expect(ev.status, ev.stderr).toBe(0);
    const m = JSON.parse(ev.stdout.trim().split('\n').pop()!);
    expect(m.pairs).toBe(32);
    expect(m.auc).toBeGreaterThanOrEqual(0);
    expect(existsSync(join(run, 'eval', 'report.md'))).toBe(true);
    const trace = join(tmp, 'trace.json');
    const prof = ffc(['profile', ...tiny, '--head', 'fc', '--steps', '2', '--backend', 'wasm', '--trace', trace, '--top', '5']);
    expect(prof.status, prof.stderr).toBe(0);
    expect(prof.stdout).toContain('| kernel | calls | total ms | share | GFLOP/s | GB/s |');
    expect(JSON.parse(readFileSync(trace, 'utf8')).traceEvents.length).toBeGreaterThan(100);
    const onnx = join(tmp, 'model.onnx');
    const ex = ffc(['export', run, '--onnx', onnx]);
    expect(ex.status, ex.stderr).toBe(0);
    expect(readFileSync(onnx).length).toBeGreaterThan(10_000);
  });

  it('exits non-zero with a clear message on bad input', () => {
    const r = ffc(['train', '--data', join(tmp, 'missing-folder'), '--steps', '1', '--out', join(tmp, 'x')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ffc: .*missing-folder/m);
    const u = ffc(['frobnicate']);
    expect(u.status).toBe(2);
    expect(u.stderr).toContain("unknown command 'frobnicate'");
  });
});
