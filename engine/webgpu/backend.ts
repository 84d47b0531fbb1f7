/**
 * The WebGPU backend: implements the kernel contract of engine/kernels.ts on a GPUDevice.
 *
 * Design
 * - device.ts gets the adapter / device (limits raised to the adapter's, timestamp-query when offered)
 *   and decides `isSoftware`; the kernel variant follows it: 'software' avoids workgroup barriers
 *   (register-tiled, vec4 loads), 'hardware' uses workgroup-memory tiling (kernels/matmul.ts etc.).
 * - buffer-pool.ts pools GPUBuffers by size class; DeviceBuffers are handles onto pooled buffers.
 * - Every kernel call encodes into one shared command encoder + compute pass (encoder.ts), submitted at
 *   read / sync / flush / write or every MAX_BATCH dispatches. `run` never waits or reads back.
 * - Steady state: pipelines (pipelines.ts) are cached by shader + entry + override constants, integer
 *   parameters live in uniform buffers cached by content, float constants in a per-submit scalar ring
 *   bound with dynamic offsets (uniforms.ts), bind groups are cached by layout + buffer ids
 *   (bind-groups.ts). A repeated step with the same shapes creates no buffers, pipelines or bind groups.
 * - write() submits pending work first, because queue.writeBuffer would otherwise overtake it.
 * - Errors: WGSL / pipeline / validation errors are collected asynchronously and thrown by the next
 *   read / sync; debug mode submits each dispatch in its own error scope to name the failing call.
 * - profiler.ts: timestamp queries per dispatch while profiling.
 */
import {
  kernelCost, type Backend, type BackendStats, type DeviceBuffer, type DType, type KernelArgs, type KernelName,
  type ProfileRecord, type TypedArray,
} from '../kernels';
import { BindGroupCache } from './bind-groups';
import { BufferPool, type PhysBuffer } from './buffer-pool';
import { acquireDevice, type AdapterSummary, type DeviceContext } from './device';
import { Dispatcher } from './encoder';
import { Pipelines } from './pipelines';
import { Profiler } from './profiler';
import { Readback } from './readback';
import { ScalarRing, UniformCache } from './uniforms';
import { phys, type KernelContext, type Variant } from './kernels/context';
import { axpby, cast, fill, sgd, unary } from './kernels/elementwise';
import { binary, copy, where } from './kernels/broadcast';
import { reduce } from './kernels/reduce';
import { matmul } from './kernels/matmul';
import { gatherRows, putAlongLastAdd, scatterAddRows, scatterRows, takeAlongLast } from './kernels/rows';
import { logSoftmax, topk } from './kernels/rowwise';
import { conv2d, conv2dBackwardFilter, conv2dBackwardInput } from './kernels/conv';
import { channelAffine, channelSums, prelu, preluBackward } from './kernels/channel';

export { compileWGSL, formatCompilationMessages } from './pipelines';
export type { AdapterSummary } from './device';

export interface WebGPUBackendOptions {
  powerPreference?: GPUPowerPreference;
  /** Submit each dispatch alone inside an error scope (slow; names the failing kernel call). */
  debug?: boolean;
  /** Accepted for symmetry with nodeGPU({ profiling }); profiling itself is startProfile / stopProfile. */
  profiling?: boolean;
  /** Kernel variant; 'auto' (default) picks 'software' on software adapters, else 'hardware'. */
  variant?: 'auto' | Variant;
}

export interface WebGPUBackend extends Backend {
  readonly adapterInfo: AdapterSummary;
  readonly isSoftware: boolean;
  readonly variant: Variant;
  readonly device: GPUDevice;
}

type KernelFn = (ctx: KernelContext, args: any) => void;
const KERNELS: { [K in KernelName]: KernelFn } = {
  fill, unary, binary, where, copy, cast, reduce, matmul, gatherRows, scatterAddRows, scatterRows,
  takeAlongLast, putAlongLastAdd, topk, logSoftmax, conv2d, conv2dBackwardInput, conv2dBackwardFilter, sgd, axpby,
  channelSums, channelAffine, prelu, preluBackward,
};

