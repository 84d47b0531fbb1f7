import { describe, expect, it } from 'vitest';
import { MobileFaceNet } from '../model/mobilefacenet';
import { refEngine } from './helpers';

describe('MobileFaceNet', () => {
  refEngine();
  it('has ~1.0 M parameters and 221 M multiply-adds at 112×112', () => {
    const net = new MobileFaceNet();
    const { params, macs } = net.complexity();
    console.log(`MobileFaceNet 112: ${params} params, ${(macs / 1e6).toFixed(1)} M MAdds`);
    expect(params).toBeGreaterThan(0.95e6);
    expect(params).toBeLessThan(1.05e6);
    expect(Math.abs(macs - 221e6) / 221e6).toBeLessThan(0.01);
    net.dispose();
  });
});
