// WebGPU flag values, spelled out so that the engine does not depend on the GPUBufferUsage / GPUMapMode /
// GPUShaderStage globals being installed (Dawn for Node only installs them on request).
export const USAGE = {
  MAP_READ: 0x1, MAP_WRITE: 0x2, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80, QUERY_RESOLVE: 0x200,
} as const;
export const MAP_READ = 0x1;
export const STAGE_COMPUTE = 0x4;
/** Dispatches encoded into one command buffer before it is submitted on its own. */
export const MAX_BATCH = 128;
export const MAX_WORKGROUPS = 65535;

/** Workgroup counts for `threads` invocations of a 1-D kernel; long grids fold into 2-D (the shaders
 * rebuild the index as gid.x + gid.y * num_workgroups.x * WG). */
export function grid1d(threads: number, wg: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(threads / wg));
  if (groups <= MAX_WORKGROUPS) return [groups, 1, 1];
  const gy = Math.ceil(groups / MAX_WORKGROUPS);
  if (gy > MAX_WORKGROUPS) throw new Error(`webgpu: ${threads} invocations exceed the dispatch limits`);
  return [Math.ceil(groups / gy), gy, 1];
}
