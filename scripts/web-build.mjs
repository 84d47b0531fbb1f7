// Builds the browser page into a static folder (default dist/web): bundles web/main.ts and the engine
// worker web/worker.ts for browsers, copies the page and the bundled model, and makes sure the model's
// JSON holds a decision threshold calibrated on held-out synthetic pairs (computed here when missing or
// when the weights changed).
//   node scripts/web-build.mjs [--outdir dir] [--asset-from <training run dir>] [--recalibrate]
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { common, nodeRequireBanner } from './esbuild-options.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'web');
const assets = path.join(web, 'assets');

/**
 * The page must not load Node modules. The engine and data code name a few only behind runtime checks
 * (dynamic import() under Node); in the page bundle these resolve to a stub that says so if ever reached.
 */
const noNodeModules = {
  name: 'no-node-modules',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'node-stub' }));
    // CommonJS, so that any named import binds; each name throws only when used
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, (args) => ({
      contents: `const msg = ${JSON.stringify(`the Node module '${args.path.slice(5)}' is not available in a web page`)};
module.exports = new Proxy({}, { get: (_, k) => (typeof k !== 'string' || k === '__esModule' || k === 'then' || k === 'default') ? undefined : () => { throw new Error(msg); } });`,
      loader: 'js',
    }));
  },
};

/**
 * Node modules a bundle would load: any `node:` specifier (static or dynamic import, require), or a bare
 * Node builtin imported by an ES import. (The WASM backend's thread source text names
 * require('worker_threads') for Node's eval workers, behind a check; a page never runs that branch.)
 */
export function nodeImportsIn(js) {
  const builtins = 'fs|fs/promises|path|os|worker_threads|child_process|crypto|http|url|module|util|stream|zlib';
  const re = new RegExp(`(?:\\bfrom\\s*|\\bimport\\s*\\(\\s*|\\bimport\\s+|\\brequire\\s*\\(\\s*)["'\`](node:[\\w/]+)["'\`]|(?:\\bfrom\\s*|\\bimport\\s*\\(\\s*|\\bimport\\s+)["'\`](${builtins})["'\`]`, 'g');
  return [...js.matchAll(re)].map((m) => m[1] ?? m[2]);
}

function sha256(file) { return createHash('sha256').update(readFileSync(file)).digest('hex'); }

/** Writes `metaOut` from `metaIn` with a fresh threshold for `weights` (runs the engine in Node, WASM). */
async function calibrate(weights, metaIn, metaOut) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ffc-web-calibrate-'));
  try {
    const tool = path.join(dir, 'calibrate.mjs');
    await build({ ...common, sourcemap: false, entryPoints: [path.join(web, 'tools/calibrate.ts')], outfile: tool, platform: 'node', external: ['webgpu'], banner: { js: nodeRequireBanner } });
    execFileSync(process.execPath, [tool, weights, metaIn, metaOut], { stdio: 'inherit' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Makes web/assets/model.safetensors + model.json from a training run folder. */
async function assetFrom(run) {
  const cfg = JSON.parse(readFileSync(path.join(run, 'config.json'), 'utf8'));
  const c = cfg.config;
  mkdirSync(assets, { recursive: true });
  copyFileSync(path.join(run, 'model.safetensors'), path.join(assets, 'model.safetensors'));
  const meta = {
    name: `MobileFaceNet ×${c.width}, ${c.input} px, FFC on synthetic faces`,
    file: 'model.safetensors',
    model: { inputSize: c.input, width: c.width, embedding: c.emb, activation: c.activation },
    training: {
      data: c.data, head: c.head, ratio: c.ratio, margin: c.margin, s: c.s, m: c.m, batch: c.batch, lr: c.lr, steps: cfg.totalSteps,
      schedule: c.schedule, params: cfg.params, backend: cfg.versions?.backend,
    },
  };
  const metaPath = path.join(assets, 'model.json');
  writeFileSync(metaPath, `${JSON.stringify(meta, null, 2)}\n`);
  await calibrate(path.join(assets, 'model.safetensors'), metaPath, metaPath);
}

export async function buildWeb({ outdir = path.join(root, 'dist/web'), recalibrate = false, log = console.log } = {}) {
  outdir = path.resolve(outdir);
  mkdirSync(path.join(outdir, 'assets'), { recursive: true });
  await build({
    ...common, entryPoints: { main: path.join(web, 'main.ts'), worker: path.join(web, 'worker.ts') }, outdir,
    platform: 'browser', plugins: [...common.plugins, noNodeModules], minify: true,
  });
  for (const f of ['main.js', 'worker.js']) {
    const found = nodeImportsIn(readFileSync(path.join(outdir, f), 'utf8'));
    if (found.length) throw new Error(`web build: ${f} imports Node modules (${[...new Set(found)].join(', ')})`);
  }
  for (const f of ['index.html', 'style.css']) copyFileSync(path.join(web, f), path.join(outdir, f));
  // the bundled model: weights, and its JSON with a threshold for exactly these weights
  const weights = path.join(assets, 'model.safetensors'), metaPath = path.join(assets, 'model.json');
  if (!existsSync(weights) || !existsSync(metaPath)) {
    throw new Error('web build: web/assets/model.safetensors and model.json are missing; make them from a training run with ' +
      'node scripts/web-build.mjs --asset-from <run dir>');
  }
  for (const f of readdirSync(assets)) if (f !== 'model.json') copyFileSync(path.join(assets, f), path.join(outdir, 'assets', f));
  const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
  const outMeta = path.join(outdir, 'assets/model.json');
  if (recalibrate || typeof meta.threshold !== 'number' || meta.sha256 !== sha256(weights)) {
    log('web build: calibrating the bundled model\'s threshold on held-out synthetic pairs…');
    await calibrate(weights, metaPath, outMeta);
  } else {
    copyFileSync(metaPath, outMeta);
  }
  log(`web build: wrote ${path.relative(process.cwd(), outdir) || '.'} (${readdirSync(outdir).join(', ')})`);
  return outdir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const val = (flag) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : undefined; };
  try {
    const from = val('--asset-from');
    if (from) await assetFrom(path.resolve(from));
    await buildWeb({ outdir: val('--outdir'), recalibrate: args.includes('--recalibrate') });
  } catch (err) {
    console.error(err.message ?? err);
    process.exit(1);
  }
}
