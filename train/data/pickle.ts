// A restricted Python pickle reader for insightface .bin verification files, and a protocol-4 writer.
// The reader knows only the opcodes such files use (lists, tuples, bytes, strings, booleans, small
// ints, the memo) and the one callable protocol 2 needs for bytes, `_codecs.encode(str, 'latin1')`.
// Anything else — any other GLOBAL, INST, OBJ, BUILD, … — is refused with its name: loading a .bin
// never runs code. Browser-safe.

export type PickleValue = Uint8Array | string | number | boolean | PickleValue[] | PickleTuple | CodecsEncode;
/** A Python tuple (an array marked as such). */
export class PickleTuple extends Array<PickleValue> {}
/** The `_codecs.encode` global, the only callable the reader admits. */
export class CodecsEncode { readonly name = '_codecs.encode'; }

export class PickleError extends Error {
  constructor(where: string, pos: number, msg: string) { super(`${where}: pickle byte ${pos}: ${msg}`); this.name = 'PickleError'; }
}

const NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4a: 'BININT', 0x4b: 'BININT1',
  0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID', 0x52: 'REDUCE', 0x53: 'STRING', 0x54: 'BINSTRING',
  0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND', 0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT',
  0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET', 0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST',
  0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT', 0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS',
  0x47: 'BINFLOAT', 0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3',
  0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x43: 'SHORT_BINBYTES', 0x42: 'BINBYTES', 0x8c: 'SHORT_BINUNICODE',
  0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL',
  0x94: 'MEMOIZE', 0x95: 'FRAME', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER_VIEW',
};

const MARK = Symbol('mark');
type Slot = PickleValue | typeof MARK;

/** Reads a pickle made only of the admitted opcodes. `where` names the file in errors. */
export function readPickle(data: Uint8Array, where = 'pickle'): PickleValue {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: Slot[] = [];
  const memo = new Map<number, PickleValue>();
  let p = 0;
  const need = (n: number, what: string) => { if (p + n > data.length) throw new PickleError(where, p, `truncated: ${what} needs ${n} bytes, ${data.length - p} remain`); };
  const u8 = () => { need(1, 'an argument'); return data[p++]; };
  const u32 = () => { need(4, 'a length'); const v = dv.getUint32(p, true); p += 4; return v; };
  const u64 = () => { need(8, 'a length'); const v = dv.getBigUint64(p, true); p += 8; if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError(where, p - 8, 'length too large'); return Number(v); };
  const bytes = (n: number, what: string) => { need(n, what); const b = data.slice(p, p + n); p += n; return b; };
  const line = () => { const e = data.indexOf(0x0a, p); if (e < 0) throw new PickleError(where, p, 'truncated: unterminated GLOBAL name'); const s = new TextDecoder().decode(data.subarray(p, e)); p = e + 1; return s; };
  const pop = (op: string): PickleValue => {
    const v = stack.pop();
    if (v === undefined) throw new PickleError(where, p, `${op}: stack underflow`);
    if (v === MARK) throw new PickleError(where, p, `${op}: unexpected MARK`);
    return v;
  };
  const popMark = (op: string): PickleValue[] => {
    let i = stack.length - 1;
    while (i >= 0 && stack[i] !== MARK) i--;
    if (i < 0) throw new PickleError(where, p, `${op} without a MARK`);
    const items = stack.splice(i + 1) as PickleValue[];
    stack.pop();
    return items;
  };
  const tuple = (items: PickleValue[]) => { const t = new PickleTuple(); t.push(...items); return t; };
  const global = (mod: string, name: string, at: number): CodecsEncode => {
    if (mod === '_codecs' && name === 'encode') return new CodecsEncode();
    throw new PickleError(where, at, `refusing GLOBAL '${mod} ${name}': only _codecs.encode is allowed in a verification .bin (a pickle that imports anything else could run code)`);
  };
  const top = (op: string): PickleValue => { const v = stack[stack.length - 1]; if (v === undefined || v === MARK) throw new PickleError(where, p, `${op}: nothing to act on`); return v; };

  for (;;) {
    if (p >= data.length) throw new PickleError(where, p, 'truncated: the pickle ends before STOP');
    const at = p, op = data[p++];
    switch (op) {
      case 0x80: { const v = u8(); if (v > 5) throw new PickleError(where, at, `unsupported pickle protocol ${v}`); break; } // PROTO
      case 0x95: u64(); break; // FRAME: a size hint only
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(tuple([])); break; // EMPTY_TUPLE
      case 0x28: stack.push(MARK); break;
      case 0x61: { const v = pop('APPEND'); const l = top('APPEND'); if (!Array.isArray(l) || l instanceof PickleTuple) throw new PickleError(where, at, 'APPEND to something that is not a list'); l.push(v); break; }
      case 0x65: { const items = popMark('APPENDS'); const l = top('APPENDS'); if (!Array.isArray(l) || l instanceof PickleTuple) throw new PickleError(where, at, 'APPENDS to something that is not a list'); for (const v of items) l.push(v); break; }
      case 0x43: stack.push(bytes(u8(), 'SHORT_BINBYTES')); break;
      case 0x42: stack.push(bytes(u32(), 'BINBYTES')); break;
      case 0x8e: stack.push(bytes(u64(), 'BINBYTES8')); break;
      case 0x55: stack.push(bytes(u8(), 'SHORT_BINSTRING')); break; // Python 2 str: bytes
      case 0x54: { const n = dv.getInt32((need(4, 'a length'), p), true); p += 4; if (n < 0) throw new PickleError(where, at, 'BINSTRING with a negative length'); stack.push(bytes(n, 'BINSTRING')); break; }
      case 0x58: case 0x8c: {
        const n = op === 0x58 ? u32() : u8();
        const b = bytes(n, NAMES[op]);
        try { stack.push(utf8.decode(b)); } catch { throw new PickleError(where, at, `${NAMES[op]} is not valid UTF-8`); }
        break;
      }
      case 0x63: { const mod = line(), name = line(); stack.push(global(mod, name, at)); break; } // GLOBAL
      case 0x93: { const name = pop('STACK_GLOBAL'), mod = pop('STACK_GLOBAL'); if (typeof name !== 'string' || typeof mod !== 'string') throw new PickleError(where, at, 'STACK_GLOBAL needs two strings'); stack.push(global(mod, name, at)); break; }
      case 0x52: { // REDUCE: only _codecs.encode(str, 'latin1')
        const args = pop('REDUCE'), fn = pop('REDUCE');
        if (!(fn instanceof CodecsEncode)) throw new PickleError(where, at, 'REDUCE of something other than _codecs.encode');
        if (!(args instanceof PickleTuple) || typeof args[0] !== 'string' || (args.length === 2 && typeof args[1] !== 'string') || args.length > 2) throw new PickleError(where, at, '_codecs.encode needs (str, encoding)');
        const enc = String(args[1] ?? 'utf-8').toLowerCase().replace('_', '-');
        const s = args[0] as string;
        if (enc === 'latin1' || enc === 'latin-1' || enc === 'iso-8859-1') {
          const out = new Uint8Array(s.length);
          for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); if (c > 255) throw new PickleError(where, at, `_codecs.encode: character ${c} is not latin1`); out[i] = c; }
          stack.push(out);
        } else if (enc === 'utf-8' || enc === 'utf8') stack.push(new TextEncoder().encode(s));
        else throw new PickleError(where, at, `_codecs.encode with unsupported encoding '${enc}'`);
        break;
      }
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4a: need(4, 'BININT'); stack.push(dv.getInt32(p, true)); p += 4; break;
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: need(2, 'BININT2'); stack.push(dv.getUint16(p, true)); p += 2; break;
      case 0x74: stack.push(tuple(popMark('TUPLE'))); break;
      case 0x85: stack.push(tuple([pop('TUPLE1')])); break;
      case 0x86: { const b = pop('TUPLE2'), a = pop('TUPLE2'); stack.push(tuple([a, b])); break; }
      case 0x87: { const c = pop('TUPLE3'), b = pop('TUPLE3'), a = pop('TUPLE3'); stack.push(tuple([a, b, c])); break; }
      case 0x71: memo.set(u8(), top('BINPUT')); break;
      case 0x72: memo.set(u32(), top('LONG_BINPUT')); break;
      case 0x94: memo.set(memo.size, top('MEMOIZE')); break;
      case 0x68: case 0x6a: {
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) throw new PickleError(where, at, `${NAMES[op]} of memo ${k}, which was never stored`);
        stack.push(memo.get(k)!);
        break;
      }
      case 0x2e: { // STOP
        const v = pop('STOP');
        return v;
      }
      default:
        throw new PickleError(where, at, `refusing opcode ${NAMES[op] ?? 'unknown'} (0x${op.toString(16).padStart(2, '0')}): not allowed in a verification .bin`);
    }
  }
}

