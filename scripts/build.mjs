// Builds the bundles with esbuild: the engine for Node and for browsers, and the `ffc` CLI.
import { build } from 'esbuild';
import { common, nodeRequireBanner } from './esbuild-options.mjs';

await Promise.all([
  build({ ...common, entryPoints: ['engine/node.ts'], outfile: 'dist/engine.node.js', platform: 'node', external: ['webgpu'], banner: { js: nodeRequireBanner } }),
  // the WASM backend imports its Node thread module only when it runs under Node
  build({ ...common, entryPoints: ['engine/index.ts'], outfile: 'dist/engine.browser.js', platform: 'browser', external: ['node:*'] }),
  // the package: engine + models + training core
  build({ ...common, entryPoints: ['lib.node.ts'], outfile: 'dist/ffc.node.js', platform: 'node', external: ['webgpu'], banner: { js: nodeRequireBanner } }),
  build({ ...common, entryPoints: ['lib.ts'], outfile: 'dist/ffc.browser.js', platform: 'browser', external: ['node:*'] }),
  // the data pipeline's decode worker, found beside the CLI bundle
  build({ ...common, entryPoints: ['train/data/node-worker.ts'], outfile: 'dist/data-worker.js', platform: 'node', banner: { js: nodeRequireBanner } }),
  build({
    ...common, entryPoints: ['train/cli.ts'], outfile: 'dist/cli.js', platform: 'node', external: ['webgpu'],
    banner: { js: `#!/usr/bin/env node\n${nodeRequireBanner}` },
  }),
]);
