// Batching of dispatches: every kernel dispatch goes into one shared command encoder and compute pass
// (with a debug group named by the call's label); the command buffer is submitted at sync points
// (read / sync / flush / write), when the scalar ring is full, or every MAX_BATCH dispatches.
// Debug mode submits every dispatch on its own inside an error scope, so a validation error names the
// kernel call. Profiling mode gives each dispatch its own pass with timestamp writes.
import type { DeviceContext } from './device';
import type { PhysBuffer } from './buffer-pool';
import type { BindGroupCache } from './bind-groups';
import type { Pipe } from './pipelines';
import type { Profiler } from './profiler';
import type { ScalarRing, UniformCache } from './uniforms';
import { MAX_BATCH } from './constants';

export class Dispatcher {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private count = 0;
  private submits = 0;
  /** The kernel call being encoded: label and profiler run index. */
  label = '';
  run = -1;
  readonly errors: Error[] = [];

  constructor(
    private dc: DeviceContext,
    private uniforms: UniformCache,
    private ring: ScalarRing,
    private bindGroups: BindGroupCache,
    private profiler: Profiler,
    private debug: boolean,
  ) {}

  get pending(): boolean { return this.encoder !== null; }

  private ensureEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.dc.device.createCommandEncoder({ label: `batch ${this.submits}` });
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) { this.pass.end(); this.pass = null; }
  }

  /** The shared encoder with no open pass, for copies and query resolves. */
  copyEncoder(): GPUCommandEncoder {
    this.endPass();
    return this.ensureEncoder();
  }

  dispatch(
    pipe: Pipe, params: Uint32Array, buffers: readonly PhysBuffer[], groups: readonly [number, number, number],
    scalars: Uint32Array | null = null, sub = '',
  ): void {
    if (scalars && this.ring.full) this.submit();
    const u = this.uniforms.get(params);
    const bg = this.bindGroups.get(pipe, u, scalars ? this.ring : null, buffers);
    const label = sub ? `${this.label} [${sub}]` : this.label;
    const device = this.dc.device;
    if (this.debug) device.pushErrorScope('validation');
    const enc = this.ensureEncoder();
    const timed = this.profiler.active && this.profiler.timestamps;
    let pass: GPUComputePassEncoder;
    if (timed) {
      this.endPass();
      pass = enc.beginComputePass({ label, timestampWrites: this.profiler.writes(this.run, enc) });
    } else {
      if (!this.pass) this.pass = enc.beginComputePass({ label: `batch ${this.submits}` });
      pass = this.pass;
      pass.pushDebugGroup(label);
    }
    pass.setPipeline(pipe.pipeline);
    if (scalars) pass.setBindGroup(0, bg, [this.ring.push(scalars)]);
    else pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    if (timed) pass.end(); else pass.popDebugGroup();
    this.count++;
    if (this.debug) {
      this.submit();
      device.popErrorScope().then((err) => {
        if (err) this.errors.push(new Error(`webgpu: ${label} (${pipe.name}): ${err.message}`));
      });
    } else if (this.profiler.active && !this.profiler.timestamps) {
      this.submit();
      this.profiler.cpuMark(this.run, device.queue);
    } else if (this.count >= MAX_BATCH) {
      this.submit();
    }
  }

  submit(): void {
    if (!this.encoder) return;
    this.endPass();
    const cb = this.encoder.finish();
    this.encoder = null;
    this.count = 0;
    this.submits++;
    this.ring.upload(this.dc.device.queue);
    this.dc.device.queue.submit([cb]);
    this.uniforms.afterSubmit();
  }
}