/** Writes (list of bytes, list of bools) as Python 3 does with protocol 4 (without frames). */
export function writeBinPickle(images: Uint8Array[], same: boolean[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const put = (b: Uint8Array) => { chunks.push(b); size += b.length; };
  const op = (...xs: number[]) => put(Uint8Array.from(xs));
  const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
  const u64 = (n: number) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(n), true); return b; };
  op(0x80, 4); // PROTO 4
  op(0x5d, 0x94, 0x28); // EMPTY_LIST MEMOIZE MARK
  images.forEach((img, i) => {
    if (img.length < 256) op(0x43, img.length);
    else if (img.length < 2 ** 32) { op(0x42); put(u32(img.length)); } else { op(0x8e); put(u64(img.length)); }
    put(img); op(0x94);
    if ((i + 1) % 1000 === 0 && i + 1 < images.length) op(0x65, 0x28); // APPENDS, MARK: batches as Python writes them
  });
  op(0x65); // APPENDS
  op(0x5d, 0x94, 0x28);
  same.forEach((s, i) => { op(s ? 0x88 : 0x89); if ((i + 1) % 1000 === 0 && i + 1 < same.length) op(0x65, 0x28); });
  op(0x65);
  op(0x86, 0x94, 0x2e); // TUPLE2 MEMOIZE STOP
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

/** Parses an insightface verification .bin: (list of 2·n encoded images a0, b0, a1, b1, …; list of n bools). */
export function parseVerificationBin(data: Uint8Array, where = '.bin'): { images: Uint8Array[]; same: boolean[] } {
  const v = readPickle(data, where);
  if (!Array.isArray(v) || v.length !== 2 || !Array.isArray(v[0]) || !Array.isArray(v[1])) throw new Error(`${where}: expected a pickled (images, issame) pair of lists`);
  const [imgs, same] = v as [PickleValue[], PickleValue[]];
  imgs.forEach((b, i) => { if (!(b instanceof Uint8Array)) throw new Error(`${where}: image ${i} is not a byte string`); });
  const bools = same.map((s, i) => {
    if (typeof s === 'boolean') return s;
    if (s === 0 || s === 1) return s === 1;
    throw new Error(`${where}: issame[${i}] is not a boolean`);
  });
  if (imgs.length !== 2 * bools.length) throw new Error(`${where}: ${imgs.length} images for ${bools.length} pairs (expected twice as many)`);
  return { images: imgs as Uint8Array[], same: bools };
}
