// `npm run bench -- mobilefacenet`: full training steps of MobileFaceNet with an FFC head (and with an
// FC head for comparison) at 112×112 batch 32 and 64×64 batch 64: images per second through P.
import * as E from '../engine/node';
import { setEngine, type Engine } from '../engine/engine';
import { FCHead } from '../model/fc';
import { FFC } from '../model/ffc';
import { marginPreset } from '../model/margin';
import { MobileFaceNet } from '../model/mobilefacenet';
import { Reporter, timeIt } from './harness';

const IDENTITIES = 1000;

export async function benchMobileFaceNet(impls: { name: string; engine?: Engine }[], report: Reporter, quick: boolean): Promise<void> {
  const cases = quick ? [{ size: 64, batch: 8 }] : [{ size: 112, batch: 32 }, { size: 64, batch: 64 }];
  for (const impl of impls.filter((i) => i.engine)) {
    const engine = impl.engine!;
    setEngine(engine);
    const slow = engine.backend.name === 'webgpu' && /software|llvmpipe|swiftshader/i.test(engine.backend.description);
    const timing = slow || quick ? { warmup: 1, minMs: 0, maxIters: 1 } : { warmup: 1, minMs: 5000, maxIters: 5 };
    for (const { size, batch } of cases) {
      for (const headKind of ['ffc', 'fc'] as const) {
        const rng = new E.Rng(3);
        const net = new MobileFaceNet({ inputSize: size, seed: 1 });
        const margin = marginPreset('arc', { s: 32 });
        const opt = new E.SGD(net.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: true });
        const x = E.keep(E.randn([batch, size, size, 3], rng)), y = E.keep(E.randn([batch, size, size, 3], rng));
        const labels = () => Int32Array.from({ length: batch }, () => rng.int(IDENTITIES));
        let step: () => E.Tensor, dispose: () => void, images: number;
        if (headKind === 'ffc') {
          const ffc = new FFC(net, { identities: IDENTITIES, ratio: 0.1, margin });
          step = () => { const l = labels(); return ffc.backwardStep(x, l, y, l); };
          dispose = () => ffc.dispose();
          images = 2 * batch; // both views train P
        } else {
          const fc = new FCHead(IDENTITIES, net.embeddingSize, margin);
          opt.params.push(...fc.parameters());
          step = () => { const loss = E.tidy(() => fc.loss(net.forward(x), labels())); E.backward(loss); return loss; };
          dispose = () => fc.dispose();
          images = batch;
        }
        const ms = await timeIt(async () => {
          const loss = step();
          await loss.item();
          loss.dispose();
          opt.step(); opt.zeroGrad();
        }, timing);
        report.add({
          bench: 'mfn', case: `${headKind} ${size}x${size} b${batch}`, impl: impl.name, ms,
          imgPerSec: (1000 * images) / ms, note: `${((1000 * images) / ms).toFixed(2)} img/s`,
        });
        dispose(); net.dispose(); x.dispose(); y.dispose();
        for (const v of opt.velocity.values()) v.dispose();
      }
    }
  }
}
