// RecordIO: pack → read round trips (with payloads containing the magic, so records are split), and errors.
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers';
import { RecordDataset, RecordFile, RecordWriter, writeRecordDataset } from '../../train/data/node-recordio';
import { frameRecord, packRecord, readRecordAt, RECORDIO_MAGIC, unpackRecord } from '../../train/data/recordio';
import { encodePng } from '../../train/data/image';
import { renderFace } from '../../train/data/synth';
import { pack } from '../../train/commands/data';
import { openDataset } from '../../train/data/node-open';

const MAGIC = [0x0a, 0x23, 0xd7, 0xce];

function makeSet(dir: string, counts = [3, 1, 2]): { prefix: string; images: Uint8Array[][] } {
  const images = counts.map((c, j) => Array.from({ length: c }, (_, k) => encodePng(renderFace(j, k, 24))));
  const prefix = join(dir, 'train');
  writeRecordDataset(prefix, counts, (j, k) => images[j][k], [24, 24]);
  return { prefix, images };
}

describe('RecordIO framing', () => {
  it('splits a payload at every aligned magic and rejoins it', () => {
    const payload = new Uint8Array(64).map((_, i) => i);
    payload.set(MAGIC, 0); payload.set(MAGIC, 20); payload.set(MAGIC, 24); payload.set(MAGIC, 41); // 41 is unaligned: kept
    const parts = frameRecord(payload);
    expect(parts.length).toBe(4);
    const flags = parts.map((p) => new DataView(p.buffer).getUint32(4, true) >>> 29);
    expect(flags).toEqual([1, 2, 2, 3]);
    const file = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0; for (const p of parts) { file.set(p, o); o += p.length; }
    const r = readRecordAt((pos, n) => file.subarray(pos, pos + n), 0, file.length, 't');
    expect(Array.from(r.payload)).toEqual(Array.from(payload));
    expect(r.end).toBe(file.length);
  });

  it('pads to 4 bytes and keeps label arrays', () => {
    const p = packRecord([3, 7], new Uint8Array([1, 2, 3]));
    const [rec] = frameRecord(p);
    expect(rec.length % 4).toBe(0);
    const u = unpackRecord(p);
    expect(u.header.flag).toBe(2);
    expect(Array.from(u.header.label as Float32Array)).toEqual([3, 7]);
    expect(Array.from(u.image)).toEqual([1, 2, 3]);
  });
});

