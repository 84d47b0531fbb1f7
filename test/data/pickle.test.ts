// The restricted pickle reader and the protocol-4 .bin writer.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers';
import { PickleTuple, readPickle, writeBinPickle, parseVerificationBin } from '../../train/data/pickle';
import { verificationFromBin } from '../../train/data/verification';
import { encodeJpeg } from '../../train/data/image';
import { renderFace } from '../../train/data/synth';
import { packBin } from '../../train/commands/data';
import { openVerification } from '../../train/data/node-verification';

const enc = (s: string) => new TextEncoder().encode(s);
function hasPython(): boolean { try { execFileSync('python3', ['-c', 'import pickle'], { stdio: 'ignore' }); return true; } catch { return false; } }

describe('restricted pickle reader', () => {
  it('round-trips the .bin layout', () => {
    const imgs = [new Uint8Array([1, 2, 3]), new Uint8Array(300).fill(9), new Uint8Array(0), new Uint8Array([0x2e])];
    const data = writeBinPickle(imgs, [true, false]);
    const v = readPickle(data);
    expect(v).toBeInstanceOf(PickleTuple);
    const { images, same } = parseVerificationBin(data);
    expect(images.map((x) => Array.from(x))).toEqual(imgs.map((x) => Array.from(x)));
    expect(same).toEqual([true, false]);
  });

  it('batches APPENDS by 1000 like Python, and reads them back', () => {
    const imgs = Array.from({ length: 4802 }, (_, i) => new Uint8Array([i & 255]));
    const same = Array.from({ length: 2401 }, (_, i) => i % 3 === 0);
    const { images, same: s2 } = parseVerificationBin(writeBinPickle(imgs, same));
    expect(images.length).toBe(4802);
    expect(images[4801][0]).toBe(4801 & 255);
    expect(s2).toEqual(same);
  });

  it('refuses GLOBAL os system, REDUCE of it, and other opcodes, naming them', () => {
    // protocol 0 style: c os\nsystem\n (S'echo hi'\n tR.
    const evil = enc("cos\nsystem\n(S'echo hi'\ntR.");
    expect(() => readPickle(evil, 'evil.bin')).toThrow(/evil\.bin: pickle byte 0: refusing GLOBAL 'os system'/);
    const stackGlobal = new Uint8Array([0x80, 4, 0x8c, 5, ...enc('posix'), 0x8c, 6, ...enc('system'), 0x93, 0x2e]);
    expect(() => readPickle(stackGlobal)).toThrow(/refusing GLOBAL 'posix system'/);
    expect(() => readPickle(new Uint8Array([0x80, 2, 0x7d, 0x2e]))).toThrow(/refusing opcode EMPTY_DICT \(0x7d\)/);
    expect(() => readPickle(new Uint8Array([0x80, 2, 0x4e, 0x62, 0x2e]))).toThrow(/refusing opcode NONE/);
    expect(() => readPickle(new Uint8Array([0x80, 2, 0x69]))).toThrow(/refusing opcode INST/);
  });

  it('rejects truncated and corrupted files', () => {
    const data = writeBinPickle([new Uint8Array(1000).fill(1), new Uint8Array(10)], [true]);
    expect(() => readPickle(data.subarray(0, data.length - 1), 'cut.bin')).toThrow(/cut\.bin: .*truncated: the pickle ends before STOP/);
    expect(() => readPickle(data.subarray(0, 500), 'cut.bin')).toThrow(/truncated: BINBYTES needs 1000 bytes/);
    const bad = data.slice(); bad[3] = 0xff; // an unknown opcode inside the first list
    expect(() => readPickle(bad)).toThrow(/refusing opcode/);
    expect(() => parseVerificationBin(writeBinPickle([new Uint8Array(1)], [true]))).toThrow(/1 images for 1 pairs/);
    expect(() => readPickle(new Uint8Array([0x80, 2, 0x68, 7, 0x2e]))).toThrow(/BINGET of memo 7/);
  });

  it('reads protocol 2 bytes written as _codecs.encode(str, latin1)', () => {
    const s = 'ÿ\u0000é';
    const u = enc(s);
    const data = new Uint8Array([0x80, 2, 0x63, ...enc('_codecs\nencode\n'), 0x71, 0, 0x58, u.length, 0, 0, 0, ...u, 0x58, 6, 0, 0, 0, ...enc('latin1'), 0x86, 0x52, 0x2e]);
    expect(Array.from(readPickle(data) as Uint8Array)).toEqual([255, 0, 233]);
  });

  it.skipIf(!hasPython())('Python reads what pack-bin writes (skipped without python3)', async () => {
    const dir = tempDir('bin');
    const root = join(dir, 'imgs');
    for (const n of ['a', 'b']) {
      mkdirSync(join(root, n), { recursive: true });
      for (let i = 1; i <= 2; i++) writeFileSync(join(root, n, `${n}_000${i}.jpg`), encodeJpeg(renderFace(n.charCodeAt(0), i, 32)));
    }
    writeFileSync(join(dir, 'pairs.txt'), '1\na\t1\t2\na\t1\tb\t2\n');
    const log = console.log, err = process.stderr.write; console.log = () => {}; process.stderr.write = () => true;
    try { await packBin([root, join(dir, 'pairs.txt'), join(dir, 'out.bin')]); } finally { console.log = log; process.stderr.write = err; }
    const py = execFileSync('python3', ['-c', `import pickle,sys\nb,s=pickle.load(open(sys.argv[1],'rb'))\nprint(len(b),s,type(b[0]).__name__,b[0][:2].hex())`, join(dir, 'out.bin')]).toString().trim();
    expect(py).toBe('4 [True, False] bytes ffd8');
    const set = openVerification(join(dir, 'out.bin'));
    expect(set.count).toBe(2);
    expect(set.loadImage(1, 1, 32).width).toBe(32);
    // and a Python-written protocol 4 / 2 file reads here
    for (const proto of [2, 4]) {
      execFileSync('python3', ['-c', `import pickle,sys\npickle.dump(([b'\\xff\\xd8x', b'ab'], [False]), open(sys.argv[1],'wb'), protocol=${proto})`, join(dir, `p${proto}.bin`)]);
      const v = verificationFromBin(new Uint8Array(readFileSync(join(dir, `p${proto}.bin`))));
      expect(v.same).toEqual([false]);
      expect(Array.from(v.pairs[0].b as Uint8Array)).toEqual([97, 98]);
    }
    rmSync(dir, { recursive: true });
  });
});
