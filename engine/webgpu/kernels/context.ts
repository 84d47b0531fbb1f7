// What a kernel family's host code sees: pipelines, a dispatch call, temporaries, and the variant to
// build for ('software': no workgroup barriers, register tiles; 'hardware': workgroup-memory tiling).
import type { DeviceBuffer } from '../../kernels';
import { GPUDeviceBuffer, type PhysBuffer } from '../buffer-pool';
import type { Pipe } from '../pipelines';
import type { ShaderName } from '../shaders';

export type Variant = 'software' | 'hardware';

export interface KernelContext {
  readonly variant: Variant;
  pipe(shader: ShaderName, entry: string, sig: string, constants?: Record<string, number | boolean>): Pipe;
  dispatch(
    pipe: Pipe, params: Uint32Array, buffers: readonly PhysBuffer[], groups: readonly [number, number, number],
    scalars?: Uint32Array | null, sub?: string,
  ): void;
  /** A pooled scratch buffer; release it right after encoding its last use (queue order keeps it safe). */
  temp(bytes: number): PhysBuffer;
  release(p: PhysBuffer): void;
}

/** The physical buffer behind a handle (rejecting freed or foreign buffers). */
export function phys(b: DeviceBuffer): PhysBuffer {
  if (!(b instanceof GPUDeviceBuffer)) throw new Error('webgpu: buffer does not belong to the WebGPU backend');
  if (b.freed) throw new Error(`webgpu: buffer ${b.id} used after free()`);
  return b.phys;
}

/** Uniform words (integers; negative values as two's complement), padded to a multiple of 4. */
export function words(...v: number[]): Uint32Array {
  const out = new Uint32Array(Math.max(4, Math.ceil(v.length / 4) * 4));
  for (let i = 0; i < v.length; i++) out[i] = v[i] >>> 0;
  return out;
}

const f32 = new Float32Array(4);
const f32u = new Uint32Array(f32.buffer);
/** Bits of up to 4 f32 values, for the scalar ring. */
export function floatBits(...v: number[]): Uint32Array {
  f32.fill(0);
  f32.set(v);
  return new Uint32Array(f32u);
}