describe('RecordIO datasets', () => {
  it('pack → read round trip, including a split record', () => {
    const dir = tempDir('rec');
    const { prefix, images } = makeSet(dir);
    // a record whose payload contains the magic at aligned offsets, appended under a new key
    const w = new RecordWriter(join(dir, 'extra'));
    const img = new Uint8Array(40).fill(7); img.set(MAGIC, 4); img.set(MAGIC, 16);
    w.write(5, packRecord(1, img)); w.close();
    const f = new RecordFile(join(dir, 'extra'));
    expect(Array.from(f.record(5).image)).toEqual(Array.from(img));
    f.close();

    const ds = new RecordDataset(prefix);
    expect([ds.numIdentities, ds.size, ds.imageSize]).toEqual([3, 6, 24]);
    expect(Array.from({ length: 6 }, (_, i) => ds.labelOf(i))).toEqual([0, 0, 0, 1, 2, 2]);
    expect(Array.from(ds.imagesOf(2))).toEqual([4, 5]);
    expect(Buffer.from(ds.imageBytes(3)).equals(Buffer.from(images[1][0]))).toBe(true);
    expect(Array.from(ds.load(0).data)).toEqual(Array.from(renderFace(0, 0, 24).data));
    ds.close();
    rmSync(dir, { recursive: true });
  });

  it('`ffc pack` of an image folder reads back with the same labels and pixels', async () => {
    const dir = tempDir('pack');
    const root = join(dir, 'faces');
    for (const [name, n] of [['bob', 2], ['alice', 3]] as const) {
      mkdirSync(join(root, name), { recursive: true });
      for (let k = 0; k < n; k++) writeFileSync(join(root, name, `${k}.png`), encodePng(renderFace(name.length, k, 32)));
    }
    const err = process.stderr.write; process.stderr.write = () => true;
    const log = console.log; console.log = () => {};
    try { await pack([root, join(dir, 'out', 'train')]); } finally { process.stderr.write = err; console.log = log; }
    const ds = openDataset(join(dir, 'out', 'train'));
    expect(ds.numIdentities).toBe(2); // alice = 0, bob = 1
    expect(Array.from({ length: ds.size }, (_, i) => ds.labelOf(i))).toEqual([0, 0, 0, 1, 1]);
    expect(readFileSync(join(dir, 'out', 'train.names.txt'), 'utf8')).toBe('alice\nbob\n');
    const px = ds.load(3).data, ref = renderFace(3, 0, 32).data; // bob's first image, re-encoded as JPEG
    let err2 = 0; for (let i = 0; i < px.length; i++) err2 += Math.abs(px[i] - ref[i]);
    expect(err2 / px.length).toBeLessThan(6);
    ds.close?.();
    rmSync(dir, { recursive: true });
  });

  it('errors name the file, the key and the problem', () => {
    const dir = tempDir('recerr');
    const { prefix } = makeSet(dir);
    const rec = readFileSync(`${prefix}.rec`), idx = readFileSync(`${prefix}.idx`, 'utf8');
    const offsets = idx.trim().split('\n').map((l) => l.split('\t').map(Number));
    const off1 = offsets.find(([k]) => k === 1)![1], off2 = offsets.find(([k]) => k === 2)![1];

    // wrong magic at key 2
    const bad = Buffer.from(rec); bad.writeUInt32LE(0xdeadbeef, off2);
    writeFileSync(`${prefix}.rec`, bad);
    expect(() => new RecordDataset(prefix).load(1)).toThrow(/train\.rec key 2: wrong magic 0xdeadbeef/);
    // truncated: cut the file in the middle of the last record (key 0 header → error at open)
    writeFileSync(`${prefix}.rec`, rec.subarray(0, rec.length - 10));
    expect(() => new RecordDataset(prefix)).toThrow(/train\.rec key 0: truncated record/);
    // index pointing past the end
    writeFileSync(`${prefix}.rec`, rec);
    writeFileSync(`${prefix}.idx`, idx.replace(`1\t${off1}\n`, `1\t${rec.length + 100}\n`));
    expect(() => new RecordDataset(prefix)).toThrow(/train\.rec key 1: index points past the end \(offset \d+, file is \d+ bytes\)/);
    // … which --skip-bad skips and counts
    const skipping = new RecordDataset(prefix, { skipBad: true });
    expect(skipping.size).toBe(5);
    expect(skipping.badCount).toBe(1);
    skipping.close();
    writeFileSync(`${prefix}.idx`, idx);
    // a corrupt image: an error naming the record, or a substitute of the same identity with skipBad
    const corrupt = Buffer.from(rec); corrupt.fill(0x55, off1 + 8 + 24 + 40, off1 + 8 + 24 + 200);
    writeFileSync(`${prefix}.rec`, corrupt);
    expect(() => new RecordDataset(prefix).load(0)).toThrow(/train\.rec key 1: cannot decode image/);
    const sk = new RecordDataset(prefix, { skipBad: true });
    expect(Array.from(sk.load(0).data)).toEqual(Array.from(sk.load(1).data));
    expect(sk.badCount).toBe(1);
    sk.close();
    // missing property
    writeFileSync(`${prefix}.rec`, rec);
    rmSync(`${prefix}.property`);
    expect(() => new RecordDataset(prefix)).toThrow(/missing property file .*train\.property/);
    rmSync(dir, { recursive: true });
  });

  it('reads a set without the key-0 header by record labels', () => {
    const dir = tempDir('nohdr');
    const w = new RecordWriter(join(dir, 'plain'));
    const labels = [1, 0, 1, 2];
    labels.forEach((l, i) => w.write(i + 1, packRecord(l, encodePng(renderFace(l, i, 16)))));
    w.close();
    writeFileSync(join(dir, 'plain.property'), '3,16,16\n');
    const ds = new RecordDataset(join(dir, 'plain'));
    expect([ds.numIdentities, ds.size]).toEqual([3, 4]);
    expect(Array.from(ds.imagesOf(1))).toEqual([0, 2]);
    expect(RECORDIO_MAGIC).toBe(0xced7230a);
    ds.close();
    copyFileSync(join(dir, 'plain.rec'), join(dir, 'x.rec'));
    rmSync(dir, { recursive: true });
  });
});
