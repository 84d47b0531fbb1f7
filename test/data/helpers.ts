import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Third-party test files live beside the repository: ../shared/data. */
export const SHARED = resolve('..', 'shared', 'data');
export const FORMATS = join(SHARED, 'formats');
export const LFW = join(SHARED, 'lfw');
export const HAVE_FORMATS = existsSync(join(FORMATS, 'sample.rec'));
export const HAVE_LFW = existsSync(join(LFW, 'images')) && existsSync(join(LFW, 'lists', 'pairs.txt'));
if (!HAVE_FORMATS) console.warn(`skipping tests on third-party formats: ${FORMATS} is absent`);
if (!HAVE_LFW) console.warn(`skipping tests on LFW: ${LFW} is absent`);

export function tempDir(tag: string): string { return mkdtempSync(join(tmpdir(), `ffc-data-${tag}-`)); }

export function cosine(a: Uint8Array, b: Uint8Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { const x = (a[i] - 127.5) / 128, y = (b[i] - 127.5) / 128; ab += x * y; aa += x * x; bb += y * y; }
  return ab / Math.sqrt(aa * bb);
}
