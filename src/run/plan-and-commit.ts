import { StateConflictError } from '../core/errors.js';

/** Commits refused because another run or sweep committed first, before giving up (the job is retried later). */
export const MAX_COMMIT_TRIES = 5;

export interface PlanAndCommit<S, R> {
  /** The alert states (with their version) to plan from: attempt 1 may hand back states already read. */
  readonly load: (attempt: number) => Promise<S>;
  /** Plans from `state` and commits, version-checked: StateConflictError when another commit came first. */
  readonly commit: (state: S) => Promise<R>;
  /** Told before each new attempt after a refused commit (a log line). */
  readonly onStale?: (attempt: number) => void;
}

/**
 * The loop a run's report and a sentinel sweep share: read the states, plan, commit only if no one committed
 * since the read; refused, read again and plan again from the newer states, so a change is told once. Any
 * other error, or a conflict on the last try, is thrown.
 */
export async function planAndCommit<S, R>(steps: PlanAndCommit<S, R>): Promise<R> {
  for (let attempt = 1; ; attempt += 1) {
    const state = await steps.load(attempt);
    try {
      return await steps.commit(state);
    } catch (error) {
      if (!(error instanceof StateConflictError) || attempt >= MAX_COMMIT_TRIES) {
        throw error;
      }
      steps.onStale?.(attempt);
    }
  }
}
