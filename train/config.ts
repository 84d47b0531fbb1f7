// The training configuration: defaults, JSON config files, command-line flags (which override the file),
// and validation with messages that say what was wrong and what is allowed.
import { DEFAULT_SCHEDULE, type ScheduleConfig } from './schedule';

export interface TrainConfig {
  data: string;
  head: 'fc' | 'ffc' | 'pfc';
  /** FFC pool size as a fraction of the identities; Partial FC sample rate. */
  ratio: number;
  margin: 'arc' | 'cos' | 'combined' | 'sphere';
  s: number; m?: number; m1?: number; m2?: number; m3?: number;
  input: number; emb: number; width: number;
  activation: 'prelu' | 'relu' | 'relu6';
  batch: number;
  epochs?: number; steps?: number;
  /** Wall-clock budget: the step count is fitted to it after a few steps (the schedule follows). */
  minutes?: number;
  lr: number; momentum: number; nesterov: boolean; weightDecay: number;
  schedule: ScheduleConfig;
  /** FFC's EMA factor for the gallery net. */
  emaMomentum: number;
  seed: number;
  backend: 'webgpu' | 'wasm' | 'auto';
  threads?: number;
  out: string;
  /** Verification pairs to evaluate during training (synth-pairs:…, pairs.txt with valImages, .bin). */
  val?: string; valImages?: string; valEvery: number;
  logEvery: number; checkpointEvery: number;
  workers?: number; skipBad: boolean;
}

export const DEFAULTS: Omit<TrainConfig, 'data' | 'out'> = {
  head: 'ffc', ratio: 0.1, margin: 'arc', s: 32, input: 112, emb: 128, width: 1, activation: 'prelu',
  batch: 64, lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4, schedule: DEFAULT_SCHEDULE,
  emaMomentum: 0.99, seed: 1, backend: 'auto', valEvery: 0, logEvery: 10, checkpointEvery: 500, skipBad: false,
};

type Kind = 'string' | 'number' | 'int' | 'boolean' | string[];
const FIELDS: Record<string, Kind> = {
  data: 'string', head: ['fc', 'ffc', 'pfc'], ratio: 'number', margin: ['arc', 'cos', 'combined', 'sphere'],
  s: 'number', m: 'number', m1: 'number', m2: 'number', m3: 'number', input: 'int', emb: 'int', width: 'number',
  activation: ['prelu', 'relu', 'relu6'], batch: 'int', epochs: 'number', steps: 'int', minutes: 'number', lr: 'number', momentum: 'number',
  nesterov: 'boolean', weightDecay: 'number', emaMomentum: 'number', seed: 'int', backend: ['webgpu', 'wasm', 'auto'],
  threads: 'int', out: 'string', val: 'string', valImages: 'string', valEvery: 'int', logEvery: 'int',
  checkpointEvery: 'int', workers: 'int', skipBad: 'boolean',
  // schedule, flattened for flags
  warmup: 'int', scheduleKind: ['step', 'cosine', 'poly', 'constant'], milestones: 'string', gamma: 'number', power: 'number',
};

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (k: string) => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function coerce(key: string, raw: unknown, from: string): unknown {
  const kind = FIELDS[key];
  const bad = (what: string) => new Error(`${from}: '${kebab(key)}' ${what} (got ${JSON.stringify(raw)})`);
  if (Array.isArray(kind)) {
    if (!kind.includes(String(raw))) throw bad(`must be one of ${kind.join(', ')}`);
    return String(raw);
  }
  switch (kind) {
    case 'string': if (typeof raw !== 'string' || !raw) throw bad('must be a non-empty string'); return raw;
    case 'boolean':
      if (raw === true || raw === 'true' || raw === '') return true;
      if (raw === false || raw === 'false') return false;
      throw bad('must be true or false');
    default: {
      const n = typeof raw === 'number' ? raw : Number(raw);
      if (raw === '' || !Number.isFinite(n)) throw bad('must be a number');
      if (kind === 'int' && !Number.isInteger(n)) throw bad('must be an integer');
      return n;
    }
  }
}

