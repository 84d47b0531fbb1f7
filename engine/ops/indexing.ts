// Index ops: gather and scatter rows by an i32 index tensor, take values along the last axis, top-k.
import { engine } from '../engine';
import { Tensor } from '../tensor';
import { apply, noGrad, type Op } from '../autograd';
import { empty, zeros } from '../create';
import { fmt, ShapeError } from '../shape';
import { stridedCopy } from './layout';

function requireIndex(op: string, idx: Tensor, shape: number[]): void {
  if (idx.dtype !== 'i32') throw new ShapeError(op, `indices must be i32, got ${idx.dtype} ${fmt(idx.shape)}`);
  if (idx.rank !== shape.length || idx.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(op, `indices ${fmt(idx.shape)} should be ${fmt(shape)}`);
  }
}

function require2d(op: string, t: Tensor, what: string): void {
  if (t.rank !== 2) throw new ShapeError(op, `${what} must be 2-D [rows, cols], got ${fmt(t.shape)}`);
}

// ---- gather / scatter rows ------------------------------------------------------------------------

const GATHER_ROWS: Op<undefined> = {
  name: 'gatherRows',
  forward([table, idx]) {
    const out = empty([idx.size, table.shape[1]], table.dtype);
    if (out.size === 0) return out;
    engine().run('gatherRows', {
      table: table.buffer, idx: idx.buffer, out: out.buffer, rows: idx.size, cols: table.shape[1], tableRows: table.shape[0],
    }, `gatherRows ${fmt(table.shape)} by ${fmt(idx.shape)}`);
    return out;
  },
  backward: (g, { inputs: [table, idx] }) => [scatterAddRows(zeros(table.shape), idx, g), null],
};

/** out[i] = table[idx[i]] (rows); an index outside the table gives a zero row. */
export function gatherRows(table: Tensor, idx: Tensor): Tensor {
  require2d('gatherRows', table, 'table');
  requireIndex('gatherRows', idx, [idx.size]);
  return apply(GATHER_ROWS, [table, idx], undefined);
}

const SCATTER_ADD_ROWS: Op<undefined> = {
  name: 'scatterAddRows',
  forward([base, idx, src]) {
    const out = empty(base.shape);
    stridedCopy('scatterAddRows copy', base, out, [base.size], [1], 0, [1], 0);
    if (src.size > 0) {
      engine().run('scatterAddRows', {
        src: src.buffer, idx: idx.buffer, out: out.buffer, rows: src.shape[0], cols: src.shape[1], outRows: base.shape[0],
      }, `scatterAddRows ${fmt(src.shape)} into ${fmt(base.shape)}`);
    }
    return out;
  },
  backward: (g, { inputs: [, idx] }) => [g, null, gatherRows(g, idx)],
};

/** A copy of base with src's rows added at rows idx (duplicates add up; out-of-range rows skipped). */
export function scatterAddRows(base: Tensor, idx: Tensor, src: Tensor): Tensor {
  require2d('scatterAddRows', base, 'base');
  require2d('scatterAddRows', src, 'src');
  requireIndex('scatterAddRows', idx, [src.shape[0]]);
  if (src.shape[1] !== base.shape[1]) {
    throw new ShapeError('scatterAddRows', `src rows ${fmt(src.shape)} do not match base rows ${fmt(base.shape)}`);
  }
  return apply(SCATTER_ADD_ROWS, [base, idx, src], undefined);
}

/**
 * Writes src's rows into `target` at rows idx, in place (no gradient; e.g. a feature pool). Duplicate
 * indices: the last row wins; negative indices are skipped.
 */
export function scatterRowsInPlace(target: Tensor, idx: Tensor, src: Tensor): void {
  require2d('scatterRows', target, 'target');
  require2d('scatterRows', src, 'src');
  requireIndex('scatterRows', idx, [src.shape[0]]);
  if (src.shape[1] !== target.shape[1]) {
    throw new ShapeError('scatterRows', `src ${fmt(src.shape)} and target ${fmt(target.shape)} differ in width`);
  }
  if (src.size === 0) return;
  engine().run('scatterRows', {
    src: src.buffer, idx: idx.buffer, out: target.buffer, rows: src.shape[0], cols: src.shape[1], outRows: target.shape[0],
  }, `scatterRows ${fmt(src.shape)} into ${fmt(target.shape)}`);
}

