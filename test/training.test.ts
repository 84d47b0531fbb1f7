// A small conv net trained with SGD on every backend: the loss falls, and after warm-up a step creates
// no new buffers, pipelines or bind groups and leaks no tensors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as E from '../engine/index';
import { setEngine, type Engine } from '../engine/engine';
import { BACKENDS, startEngine, unavailable } from './backends';

class TinyNet extends E.Module {
  readonly stem: E.Tensor; readonly dw: E.Tensor; readonly fc: E.Tensor; readonly alpha: E.Tensor;
  readonly bn: E.BatchNormState;
  constructor(rng: E.Rng) {
    super();
    this.stem = this.param('stem', E.randn([8, 3, 3, 3], rng, 0.3));
    this.dw = this.param('dw', E.randn([8, 3, 3, 1], rng, 0.3));
    this.fc = this.param('fc', E.randn([4, 8], rng, 0.3));
    this.alpha = this.param('alpha', E.full([8], 0.25));
    this.bn = {
      gamma: this.param('bn.weight', E.ones([8])), beta: this.param('bn.bias', E.zeros([8])),
      runningMean: this.buffer('bn.running_mean', E.zeros([8])), runningVar: this.buffer('bn.running_var', E.ones([8])),
    };
  }
  loss(x: E.Tensor, labels: E.Tensor): E.Tensor {
    let h = E.conv2d(x, this.stem, { stride: 2, pad: 1 });
    h = E.prelu(E.batchNorm(h, this.bn, this.training), this.alpha);
    h = E.globalAvgPool(E.conv2d(h, this.dw, { pad: 1, groups: 8 }));
    const logits = E.scale(E.matmul(E.l2Normalize(h), this.fc, { transB: true }), 5);
    return E.crossEntropy(logits, labels);
  }
}

for (const name of BACKENDS) {
  describe.skipIf(unavailable(name))(`training on ${name}`, () => {
    let started: Engine | null = null;
    beforeAll(async () => { started = await startEngine(name); });

    it('learns, and reaches a steady state after warm-up', async () => {
      const engine = started!;
      setEngine(engine);
      const rng = new E.Rng(42);
      const net = new TinyNet(rng);
      const opt = new E.SGD(net.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: true });
      const x = E.randn([8, 8, 8, 3], rng);
      const y = E.tensor([0, 1, 2, 3, 0, 1, 2, 3], [8], 'i32');
      const losses: number[] = [];
      let warm: E.BackendStats | null = null, warmLive = 0;
      for (let step = 0; step < 12; step++) {
        const loss = E.tidy(() => net.loss(x, y));
        E.backward(loss);
        losses.push(await loss.item());
        loss.dispose();
        opt.step();
        opt.zeroGrad();
        if (step === 3) { await engine.backend.sync(); warm = engine.backend.stats(); warmLive = engine.liveTensors; }
      }
      await engine.backend.sync();
      const after = engine.backend.stats();
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses[11]).toBeLessThan(losses[0] * 0.7);
      expect(after.buffersCreated).toBe(warm!.buffersCreated);
      expect(after.pipelinesCreated).toBe(warm!.pipelinesCreated);
      expect(after.bindGroupsCreated).toBe(warm!.bindGroupsCreated);
      expect(after.bytesInUse).toBe(warm!.bytesInUse);
      expect(engine.liveTensors).toBe(warmLive);
      expect(after.dispatches).toBeGreaterThan(warm!.dispatches);
      net.dispose(); x.dispose(); y.dispose();
      for (const v of opt.velocity.values()) v.dispose();
    });

    it('profiles each kernel and writes a Chrome trace', async () => {
      setEngine(started!);
      const rng = new E.Rng(1);
      const a = E.randn([64, 48], rng), b = E.randn([48, 32], rng);
      const { records, kernels } = await E.profile(() => E.tidy(() => { E.relu(E.matmul(a, b)); }));
      expect(records.length).toBe(2);
      expect(records.map((r) => r.kernel)).toEqual(['matmul', 'unary']);
      expect(records[0].label).toContain('matmul [64,48] x [48,32]');
      expect(records[0].flops).toBe(2 * 64 * 48 * 32);
      expect(records.every((r) => r.ms >= 0 && r.startMs >= 0)).toBe(true);
      expect(kernels.length).toBe(2);
      expect(E.formatProfileTable(kernels)).toContain('| kernel | calls | total ms | share | GFLOP/s | GB/s |');
      const trace = JSON.parse(E.toChromeTrace(records));
      expect(trace.traceEvents.filter((ev: { ph: string }) => ev.ph === 'X').length).toBe(2);
      a.dispose(); b.dispose();
    });
  });
}
