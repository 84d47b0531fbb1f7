// esbuild options shared by the build and the benchmarks. WGSL sources are imported as
// `../../shaders/x.wgsl?raw` (vitest reads that natively); esbuild strips `?raw` and loads them as text.
const wgslRaw = {
  name: 'wgsl-raw',
  setup(b) {
    b.onResolve({ filter: /\.wgsl\?raw$/ }, async (args) => {
      const r = await b.resolve(args.path.replace(/\?raw$/, ''), { resolveDir: args.resolveDir, kind: args.kind });
      return { path: r.path };
    });
  },
};

export const common = {
  bundle: true, format: 'esm', sourcemap: true, target: 'es2022',
  loader: { '.wgsl': 'text' }, plugins: [wgslRaw], logLevel: 'warning',
};

/** Lets bundled ESM code for Node use `require` (Dawn's addon loader needs it). */
export const nodeRequireBanner = "import { createRequire as __ffcRequire } from 'node:module'; const require = __ffcRequire(import.meta.url);";
