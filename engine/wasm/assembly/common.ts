// Shared helpers for the kernels: argument slots, work splitting.
// Arguments arrive as an array of f64 slots at `args` (written by the host).

@inline export function ai(args: usize, i: i32): i32 {
  return <i32>load<f64>(args + (<usize>i << 3));
}
@inline export function ap(args: usize, i: i32): usize {
  return <usize>load<f64>(args + (<usize>i << 3));
}
@inline export function af(args: usize, i: i32): f32 {
  return <f32>load<f64>(args + (<usize>i << 3));
}

/** Start of part `part` of [0, total) cut into `parts` pieces aligned to `align`. */
@inline export function splitAt(total: i32, align: i32, part: i32, parts: i32): i32 {
  const units = (<i64>total + align - 1) / align;
  const s = <i32>((units * <i64>part) / <i64>parts) * align;
  return s < total ? s : total;
}

// Slots 62, 63 of every argument block: scratch base and scratch bytes per part.
export const SLOT_SCRATCH: i32 = 62;
export const SLOT_SCRATCH_BYTES: i32 = 63;

@inline export function scratchOf(args: usize, part: i32): usize {
  return ap(args, SLOT_SCRATCH) + <usize>part * ap(args, SLOT_SCRATCH_BYTES);
}
