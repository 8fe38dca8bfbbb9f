import { describe, expect, it } from '@jest/globals';
import { StateConflictError } from '../../src/core/errors.js';
import { MAX_COMMIT_TRIES, planAndCommit } from '../../src/run/plan-and-commit.js';

/** A store whose version moves on `conflicts` times between a read and the commit planned from it. */
function racingStore(conflicts: number) {
  let version = 1;
  let left = conflicts;
  const loads: number[] = [];
  const commits: number[] = [];
  return {
    loads,
    commits,
    load: () => {
      loads.push(version);
      return Promise.resolve({ version });
    },
    commit: ({ version: planned }: { version: number }) => {
      commits.push(planned);
      if (left > 0) {
        left -= 1;
        version += 1; // another run committed since the read
      }
      if (planned !== version) {
        return Promise.reject(new StateConflictError(`stale version ${planned}, now ${version}`));
      }
      return Promise.resolve(`committed at ${planned}`);
    },
  };
}

describe('planAndCommit: the plan-and-commit loop of a run and a sweep', () => {
  it('a commit refused for a stale version reads the states again and plans from the newer version', async () => {
    const store = racingStore(2);
    const stale: number[] = [];
    const out = await planAndCommit({ load: store.load, commit: store.commit, onStale: (attempt) => stale.push(attempt) });
    expect(out).toBe('committed at 3');
    expect(store.loads).toEqual([1, 2, 3]);
    expect(store.commits).toEqual([1, 2, 3]);
    expect(stale).toEqual([1, 2]);
  });

  it('hands each load its attempt number, so the first may reuse states read before the loop', async () => {
    const store = racingStore(1);
    const attempts: number[] = [];
    await planAndCommit({
      load: (attempt) => {
        attempts.push(attempt);
        return store.load();
      },
      commit: store.commit,
    });
    expect(attempts).toEqual([1, 2]);
  });

  it(`gives up after ${MAX_COMMIT_TRIES} refused commits with the conflict (the job is retried later)`, async () => {
    const store = racingStore(100);
    await expect(planAndCommit({ load: store.load, commit: store.commit })).rejects.toBeInstanceOf(StateConflictError);
    expect(store.commits).toHaveLength(MAX_COMMIT_TRIES);
  });

  it('any other error is thrown at once, without planning again', async () => {
    let loads = 0;
    const failure = new Error('Redis went away');
    await expect(
      planAndCommit({
        load: () => Promise.resolve((loads += 1)),
        commit: () => Promise.reject(failure),
      }),
    ).rejects.toBe(failure);
    expect(loads).toBe(1);
  });
});
