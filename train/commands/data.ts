// `ffc pack`, `ffc pack-bin` and `ffc synth`: data set conversion and generation. Each handler parses its
// own flags and throws an Error with a helpful message on bad input (the CLI prints it and exits non-zero).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeImage, encodeJpeg, encodePng, isJpeg, resizeImage, tileImages } from '../data/image';
import { renderFace } from '../data/synth';
import { listImageFolder, writeNames } from '../data/node-folder';
import { writeRecordDataset } from '../data/node-recordio';
import { openVerification, writeText } from '../data/node-verification';
import { writeBinPickle } from '../data/pickle';
import { formatLfwPairs, lfwImagePath, synthPairLines } from '../data/verification';
import { ProgressBar } from '../progress';

export const DATA_HELP = `  ffc pack <folder> <out prefix> [--size S] [--skip-bad]
      image folder (root/<identity>/*.jpg|png) → InsightFace RecordIO <prefix>.rec/.idx/.property (+ .names.txt)
  ffc pack-bin <images root> <pairs file> <out.bin> [--size S]
      LFW pairs.txt or 'a b 1|0' list → insightface verification .bin (pickle protocol 4)
  ffc synth --ids N --per-id K --out DIR [--size 112] [--difficulty 0.5] [--seed 1] [--pairs P]
      synthetic faces → DIR/<id>/<k>.png, DIR/names.txt, DIR/sheet.png; with --pairs, P same + P different
      held-out pairs per fold × 10 folds in DIR-heldout/ (LFW layout, pairs.txt)`;

/** Counts finished items on a progress bar. */
class Counter {
  private n = 0;
  constructor(private readonly bar: ProgressBar) {}
  tick(): void { this.bar.update(++this.n); }
  finish(): void { this.bar.done(); }
}

interface Spec { [name: string]: 'value' | 'bool' }

function parseArgs(cmd: string, args: string[], spec: Spec, positional: string[]): { pos: string[]; opt: Record<string, string | boolean> } {
  const pos: string[] = [], opt: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2);
      const kind = spec[name];
      if (!kind) throw new Error(`unknown option --${name} for 'ffc ${cmd}' (known: ${Object.keys(spec).map((k) => `--${k}`).join(', ') || 'none'})\n${usage(cmd)}`);
      if (kind === 'bool') { opt[name] = true; continue; }
      const v = inline ?? args[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new Error(`--${name} needs a value\n${usage(cmd)}`);
      opt[name] = v;
    } else pos.push(a);
  }
  if (pos.length !== positional.length) throw new Error(`'ffc ${cmd}' takes ${positional.length ? positional.map((p) => `<${p}>`).join(' ') : 'no positional arguments'}, got ${pos.length ? pos.map((p) => `'${p}'`).join(' ') : 'none'}\n${usage(cmd)}`);
  return { pos, opt };
}

function usage(cmd: string): string {
  const line = DATA_HELP.split('\n').find((l) => l.trim().startsWith(`ffc ${cmd} `));
  return `usage: ${line?.trim() ?? `ffc ${cmd}`}`;
}

function intOpt(opt: Record<string, string | boolean>, name: string, def?: number, min = 1): number {
  const v = opt[name];
  if (v === undefined) { if (def === undefined) throw new Error(`--${name} is required`); return def; }
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

function numOpt(opt: Record<string, string | boolean>, name: string, def: number, lo: number, hi: number): number {
  const v = opt[name];
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < lo || n > hi) throw new Error(`--${name} must be a number in ${lo}..${hi}, got '${v}'`);
  return n;
}

/** Encoded image bytes ready to store: the original when it is a JPEG of the right size, else re-encoded JPEG. */
function prepare(bytes: Uint8Array, source: string, size: number | undefined): { bytes: Uint8Array; w: number; h: number } {
  const img = decodeImage(bytes, source); // validates
  if (size && (img.width !== size || img.height !== size)) return { bytes: encodeJpeg(resizeImage(img, size, size)), w: size, h: size };
  return { bytes: isJpeg(bytes) ? bytes : encodeJpeg(img), w: img.width, h: img.height };
}

/** `ffc pack <folder> <out prefix> [--size S] [--skip-bad]` */
export async function pack(args: string[]): Promise<void> {
  const { pos: [folder, prefix], opt } = parseArgs('pack', args, { size: 'value', 'skip-bad': 'bool' }, ['folder', 'out prefix']);
  const size = opt.size !== undefined ? intOpt(opt, 'size') : undefined;
  const skipBad = !!opt['skip-bad'];
  const l = listImageFolder(folder);
  if (dirname(prefix) && !existsSync(dirname(prefix))) mkdirSync(dirname(prefix), { recursive: true });
  const counts = l.names.map((_, j) => l.starts[j + 1] - l.starts[j]);
  let dims: [number, number] | undefined;
  const bar = new Counter(new ProgressBar(l.files.length, 'pack', 'img'));
  const res = writeRecordDataset(prefix, counts, (j, k) => {
    const path = l.files[l.starts[j] + k];
    try {
      const p = prepare(readFileSync(path), path, size);
      if (!dims) dims = [p.h, p.w];
      else if (!size && (p.h !== dims[0] || p.w !== dims[1])) throw new Error(`${path}: image is ${p.w}×${p.h} but earlier ones are ${dims[1]}×${dims[0]}; pass --size to resize all`);
      return p.bytes;
    } catch (e) {
      if (skipBad) { process.stderr.write(`\nskipping ${(e as Error).message}\n`); return null; }
      throw e;
    }
  }, () => dims ?? [size ?? 112, size ?? 112], () => bar.tick());
  bar.finish();
  writeNames(`${prefix}.names.txt`, l.names);
  console.log(`wrote ${prefix}.rec/.idx/.property: ${res.images} images of ${res.identities} identities${res.skipped ? `, ${res.skipped} unreadable skipped` : ''}`);
}

