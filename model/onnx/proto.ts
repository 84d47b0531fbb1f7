// A minimal Protocol Buffers wire-format reader and writer: exactly what ONNX files use (varints,
// 64-bit and 32-bit fixed fields, length-delimited fields), with no schema compiler and no dependency.
// Browser-safe. Unknown fields are skipped, so files from newer ONNX versions still parse.

export const enum Wire { Varint = 0, I64 = 1, Len = 2, I32 = 5 }

/** Thrown on malformed bytes; `where` says which message was being read. */
export class ProtoError extends Error {
  constructor(message: string) { super(message); this.name = 'ProtoError'; }
}

/** Reads fields one at a time from a byte range. */
export class ProtoReader {
  pos: number;
  readonly end: number;
  private readonly view: DataView;

  constructor(readonly buf: Uint8Array, start = 0, end = buf.length, readonly where = 'message') {
    this.pos = start;
    this.end = end;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean { return this.pos >= this.end; }

  private fail(what: string): never {
    throw new ProtoError(`${what} at byte ${this.pos} while reading ${this.where}`);
  }

  /** A varint as a JS number (exact up to 2^53; int64 values come back signed). */
  varint(): number {
    let result = 0, mul = 1;
    const start = this.pos;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) { this.pos = start; this.fail('truncated varint'); }
      const b = this.buf[this.pos++];
      if (i < 7) result += (b & 0x7f) * mul;
      else if (i >= 7) {
        // bytes 8..10 only matter for huge or negative values: redo exactly with BigInt
        return this.varintBig(start);
      }
      if (!(b & 0x80)) return result;
      mul *= 128;
    }
    this.fail('varint longer than 10 bytes');
  }

  private varintBig(start: number): number {
    this.pos = start;
    let v = 0n, shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return Number(BigInt.asIntN(64, v));
      shift += 7n;
    }
    this.fail('varint longer than 10 bytes');
  }

  /** A field key: [field number, wire type]; null at the end. */
  key(): [number, number] | null {
    if (this.pos >= this.end) return null;
    const k = this.varint();
    const field = Math.floor(k / 8), wire = k & 7;
    if (field === 0) this.fail('field number 0 (not protobuf data)');
    return [field, wire];
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) this.fail('truncated fixed32');
    const v = this.view.getUint32(this.pos, true); this.pos += 4; return v;
  }
  float(): number {
    if (this.pos + 4 > this.end) this.fail('truncated float');
    const v = this.view.getFloat32(this.pos, true); this.pos += 4; return v;
  }
  double(): number {
    if (this.pos + 8 > this.end) this.fail('truncated double');
    const v = this.view.getFloat64(this.pos, true); this.pos += 8; return v;
  }
  fixed64(): number {
    if (this.pos + 8 > this.end) this.fail('truncated fixed64');
    const v = this.view.getBigInt64(this.pos, true); this.pos += 8; return Number(v);
  }

  /** The [start, end) of a length-delimited field's payload (advances past it). */
  lenRange(): [number, number] {
    const n = this.varint();
    if (n < 0 || this.pos + n > this.end) this.fail(`length ${n} runs past the end (${this.end - this.pos} bytes left; the file is truncated or not this format)`);
    const s = this.pos; this.pos += n; return [s, this.pos];
  }
  bytes(): Uint8Array { const [s, e] = this.lenRange(); return this.buf.subarray(s, e); }
  string(): string { return new TextDecoder().decode(this.bytes()); }
  sub(where: string): ProtoReader { const [s, e] = this.lenRange(); return new ProtoReader(this.buf, s, e, where); }

  skip(wire: number): void {
    switch (wire) {
      case Wire.Varint: this.varint(); break;
      case Wire.I64: if (this.pos + 8 > this.end) this.fail('truncated fixed64'); this.pos += 8; break;
      case Wire.Len: this.lenRange(); break;
      case Wire.I32: if (this.pos + 4 > this.end) this.fail('truncated fixed32'); this.pos += 4; break;
      default: this.fail(`unsupported wire type ${wire}`);
    }
  }

  /** Repeated varints, packed (wire type 2) or one per key. */
  varints(wire: number, into: number[]): void {
    if (wire === Wire.Len) { const r = this.sub(this.where); while (!r.done) into.push(r.varint()); this.pos = r.end; }
    else if (wire === Wire.Varint) into.push(this.varint());
    else this.fail(`wire type ${wire} for a repeated integer field`);
  }

  /** Repeated floats, packed or not. */
  floats(wire: number, into: number[]): void {
    if (wire === Wire.Len) { const r = this.sub(this.where); while (!r.done) into.push(r.float()); }
    else if (wire === Wire.I32) into.push(this.float());
    else this.fail(`wire type ${wire} for a repeated float field`);
  }

  doubles(wire: number, into: number[]): void {
    if (wire === Wire.Len) { const r = this.sub(this.where); while (!r.done) into.push(r.double()); }
    else if (wire === Wire.I64) into.push(this.double());
    else this.fail(`wire type ${wire} for a repeated double field`);
  }
}

/** Builds a message; nested messages are written by a callback into a child writer. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private cur = new Uint8Array(256);
  private n = 0;
  length = 0;

  private ensure(k: number): void {
    if (this.n + k <= this.cur.length) return;
    this.chunks.push(this.cur.subarray(0, this.n));
    this.cur = new Uint8Array(Math.max(k, 64 * 1024));
    this.n = 0;
  }

  private rawVarint(v: number | bigint): void {
    this.ensure(10);
    let big = typeof v === 'bigint' ? BigInt.asUintN(64, v) : null;
    if (big === null) {
      const num = v as number;
      if (num >= 0 && num < 2 ** 53) {
        let x = num;
        while (x >= 128) { this.cur[this.n++] = (x % 128) | 0x80; x = Math.floor(x / 128); this.length++; }
        this.cur[this.n++] = x; this.length++;
        return;
      }
      big = BigInt.asUintN(64, BigInt(Math.trunc(num)));
    }
    while (big >= 128n) { this.cur[this.n++] = Number(big & 0x7fn) | 0x80; big >>= 7n; this.length++; }
    this.cur[this.n++] = Number(big); this.length++;
  }

  private keyOf(field: number, wire: Wire): void { this.rawVarint(field * 8 + wire); }

  varint(field: number, v: number): this { this.keyOf(field, Wire.Varint); this.rawVarint(v); return this; }
  float(field: number, v: number): this {
    this.keyOf(field, Wire.I32); this.ensure(4);
    new DataView(this.cur.buffer, this.cur.byteOffset).setFloat32(this.n, v, true);
    this.n += 4; this.length += 4; return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.keyOf(field, Wire.Len); this.rawVarint(b.length);
    if (b.length > 4096) {
      this.chunks.push(this.cur.subarray(0, this.n));
      this.chunks.push(b.slice());
      this.cur = new Uint8Array(256); this.n = 0;
    } else {
      this.ensure(b.length); this.cur.set(b, this.n); this.n += b.length;
    }
    this.length += b.length;
    return this;
  }
  string(field: number, s: string): this { return this.bytes(field, new TextEncoder().encode(s)); }
  message(field: number, build: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    build(w);
    return this.bytes(field, w.finish());
  }
  /** Packed repeated varints. */
  packedVarints(field: number, vs: readonly number[]): this {
    const w = new ProtoWriter();
    for (const v of vs) w.rawVarint(v);
    return this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of [...this.chunks, this.cur.subarray(0, this.n)]) { out.set(c, at); at += c.length; }
    return out;
  }
}