export async function createWebGPUBackend(gpu: GPU | GPUAdapter, opts: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  const dc: DeviceContext = await acquireDevice(gpu, { powerPreference: opts.powerPreference });
  const device = dc.device;
  const errors: Error[] = [];
  const onError = (e: Error) => { errors.push(e); };
  const onUncaptured = (ev: Event) => {
    const err = (ev as GPUUncapturedErrorEvent).error;
    errors.push(new Error(`webgpu: uncaptured ${err?.constructor?.name ?? 'error'}: ${err?.message}`));
  };
  if (typeof device.addEventListener === 'function') device.addEventListener('uncapturederror', onUncaptured);
  else (device as any).onuncapturederror = onUncaptured;

  const maxBinding = dc.limits.maxStorageBufferBindingSize;
  const pool = new BufferPool(device, maxBinding);
  const create = (d: GPUBufferDescriptor) => pool.createBuffer(d);
  const pipelines = new Pipelines(device, onError);
  await pipelines.validateAll();
  const uniforms = new UniformCache(device, create);
  const ring = new ScalarRing(device, create, dc.limits.minUniformBufferOffsetAlignment);
  const bindGroups = new BindGroupCache(device, maxBinding);
  const profiler = new Profiler(device, dc.hasTimestamps, create);
  const dispatcher = new Dispatcher(dc, uniforms, ring, bindGroups, profiler, !!opts.debug);
  const readback = new Readback(create);
  const variant: Variant = !opts.variant || opts.variant === 'auto' ? (dc.isSoftware ? 'software' : 'hardware') : opts.variant;
  let dispatches = 0;
  let destroyed = false;

  const ctx: KernelContext = {
    variant,
    pipe: (shader, entry, sig, constants) => pipelines.get(shader, entry, sig, constants),
    dispatch: (pipe, params, buffers, groups, scalars, sub) => dispatcher.dispatch(pipe, params, buffers, groups, scalars ?? null, sub),
    temp: (bytes) => pool.acquire(bytes),
    release: (p: PhysBuffer) => pool.release(p),
  };

  const alive = () => {
    if (destroyed) throw new Error('webgpu: backend used after destroy()');
    if (dc.lost) throw new Error(`webgpu: device lost (${dc.lost.reason}): ${dc.lost.message}`);
  };
  const throwErrors = () => {
    const all = [...errors, ...dispatcher.errors];
    errors.length = 0;
    dispatcher.errors.length = 0;
    if (all.length === 1) throw all[0];
    if (all.length > 1) throw new Error(all.map((e) => e.message).join('\n'));
  };

  const info = dc.info;
  const name = info.description || info.device || info.architecture || info.vendor || 'adapter';
  const tags = [...new Set([info.vendor, info.architecture, dc.isSoftware ? 'software' : ''].filter(Boolean))];
  const description = `webgpu: ${name} (${tags.join(', ') || 'unknown adapter'})`;

  const backend: WebGPUBackend = {
    name: 'webgpu',
    description,
    adapterInfo: info,
    isSoftware: dc.isSoftware,
    variant,
    device,

    alloc(bytes: number): DeviceBuffer {
      alive();
      return pool.alloc(bytes);
    },

    free(buf: DeviceBuffer): void {
      if (destroyed) return;
      pool.freeBuffer(buf);
    },

    write(buf: DeviceBuffer, data: TypedArray, byteOffset = 0): void {
      alive();
      const p = phys(buf);
      if (byteOffset % 4 !== 0) throw new Error(`webgpu: write offset ${byteOffset} is not a multiple of 4`);
      if (byteOffset + data.byteLength > p.size) throw new Error(`webgpu: write of ${data.byteLength} bytes at ${byteOffset} overflows buffer ${buf.id} (${buf.bytes} bytes)`);
      // queue.writeBuffer runs before command buffers submitted later: submit what is encoded first.
      if (dispatcher.pending) dispatcher.submit();
      if (data.byteLength > 0) device.queue.writeBuffer(p.buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
    },

    async read(buf: DeviceBuffer, dtype: DType, n: number): Promise<TypedArray> {
      alive();
      throwErrors();
      const p = phys(buf);
      if (n * 4 > p.size) throw new Error(`webgpu: read of ${n} elements overflows buffer ${buf.id} (${buf.bytes} bytes)`);
      const data = n > 0 ? await readback.read(dispatcher, p.buffer, n * 4) : new ArrayBuffer(0);
      throwErrors();
      return dtype === 'f32' ? new Float32Array(data) : dtype === 'i32' ? new Int32Array(data) : new Uint32Array(data);
    },

    run<K extends KernelName>(kernel: K, args: KernelArgs[K], label: string): void {
      alive();
      const fn = KERNELS[kernel];
      if (!fn) throw new Error(`webgpu: unknown kernel ${String(kernel)}`);
      dispatches++;
      dispatcher.label = label || kernel;
      dispatcher.run = profiler.active ? profiler.addRun(kernel, dispatcher.label, kernelCost(kernel, args)) : -1;
      fn(ctx, args);
    },

    flush(): void {
      alive();
      dispatcher.submit();
    },

    async sync(): Promise<void> {
      alive();
      dispatcher.submit();
      await device.queue.onSubmittedWorkDone();
      throwErrors();
    },

    stats(): BackendStats {
      const c = pool.counters;
      return {
        bytesAllocated: c.bytesAllocated, bytesInUse: c.bytesInUse, buffersCreated: c.buffersCreated,
        buffersInUse: c.buffersInUse, pipelinesCreated: pipelines.created, bindGroupsCreated: bindGroups.created,
        dispatches,
      };
    },

    startProfile(): void {
      alive();
      dispatcher.submit();
      profiler.start();
    },

    async stopProfile(): Promise<ProfileRecord[]> {
      alive();
      if (!profiler.active) return [];
      if (profiler.timestamps) profiler.resolve(dispatcher.copyEncoder());
      dispatcher.submit();
      await device.queue.onSubmittedWorkDone();
      return profiler.collect();
    },

    destroy(): void {
      if (destroyed) return;
      destroyed = true;
      try { dispatcher.submit(); } catch { /* device may be gone */ }
      bindGroups.clear();
      uniforms.destroy();
      readback.destroy();
      profiler.destroy();
      ring.buffer.destroy();
      pool.destroy();
      device.destroy();
    },
  };
  return backend;
}