/** `ffc pack-bin <images root> <pairs file> <out.bin> [--size S]` */
export async function packBin(args: string[]): Promise<void> {
  const { pos: [root, pairsFile, out], opt } = parseArgs('pack-bin', args, { size: 'value' }, ['images root', 'pairs file', 'out.bin']);
  const size = opt.size !== undefined ? intOpt(opt, 'size') : undefined;
  if (!existsSync(root)) throw new Error(`images root '${root}' does not exist`);
  const set = openVerification(pairsFile, { imagesRoot: root });
  const images: Uint8Array[] = [];
  const bar = new Counter(new ProgressBar(set.count, 'pack-bin', 'pairs'));
  for (let i = 0; i < set.count; i++) {
    for (const side of [0, 1] as const) {
      const ref = side === 0 ? set.pairs[i].a : set.pairs[i].b;
      if (typeof ref !== 'string') throw new Error(`${pairsFile}: pair ${i} does not refer to a file`);
      if (!existsSync(ref)) throw new Error(`${pairsFile}: pair ${i}: image ${ref} does not exist`);
      images.push(prepare(readFileSync(ref), ref, size).bytes);
    }
    bar.tick();
  }
  bar.finish();
  mkdirSync(dirname(out) || '.', { recursive: true });
  writeFileSync(out, writeBinPickle(images, set.same));
  console.log(`wrote ${out}: ${set.count} pairs (${set.same.filter((s) => s).length} same)`);
}

/** `ffc synth --ids N --per-id K --out DIR [--size 112] [--difficulty d] [--seed s] [--pairs P]` */
export async function synth(args: string[]): Promise<void> {
  const { opt } = parseArgs('synth', args, { ids: 'value', 'per-id': 'value', out: 'value', size: 'value', difficulty: 'value', seed: 'value', pairs: 'value' }, []);
  if (opt.out === undefined) throw new Error(`--out DIR is required\n${usage('synth')}`);
  const ids = intOpt(opt, 'ids'), per = intOpt(opt, 'per-id'), size = intOpt(opt, 'size', 112, 8);
  const difficulty = numOpt(opt, 'difficulty', 0.5, 0, 1), seed = intOpt(opt, 'seed', 1, 0);
  const dir = String(opt.out);
  const so = { seed, difficulty };
  const wId = String(ids - 1).length, wK = String(per - 1).length;
  const names: string[] = [];
  mkdirSync(dir, { recursive: true });
  const bar = new Counter(new ProgressBar(ids * per, 'synth', 'img'));
  for (let id = 0; id < ids; id++) {
    const name = String(id).padStart(wId, '0');
    names.push(name);
    mkdirSync(join(dir, name), { recursive: true });
    for (let k = 0; k < per; k++) {
      writeFileSync(join(dir, name, `${String(k).padStart(wK, '0')}.png`), encodePng(renderFace(id, k, size, so)));
      bar.tick();
    }
  }
  bar.finish();
  writeNames(join(dir, 'names.txt'), names);
  // a contact sheet: up to 8 identities (rows) × 8 samples (columns)
  const rows = Math.min(8, ids), cols = Math.min(8, Math.max(per, 8));
  const sheet: ReturnType<typeof renderFace>[] = [];
  for (let id = 0; id < rows; id++) for (let k = 0; k < cols; k++) sheet.push(renderFace(id, k, size, so));
  writeFileSync(join(dir, 'sheet.png'), encodePng(tileImages(sheet, cols)));
  let msg = `wrote ${ids * per} images of ${ids} identities to ${dir}/ (names.txt, sheet.png)`;
  if (opt.pairs !== undefined) {
    const perFold = intOpt(opt, 'pairs');
    const p = synthPairLines({ folds: 10, perFold, samples: Math.max(2, per), seed, difficulty });
    const hd = `${dir.replace(/\/+$/, '')}-heldout`;
    const done = new Set<string>();
    const pb = new Counter(new ProgressBar(p.lines.length, 'pairs', 'pairs'));
    for (const l of p.lines) {
      for (const [nm, i] of [[l.nameA, l.a], [l.nameB, l.b]] as Array<[string, number]>) {
        const file = join(hd, lfwImagePath(nm, i, 'png'));
        if (done.has(file)) continue;
        done.add(file);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, encodePng(renderFace(Number(nm.slice(6)), i - 1, size, so)));
      }
      pb.tick();
    }
    pb.finish();
    writeText(join(hd, 'pairs.txt'), formatLfwPairs(p));
    msg += `; ${p.lines.length} held-out pairs in ${hd}/pairs.txt`;
  }
  console.log(msg);
}
