// Bad input: clear errors that name the op, the shapes and what was expected.
import { describe, expect, it } from 'vitest';
import * as E from '../engine/index';
import { refEngine } from './helpers';
import { setEngine } from '../engine/engine';

describe('bad input', () => {
  refEngine();
  const a = E.zeros([2, 3]), b = E.zeros([4, 5]);

  it('names the op and shapes on a mismatch', () => {
    expect(() => E.add(a, b)).toThrow('add: shapes [2,3] and [4,5] do not broadcast');
    expect(() => E.matmul(a, b)).toThrow(/matmul: inner dims differ: matmul \[2,3\] x \[4,5\] has k = 3 on the left and 4/);
    expect(() => E.reshape(a, [4, 2])).toThrow('cannot reshape [2,3] (6 elements) to [4,2]');
    expect(() => E.conv2d(E.zeros([1, 4, 4, 3]), E.zeros([8, 3, 3, 2]))).toThrow(/weight's last dim is 2, expected cin\/groups = 3/);
    expect(() => E.conv2d(E.zeros([4, 4, 3]), E.zeros([8, 3, 3, 3]))).toThrow('conv2d: input must be NHWC');
    expect(() => E.gatherRows(a, E.zeros([2]))).toThrow('gatherRows: indices must be i32');
    expect(() => E.topk(a, 5)).toThrow('topk: k = 5 must be an integer in [1, min(cols = 3, 64)]');
    expect(() => E.crossEntropy(a, E.zeros([3], 'i32'))).toThrow('crossEntropy: labels must be i32 [2], got i32 [3]');
    expect(() => E.sum(a, 2)).toThrow('sum: axis 2 out of range for rank 2');
    expect(() => E.tensor([1, 2, 3], [2, 2])).toThrow('tensor: 3 values do not fill shape [2,2] (4 elements)');
    expect(() => E.add(E.zeros([2], 'i32'), E.zeros([2], 'i32'))).toThrow('add: expects f32 inputs, got i32 [2]');
  });

  it('frees what a failed tidy scope made', () => {
    const before = E.engine().liveTensors;
    expect(() => E.tidy(() => { const t = E.exp(E.ones([4])); return E.add(t, E.zeros([5])); })).toThrow('do not broadcast');
    expect(E.engine().liveTensors).toBe(before);
  });

  it('refuses a disposed tensor', () => {
    const t = E.ones([3]);
    t.dispose();
    expect(() => E.exp(t)).toThrow(/tensor #\d+ \[3\] f32 was used after it was disposed/);
  });

  it('backward needs a loss that depends on a parameter', () => {
    expect(() => E.backward(E.sum(a))).toThrow('does not depend on any tensor that requires grad');
  });

  it('says how to get a backend', async () => {
    setEngine(null);
    expect(() => E.zeros([1])).toThrow('no backend is running. Call `await init({ backend: "auto" })` first');
    await expect(E.init({ backend: 'webgpu', gpu: null, log: null })).rejects.toThrow(/WebGPU is not available here.*lavapipe/);
    await expect(E.init({ backend: 'cuda' as never, log: null })).rejects.toThrow("init: backend must be 'webgpu', 'wasm' or 'auto', not 'cuda'");
  });
});
