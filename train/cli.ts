// The `ffc` command line: one subcommand per job, each in train/commands/.
import { initNode } from '../engine/node';
import { trainCommand, TRAIN_HELP } from './commands/train';
import { profileCommand, PROFILE_HELP } from './commands/profile';
import { evalCommand, EVAL_HELP } from './commands/eval';
import { compareCommand, COMPARE_HELP } from './commands/compare';
import { DATA_HELP, pack, packBin, synth } from './commands/data';
import { demoCommand, DEMO_HELP } from './commands/demo';
import { embedCommand, exportCommand, ONNX_HELP, verifyCommand } from './commands/onnx';

const HELP = `ffc — face recognition training with FFC on WebGPU and WebAssembly

  ffc info [--backend auto|webgpu|wasm]     which backend runs here, and why
  ${DEMO_HELP.split('\n').join('\n  ')}
  ${TRAIN_HELP.split('\n').join('\n  ')}
  ${EVAL_HELP.split('\n').join('\n  ')}
  ${COMPARE_HELP.split('\n').join('\n  ')}
  ${PROFILE_HELP.split('\n').join('\n  ')}
${DATA_HELP}
${ONNX_HELP}

Benchmarks: npm run bench -- matmul|conv|heads|mobilefacenet|embed|lfw [--json]`;

async function info(args: string[]): Promise<void> {
  const i = args.indexOf('--backend');
  const backend = (i >= 0 ? args[i + 1] : 'auto') as 'auto' | 'webgpu' | 'wasm';
  const e = await initNode({ backend });
  console.log(`node ${process.version}; ${e.backend.name}: ${e.backend.description}`);
  e.backend.destroy();
}

const COMMANDS: Record<string, (args: string[]) => Promise<unknown>> = {
  info, train: trainCommand, eval: evalCommand, compare: compareCommand, profile: profileCommand,
  pack, 'pack-bin': packBin, synth, demo: demoCommand,
  export: exportCommand, embed: embedCommand, verify: verifyCommand,
};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') { console.log(HELP); return 0; }
  const run = COMMANDS[cmd];
  if (!run) { console.error(`ffc: unknown command '${cmd}'\n\n${HELP}`); return 2; }
  if (rest.includes('--help')) { console.log(HELP); return 0; }
  await run(rest);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => { console.error(`ffc: ${(err as Error).message}`); process.exit(1); },
);
