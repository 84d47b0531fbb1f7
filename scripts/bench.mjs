// Bundles bench/main.ts with esbuild (Node 20 runs no TypeScript) and runs it with the given arguments.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { common, nodeRequireBanner } from './esbuild-options.mjs';

await build({
  ...common, entryPoints: ['bench/main.ts'], outfile: 'bench/out/bench.mjs', platform: 'node',
  external: ['webgpu', '@tensorflow/*'], banner: { js: nodeRequireBanner },
});
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const r = spawnSync(process.execPath, ['bench/out/bench.mjs', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
