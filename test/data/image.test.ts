// Image decoding, resizing, PNG/JPEG encoding, and image-folder datasets.
import { describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers';
import { decodeImage, encodeJpeg, encodePng, resizeImage, writeNormalized, type RGBImage } from '../../train/data/image';
import { FolderDataset, readNames, writeNames } from '../../train/data/node-folder';
import { openDataset } from '../../train/data/node-open';
import { renderFace } from '../../train/data/synth';

const grad = (w: number, h: number): RGBImage => {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { const o = (y * w + x) * 3; data[o] = x * 8; data[o + 1] = y * 8; data[o + 2] = 100; }
  return { width: w, height: h, data };
};

describe('images', () => {
  it('PNG round trip is exact; JPEG is close', () => {
    const img = renderFace(3, 1, 40);
    expect(Array.from(decodeImage(encodePng(img)).data)).toEqual(Array.from(img.data));
    const j = decodeImage(encodeJpeg(img, 95));
    let e = 0; for (let i = 0; i < img.data.length; i++) e += Math.abs(j.data[i] - img.data[i]);
    expect(e / img.data.length).toBeLessThan(5);
  });

  it('corrupt and truncated images give errors naming the file and the problem', () => {
    const jpg = encodeJpeg(renderFace(1, 1, 32));
    expect(() => decodeImage(jpg.subarray(0, jpg.length / 2), 'faces/x.jpg')).toThrow(/faces\/x\.jpg: cannot decode image: (corrupt|truncated) JPEG/);
    const bad = jpg.slice(); bad.fill(0, 2, 200);
    expect(() => decodeImage(bad, 'faces/y.jpg')).toThrow(/faces\/y\.jpg: cannot decode image: corrupt JPEG/);
    const png = encodePng(renderFace(1, 1, 32));
    expect(() => decodeImage(png.subarray(0, 60), 'p.png')).toThrow(/p\.png: cannot decode image: corrupt PNG/);
    expect(() => decodeImage(new TextEncoder().encode('hello world'), 'z.jpg')).toThrow(/z\.jpg: cannot decode image: not a JPEG or PNG \(first bytes 68 65 6c 6c\)/);
    expect(() => decodeImage(new Uint8Array(0), 'e.jpg')).toThrow(/e\.jpg: .*empty file/);
  });

  it('resizes: bilinear up, area down; a constant image stays constant', () => {
    const g = grad(16, 16);
    const down = resizeImage(g, 8, 8);
    expect(down.data[0]).toBe(Math.round((0 + 8) / 2)); // average of x = 0 and 1 → 4
    expect(down.data[(0 * 8 + 7) * 3]).toBe(Math.round((14 * 8 + 15 * 8) / 2));
    const up = resizeImage(g, 32, 32);
    expect(up.data[(0 * 32 + 1) * 3]).toBe(2); // between x = 0 (0) and x = 1 (8) at 0.25 → 2
    const c = { width: 7, height: 5, data: new Uint8Array(105).fill(77) };
    for (const [w, h] of [[3, 2], [19, 11], [7, 12]]) expect(resizeImage(c, w, h).data.every((v) => v === 77)).toBe(true);
  });

  it('normalises by (x − 127.5) / 128 and mirrors', () => {
    const g = grad(4, 1), out = new Float32Array(12);
    writeNormalized(g, out, 0, true);
    expect(out[0]).toBeCloseTo((24 - 127.5) / 128, 6);
    expect(out[2]).toBeCloseTo((100 - 127.5) / 128, 6);
  });
});

describe('image folders', () => {
  it('labels by sorted identity name; names.txt fixes the order; errors are clear', () => {
    const root = tempDir('folder');
    const put = (id: string, f: string, img = renderFace(id.length, f.length, 20)) => { mkdirSync(join(root, id), { recursive: true }); writeFileSync(join(root, id, f), encodePng(img)); };
    put('zed', 'b.png'); put('zed', 'a.png'); put('amy', '1.png'); writeFileSync(join(root, 'amy', 'notes.txt'), 'x');
    let ds = new FolderDataset(root, { size: 16 });
    expect(ds.names).toEqual(['amy', 'zed']);
    expect([ds.size, ds.labelOf(0), ds.labelOf(2)]).toEqual([3, 0, 1]);
    expect(ds.files[1]).toMatch(/zed\/a\.png$/);
    expect(ds.load(1).width).toBe(16);
    writeNames(join(root, 'names.txt'), ['zed', 'amy']);
    expect(readNames(join(root, 'names.txt'))).toEqual(['zed', 'amy']);
    ds = openDataset(root) as FolderDataset;
    expect([ds.labelOf(0), ds.labelOf(2), ds.imageSize]).toEqual([0, 1, 112]);
    rmSync(join(root, 'names.txt'));
    mkdirSync(join(root, 'empty'));
    expect(() => new FolderDataset(root)).toThrow(/identity folder '.*empty' has no images/);
    rmSync(join(root, 'empty'), { recursive: true });
    expect(() => new FolderDataset(join(root, 'nope'))).toThrow(/image folder '.*nope' does not exist/);
    expect(() => openDataset(join(root, 'nope'))).toThrow(/dataset '.*nope' not found/);
    // a corrupt file: an error naming it, or skipped (and counted) with skipBad
    writeFileSync(join(root, 'zed', 'a.png'), 'garbage');
    expect(() => new FolderDataset(root).load(1)).toThrow(/zed\/a\.png: cannot decode image: not a JPEG or PNG/);
    const sk = new FolderDataset(root, { skipBad: true, size: 20 });
    expect(Array.from(sk.load(1).data)).toEqual(Array.from(sk.load(2).data));
    expect(sk.badCount).toBe(1);
    rmSync(root, { recursive: true });
  });
});