/** Applies key/value pairs (from a file or flags) onto a partial config. */
function assign(target: Record<string, unknown>, entries: [string, unknown][], from: string): void {
  for (const [rawKey, value] of entries) {
    const key = camel(rawKey);
    if (key === 'schedule' && typeof value === 'object' && value) {
      const sch = value as Record<string, unknown>;
      const entries = Object.entries(sch).filter(([k, v]) => !(k === 'milestones' && Array.isArray(v) && v.length === 0));
      assign(target, entries.map(([k, v]) => [k === 'kind' ? 'scheduleKind' : k, Array.isArray(v) ? v.join(',') : v]), `${from} schedule`);
      continue;
    }
    if (!(key in FIELDS)) {
      throw new Error(`${from}: unknown option '${kebab(key)}'. Known: ${Object.keys(FIELDS).map(kebab).sort().join(', ')}`);
    }
    target[key] = coerce(key, value, from);
  }
}

/** Parses `--key value` / `--flag` / `--no-flag` pairs. */
export function parseFlags(args: string[]): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}' (options look like --name value)`);
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (FIELDS[camel(name)] === 'boolean' && inline === undefined) { out.push([name, true]); continue; }
    if (name.startsWith('no-') && FIELDS[camel(name.slice(3))] === 'boolean') { out.push([name.slice(3), false]); continue; }
    const v = inline ?? args[++i];
    if (v === undefined) throw new Error(`--${name} needs a value`);
    out.push([name, v]);
  }
  return out;
}

/** Resolves defaults ← config file ← flags, and checks the result. */
export function resolveConfig(fileEntries: [string, unknown][] | null, flagEntries: [string, unknown][], fileName = 'config file'): TrainConfig {
  const raw: Record<string, unknown> = {};
  if (fileEntries) assign(raw, fileEntries, fileName);
  assign(raw, flagEntries, 'flags');
  const { warmup, scheduleKind, milestones, gamma, power, ...rest } = raw;
  const schedule: ScheduleConfig = {
    kind: (scheduleKind as ScheduleConfig['kind']) ?? DEFAULT_SCHEDULE.kind,
    warmup: (warmup as number) ?? DEFAULT_SCHEDULE.warmup,
    milestones: typeof milestones === 'string' && milestones ? milestones.split(',').map((m) => {
      const n = Number(m);
      if (!Number.isInteger(n) || n < 0) throw new Error(`'milestones' must be step numbers separated by commas (got '${milestones}')`);
      return n;
    }) : DEFAULT_SCHEDULE.milestones,
    gamma: (gamma as number) ?? DEFAULT_SCHEDULE.gamma,
    power: (power as number) ?? DEFAULT_SCHEDULE.power,
  };
  const cfg = { ...DEFAULTS, ...rest, schedule } as TrainConfig;
  if (!cfg.data) throw new Error("missing --data (a RecordIO prefix, an image folder, or synth:ids=N[,per=K])");
  if (!cfg.out) throw new Error('missing --out <run dir>');
  if (cfg.epochs === undefined && cfg.steps === undefined && cfg.minutes === undefined) {
    throw new Error('say how long to train: --epochs N, --steps N or --minutes M');
  }
  const positive: (keyof TrainConfig)[] = ['batch', 'lr', 's', 'input', 'emb', 'width', 'ratio'];
  for (const k of positive) if (!((cfg[k] as number) > 0)) throw new Error(`'${kebab(k)}' must be positive (got ${cfg[k]})`);
  if (cfg.ratio > 1) throw new Error(`'ratio' is a fraction of the identities in (0, 1] (got ${cfg.ratio})`);
  if (cfg.input % 16) throw new Error(`'input' must be a multiple of 16 (got ${cfg.input})`);
  if (cfg.head === 'ffc' && cfg.batch % 2) throw new Error(`FFC needs an even --batch (got ${cfg.batch})`);
  if (!(cfg.emaMomentum >= 0 && cfg.emaMomentum <= 1)) throw new Error(`'ema-momentum' must be in [0, 1] (got ${cfg.emaMomentum})`);
  return cfg;
}
