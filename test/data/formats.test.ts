// Reading the real third-party files in ../shared/data (skipped, with a message, where absent).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORMATS, HAVE_FORMATS, HAVE_LFW, LFW } from './helpers';
import { RecordDataset, readProperty } from '../../train/data/node-recordio';
import { openDataset } from '../../train/data/node-open';
import { openVerification } from '../../train/data/node-verification';
import { readPickle } from '../../train/data/pickle';
import { decodeImage } from '../../train/data/image';

describe.skipIf(!HAVE_FORMATS)('shared/data/formats (RecordIO and .bin made by Python)', () => {
  const names = readFileSync(join(FORMATS, 'sample.names.txt'), 'utf8').trim().split('\n').map((l) => l.split('\t'));

  it('sample.rec: property, identity ranges and labels match sample.names.txt', () => {
    const p = readProperty(join(FORMATS, 'sample'));
    expect([p.numClasses, p.height, p.width]).toEqual([120, 112, 112]);
    const ds = new RecordDataset(join(FORMATS, 'sample'));
    expect(ds.numIdentities).toBe(120);
    expect(ds.size).toBe(names.reduce((s, n) => s + Number(n[2]), 0));
    expect(ds.size).toBe(617);
    names.forEach(([label, , count]) => expect(ds.imagesOf(Number(label)).length).toBe(Number(count)));
    // ranges are contiguous, in order, and labels agree with them
    let next = 0;
    for (let id = 0; id < 120; id++) for (const i of ds.imagesOf(id)) { expect(i).toBe(next++); expect(ds.labelOf(i)).toBe(id); }
    // the header labels of image records agree with the identity ranges
    for (const i of [0, 100, 616]) expect(ds.file.record(ds.keys[i]).header.label).toBe(ds.labelOf(i));
    ds.close();
  });

  it('sample.rec: every image decodes at 112×112 (and resizes on request)', () => {
    const ds = openDataset(join(FORMATS, 'sample.rec'));
    let mean = 0;
    for (let i = 0; i < ds.size; i++) {
      const img = ds.load(i);
      expect([img.width, img.height]).toEqual([112, 112]);
      if (i % 50 === 0) mean += img.data.reduce((s, x) => s + x, 0) / img.data.length;
    }
    expect(mean / Math.ceil(ds.size / 50)).toBeGreaterThan(30);
    const small = openDataset(join(FORMATS, 'sample'), { size: 56 });
    expect(small.load(3).width).toBe(56);
    ds.close?.(); small.close?.();
  });

  for (const [file, n] of [['lfw-devtest.bin', 1000], ['lfw-devtest-100-p2.bin', 100], ['lfw-devtest-100-py2.bin', 100]] as const) {
    it(`${file}: ${n} pairs, booleans, decodable JPEGs`, () => {
      const set = openVerification(join(FORMATS, file));
      expect(set.count).toBe(n);
      const same = set.same;
      expect(same.every((s) => typeof s === 'boolean')).toBe(true);
      expect(same.filter((s) => s).length).toBe(n / 2);
      expect(same.slice(0, n / 2).every((s) => s)).toBe(true); // pairsDevTest order: same pairs first
      for (const i of [0, n - 1]) for (const side of [0, 1] as const) expect(set.loadImage(i, side).width).toBe(112);
    });
  }

  it('the three pickle variants hold the same images', () => {
    const [a, b, c] = ['lfw-devtest.bin', 'lfw-devtest-100-p2.bin', 'lfw-devtest-100-py2.bin'].map((f) => readPickle(readFileSync(join(FORMATS, f))) as unknown as [Uint8Array[], boolean[]]);
    for (const k of [0, 1, 57, 199]) {
      expect(Buffer.from(b[0][k]).equals(Buffer.from(c[0][k]))).toBe(true);
    }
    expect(b[1]).toEqual(c[1]);
    expect(a[0].length).toBe(2000);
  });
});

describe.skipIf(!HAVE_LFW)('shared/data/lfw (pairs.txt, images)', () => {
  it('pairs.txt View 2: 6000 pairs, 10 folds of 300 + 300', () => {
    const set = openVerification(join(LFW, 'lists', 'pairs.txt'));
    expect(set.count).toBe(6000);
    expect(set.folds).toBe(10);
    for (let f = 0; f < 10; f++) {
      const idx = Array.from({ length: 600 }, (_, k) => f * 600 + k);
      expect(idx.every((i) => set.foldOf(i) === f)).toBe(true);
      expect(idx.filter((i) => set.pairs[i].same).length).toBe(300);
    }
    expect(set.imageName(0, 0)).toMatch(/Abel_Pacheco\/Abel_Pacheco_0001\.jpg$/);
    const img = set.loadImage(0, 1);
    expect([img.width, img.height]).toEqual([112, 112]);
  });

  it('pairsDevTest.txt View 1: 500 same then 500 different, images exist', () => {
    const set = openVerification(join(LFW, 'lists', 'pairsDevTest.txt'));
    expect(set.count).toBe(1000);
    expect(set.same.filter((s) => s).length).toBe(500);
    for (const i of [0, 499, 500, 999]) expect(set.loadImage(i, 0, 64).width).toBe(64);
  });

  it('JPEGs of LFW decode', () => {
    const img = decodeImage(readFileSync(join(LFW, 'images', 'AJ_Cook', 'AJ_Cook_0001.jpg')));
    expect([img.width, img.height, img.data.length]).toEqual([112, 112, 112 * 112 * 3]);
  });
});
