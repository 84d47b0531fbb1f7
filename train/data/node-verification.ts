// Opens verification sets from files: LFW pairs.txt (+ images root), `a b 1|0` lists, insightface .bin. Node-only.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { VerificationSet, parseLfwPairs, parsePairList, verificationFromBin, lfwImagePath, type LfwPairLine } from './verification';

const readFile = (p: string): Uint8Array => {
  try { return readFileSync(p); } catch (e) { throw new Error(`${p}: cannot read (${(e as Error).message})`); }
};

/** The file of LFW image (name, i) under root: .jpg, else .jpeg or .png. */
export function lfwImageFile(root: string, name: string, i: number): string {
  for (const ext of ['jpg', 'png', 'jpeg']) { const p = join(root, lfwImagePath(name, i, ext)); if (existsSync(p)) return p; }
  return join(root, lfwImagePath(name, i, 'jpg'));
}

export function lfwPairsToSet(lines: LfwPairLine[], root: string, name: string, folds: number): VerificationSet {
  return new VerificationSet(name, lines.map((l) => ({ a: lfwImageFile(root, l.nameA, l.a), b: lfwImageFile(root, l.nameB, l.b), same: l.same })), readFile, folds, folds > 1 ? 'blocks' : 'interleave');
}

/**
 * Opens a verification set:
 *  - `*.bin`: insightface pickle (images inside);
 *  - an LFW pairs.txt (header line `10<TAB>300` or `N`) with `imagesRoot` (default: ../images beside lists/, or the file's folder);
 *  - a `a.jpg b.jpg 1|0` list, paths relative to `imagesRoot` (default: the list's folder).
 */
export function openVerification(path: string, opts: { imagesRoot?: string } = {}): VerificationSet {
  if (!existsSync(path)) throw new Error(`verification file ${path} does not exist`);
  if (/\.bin$/i.test(path)) return verificationFromBin(readFileSync(path), path);
  const text = readFileSync(path, 'utf8');
  const first = text.split(/\r?\n/, 1)[0].trim();
  if (/^\d+(\s+\d+)?$/.test(first)) {
    const p = parseLfwPairs(text, path);
    let root = opts.imagesRoot;
    if (!root) {
      const sib = resolve(dirname(path), '..', 'images');
      root = existsSync(sib) ? sib : dirname(path);
    }
    // View 2 has 10 folds of 600; View 1 (one block) is evaluated in 10 folds too
    return p.folds > 1 ? lfwPairsToSet(p.lines, root, path, p.folds) : lfwPairsToSet(p.lines, root, path, 1).withFolds(10);
  }
  const root = opts.imagesRoot ?? dirname(path);
  const list = parsePairList(text, path);
  return new VerificationSet(path, list.map((l) => ({ a: resolve(root, l.a), b: resolve(root, l.b), same: l.same })), readFile);
}

export function writeText(path: string, text: string): void { mkdirSync(dirname(path), { recursive: true }); writeFileSync(path, text); }
