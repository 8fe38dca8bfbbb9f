/** ok; skipped: another sweep was running; list_failed: an account could not be listed; error: the sweep failed. */
export const SWEEP_OUTCOMES = ['ok', 'skipped', 'list_failed', 'error'] as const;
export type SweepOutcome = (typeof SWEEP_OUTCOMES)[number];
