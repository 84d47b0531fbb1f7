// Makes an image-folder dataset of the identities listed in an LFW people file (e.g. peopleDevTrain.txt)
// as symbolic links, so `ffc train --data <out>` trains on exactly those people.
//   node scripts/lfw-subset.mjs <lfw root> <people file> <out dir>
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [root, people, out] = process.argv.slice(2);
if (!root || !people || !out) {
  console.error('usage: node scripts/lfw-subset.mjs <lfw root with images/> <people file> <out dir>');
  process.exit(2);
}
const images = existsSync(join(root, 'images')) ? join(root, 'images') : root;
const lines = readFileSync(people, 'utf8').split(/\r?\n/).slice(1).filter(Boolean);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
let n = 0, imagesCount = 0;
for (const line of lines) {
  const [name, count] = line.trim().split(/\s+/);
  const src = resolve(images, name);
  if (!existsSync(src)) { console.error(`${name}: not found under ${images}`); process.exit(1); }
  symlinkSync(src, join(out, name));
  n++; imagesCount += Number(count);
}
console.log(`${out}: ${n} identities, ${imagesCount} images`);
