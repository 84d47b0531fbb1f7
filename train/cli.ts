// The `ffc` command line.
import { initNode } from '../engine/node';

const HELP = `ffc — face recognition training on WebGPU and WebAssembly

Usage:
  ffc info [--backend auto|webgpu|wasm] [--threads N]   which backend runs here, and why
  ffc --help

Benchmarks: npm run bench -- matmul|conv [--json]`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}

async function info(args: string[]): Promise<void> {
  const backend = (flag(args, 'backend') ?? 'auto') as 'auto' | 'webgpu' | 'wasm';
  const threads = flag(args, 'threads');
  const e = await initNode({ backend, threads: threads ? Number(threads) : undefined });
  console.log(`node ${process.version}, ${e.backend.name}: ${e.backend.description}`);
  e.backend.destroy();
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const known = new Set(['--backend', '--threads']);
  switch (cmd) {
    case undefined: case '--help': case '-h': case 'help':
      console.log(HELP);
      return 0;
    case 'info': {
      const unknown = rest.filter((a, i) => a.startsWith('--') && !known.has(a) && !known.has(rest[i - 1]));
      if (unknown.length) throw new Error(`unknown option ${unknown[0]} for 'ffc info'`);
      await info(rest);
      return 0;
    }
    default:
      console.error(`ffc: unknown command '${cmd}'\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => { console.error(`ffc: ${(err as Error).message}`); process.exit(1); },
);
