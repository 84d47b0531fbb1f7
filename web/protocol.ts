// Messages between the page (main.ts) and the engine worker (worker.ts).
import type { KernelSummary } from '../engine/profile';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm';

/** A face to embed: a synthetic identity (rendered at the model's size in the worker) or RGB pixels. */
export type FaceSpec =
  | { kind: 'synth'; id: number; sample: number; difficulty: number }
  | { kind: 'pixels'; width: number; height: number; data: Uint8Array; name: string };

export interface TrainOptions {
  steps: number; identities: number; perIdentity: number; input: number; width: number; emb: number;
  batch: number; lr: number; evalPairs: number; seed: number;
}

export type Request =
  | { type: 'init'; backend: BackendChoice }
  | { type: 'load'; files: { name: string; bytes: Uint8Array }[]; label: string }
  | { type: 'verify'; a: FaceSpec; b: FaceSpec }
  | { type: 'train'; options: TrainOptions }
  | { type: 'stop' }
  | { type: 'profiling'; on: boolean }
  | { type: 'use-trained' }
  | { type: 'trace' };

export interface BackendInfo {
  description: string; kind: 'webgpu' | 'wasm'; reason: string; notes: string[];
  isolated: boolean; webgpuAvailable: boolean; cores: number;
}
export interface ModelInfo { name: string; kind: string; inputSize: number; dim: number; threshold: number | null; thresholdNote: string; loadMs: number }
export interface VerifyResult { score: number; threshold: number | null; same: boolean | null; embedMs: number; backend: string }
export interface TrainProgress { step: number; total: number; loss: number; imagesPerSec: number; elapsedMs: number; lr: number }
export interface TrainResult {
  steps: number; stopped: boolean; firstLoss: number; lastLoss: number; accuracy: number; threshold: number; auc: number;
  pairs: number; evalMs: number; elapsedMs: number;
}
export interface ProfileReport { label: string; kernels: KernelSummary[]; dispatches: number; totalMs: number; table: string }

export type Reply =
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string }
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'phase'; text: string }
  | { type: 'profile'; report: ProfileReport };