// ---- along the last axis --------------------------------------------------------------------------

const TAKE_ALONG_LAST: Op<undefined> = {
  name: 'takeAlongLast',
  forward([x, idx]) {
    const [rows, cols] = x.shape, k = idx.shape[1];
    const out = empty([rows, k]);
    if (out.size === 0) return out;
    engine().run('takeAlongLast', { x: x.buffer, idx: idx.buffer, out: out.buffer, rows, cols, k },
      `takeAlongLast ${fmt(x.shape)} by ${fmt(idx.shape)}`);
    return out;
  },
  backward(g, { inputs: [x, idx] }) {
    const gx = zeros(x.shape);
    const [rows, cols] = x.shape;
    engine().run('putAlongLastAdd', { src: g.buffer, idx: idx.buffer, out: gx.buffer, rows, cols, k: idx.shape[1] },
      `putAlongLastAdd ${fmt(g.shape)} into ${fmt(x.shape)}`);
    return [gx, null];
  },
};

/** out[r, t] = x[r, idx[r, t]] for x [rows, cols] and i32 idx [rows, k]; out-of-range gives 0. */
export function takeAlongLast(x: Tensor, idx: Tensor): Tensor {
  require2d('takeAlongLast', x, 'x');
  require2d('takeAlongLast', idx, 'idx');
  requireIndex('takeAlongLast', idx, [x.shape[0], idx.shape[1]]);
  return apply(TAKE_ALONG_LAST, [x, idx], undefined);
}

const ADD_ALONG_LAST: Op<undefined> = {
  name: 'addAlongLast',
  forward([x, idx, src]) {
    const [rows, cols] = x.shape;
    const out = empty(x.shape);
    stridedCopy('addAlongLast copy', x, out, [x.size], [1], 0, [1], 0);
    if (src.size > 0) {
      engine().run('putAlongLastAdd', { src: src.buffer, idx: idx.buffer, out: out.buffer, rows, cols, k: idx.shape[1] },
        `putAlongLastAdd ${fmt(src.shape)} into ${fmt(x.shape)}`);
    }
    return out;
  },
  backward: (g, { inputs: [, idx] }) => [g, null, takeAlongLast(g, idx)],
};

/** A copy of x [rows, cols] with src[r, t] added at column idx[r, t] (e.g. a margin on the target logit). */
export function addAlongLast(x: Tensor, idx: Tensor, src: Tensor): Tensor {
  require2d('addAlongLast', x, 'x');
  require2d('addAlongLast', src, 'src');
  requireIndex('addAlongLast', idx, [x.shape[0], src.shape[1]]);
  if (src.shape[0] !== x.shape[0]) throw new ShapeError('addAlongLast', `src ${fmt(src.shape)} and x ${fmt(x.shape)} differ in rows`);
  return apply(ADD_ALONG_LAST, [x, idx, src], undefined);
}

/**
 * The k largest values of each row of x [rows, cols] (largest first, ties to the lower column) and
 * their column indices (i32). Gradients flow to the selected entries.
 */
export function topk(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
  require2d('topk', x, 'x');
  const [rows, cols] = x.shape;
  if (!Number.isInteger(k) || k < 1 || k > cols || k > 64) {
    throw new ShapeError('topk', `k = ${k} must be an integer in [1, min(cols = ${cols}, 64)]`);
  }
  const indices = empty([rows, k], 'i32');
  const values = noGrad(() => {
    const v = empty([rows, k]);
    if (rows > 0) {
      engine().run('topk', { x: x.buffer, values: v.buffer, indices: indices.buffer, rows, cols, k }, `topk ${fmt(x.shape)} k=${k}`);
    }
    return v;
  });
  if (!x.requiresGrad || !engine().recording) return { values, indices };
  values.dispose();
  return { values: takeAlongLast(x, indices), indices };
}
