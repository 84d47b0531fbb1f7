// Checkpoints in a run folder, written so that a process killed at any moment leaves the last good one
// readable: each checkpoint is written into a temporary folder (files fsynced), renamed into place, and
// only then does the `latest` pointer (itself written to a temp file and renamed) move to it.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from '../engine/safetensors';

export interface CheckpointData {
  model: Map<string, NamedArray>;
  state: Map<string, NamedArray>;
  json: Record<string, unknown>;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/** Writes a file so that readers see the old content or the new, never a mix. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally { closeSync(fd); }
  renameSync(tmp, path);
}

const checkpointsDir = (run: string) => join(run, 'checkpoints');

/**
 * Saves a checkpoint as checkpoints/step-N-<time> and points `latest` at it; keeps the newest `keep`.
 * Names are never reused, so the folder `latest` points at is never touched before the pointer moves.
 */
export function saveCheckpoint(run: string, step: number, data: CheckpointData, keep = 2): string {
  const dir = checkpointsDir(run);
  mkdirSync(dir, { recursive: true });
  const name = `step-${step}-${Date.now()}-${process.pid}`;
  const tmp = join(dir, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  writeFileAtomic(join(tmp, 'model.safetensors'), encodeSafetensors(data.model, { format: 'pt' }));
  writeFileAtomic(join(tmp, 'state.safetensors'), encodeSafetensors(data.state));
  writeFileAtomic(join(tmp, 'state.json'), JSON.stringify(data.json));
  fsyncPath(tmp);
  const final = join(dir, name);
  renameSync(tmp, final);
  fsyncPath(dir);
  writeFileAtomic(join(dir, 'latest'), name);
  // the run's current weights, for eval and export
  writeFileAtomic(join(run, 'model.safetensors'), readFileSync(join(final, 'model.safetensors')));
  const written = (f: string) => Number(f.split('-')[2]);
  const old = readdirSync(dir).filter((f) => /^step-\d+-\d+-\d+$/.test(f)).sort((a, b) => written(a) - written(b));
  for (const f of old.slice(0, Math.max(0, old.length - keep))) if (f !== name) rmSync(join(dir, f), { recursive: true, force: true });
  return final;
}

export function hasCheckpoint(run: string): boolean {
  return existsSync(join(checkpointsDir(run), 'latest'));
}

/** Loads the checkpoint `latest` points at, with errors that say what is missing or broken. */
export function loadCheckpoint(run: string): CheckpointData & { path: string } {
  const dir = checkpointsDir(run);
  const latest = join(dir, 'latest');
  if (!existsSync(latest)) throw new Error(`${run}: no checkpoint to resume from (${latest} is missing)`);
  const name = readFileSync(latest, 'utf8').trim();
  const path = join(dir, name);
  const read = (f: string) => {
    const p = join(path, f);
    if (!existsSync(p)) throw new Error(`checkpoint ${path}: ${f} is missing`);
    return readFileSync(p);
  };
  return {
    path,
    model: decodeSafetensors(read('model.safetensors'), join(path, 'model.safetensors')).tensors,
    state: decodeSafetensors(read('state.safetensors'), join(path, 'state.safetensors')).tensors,
    json: JSON.parse(read('state.json').toString('utf8')),
  };
}
