// Learning-rate schedules: linear warm-up, then step decay, cosine or polynomial decay to the end.

export interface ScheduleConfig {
  kind: 'step' | 'cosine' | 'poly' | 'constant';
  /** Warm-up steps (linear from lr/100 to lr). */
  warmup: number;
  /** Step decay: steps at which lr is multiplied by gamma. */
  milestones: number[];
  gamma: number;
  /** Polynomial decay power. */
  power: number;
}

export const DEFAULT_SCHEDULE: ScheduleConfig = { kind: 'step', warmup: 0, milestones: [], gamma: 0.1, power: 2 };

/** The learning rate at `step` (0-based) of `total` steps. */
export function learningRate(base: number, step: number, total: number, s: ScheduleConfig): number {
  if (step < s.warmup) return base * (0.01 + 0.99 * (step / Math.max(1, s.warmup)));
  const t = Math.min(1, (step - s.warmup) / Math.max(1, total - s.warmup));
  switch (s.kind) {
    case 'constant': return base;
    case 'step': return base * s.gamma ** s.milestones.filter((m) => step >= m).length;
    case 'cosine': return base * 0.5 * (1 + Math.cos(Math.PI * t));
    case 'poly': return base * (1 - t) ** s.power;
  }
}
