// A checkpoint write killed at any moment leaves the last good checkpoint readable.
import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadCheckpoint } from '../train/checkpoint';

describe('atomic checkpoints', () => {
  it('survives a process killed while writing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ffc-ckpt-'));
    const script = join(dir, 'writer.mjs');
    // a child that writes ~8 MB checkpoints in a loop until killed; step n holds the value n everywhere
    await build({
      stdin: {
        contents: `import { saveCheckpoint } from ${JSON.stringify(resolve('train/checkpoint.ts'))};
          const run = process.argv[2];
          for (let step = 1; ; step++) {
            const data = new Float32Array(2_000_000).fill(step);
            saveCheckpoint(run, step, { model: new Map([['w', { dtype: 'f32', shape: [data.length], data }]]),
              state: new Map([['v', { dtype: 'f32', shape: [4], data: new Float32Array(4).fill(step) }]]), json: { step } });
            if (step === 1) process.stdout.write('first\\n');
          }`,
        resolveDir: process.cwd(), loader: 'ts',
      },
      bundle: true, platform: 'node', format: 'esm', outfile: script, logLevel: 'error',
    });
    const run = join(dir, 'run');
    for (let attempt = 0; attempt < 5; attempt++) {
      const child = spawn(process.execPath, [script, run]);
      await new Promise<void>((ok) => child.stdout.once('data', () => ok()));
      await new Promise((r) => setTimeout(r, 50 + 97 * attempt));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const ck = loadCheckpoint(run);
      const step = ck.json.step as number;
      expect(step).toBeGreaterThanOrEqual(1);
      const w = ck.model.get('w')!.data;
      expect(w.length).toBe(2_000_000);
      expect(w[0]).toBe(step);
      expect(w[w.length - 1]).toBe(step);
      expect(ck.state.get('v')!.data[3]).toBe(step);
      expect(existsSync(join(run, 'model.safetensors'))).toBe(true);
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
