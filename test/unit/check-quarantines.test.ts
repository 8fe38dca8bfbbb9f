import { describe, expect, it } from '@jest/globals';
import { GcoreNotFoundError, GcoreUnavailableError } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/logger.js';
import type { Mute } from '../../src/core/mute.js';
import type { QuarantineEntry } from '../../src/core/quarantine.js';
import { checkQuarantines, QUARANTINE_BATCH, type QuarantineCheckDeps } from '../../src/run/check-quarantines.js';
import { NOT_STARTED, type ClaimVerdict, type QuarantineDetails, type RevocationRecord } from '../../src/store/revocation-store.js';
import { logSink } from '../support/log-sink.js';

// The deadline check's decisions, with the revocation store, Gcore and the mutes stood in for: what each
// quarantine due comes to, what is recorded, what is left for the next check. The real store and the worker's
// wiring: test/integration/quarantine.test.ts.

const FOUND = new Date('2026-12-04T09:00:00.000Z');
const DEADLINE = new Date('2026-12-05T09:00:00.000Z');
const RULE = 'never-expiring-admin';

const details = (over: Partial<QuarantineDetails> = {}): QuarantineDetails => ({ rule: RULE, afterHours: 24, dryRun: false, rules: [RULE], deadline: DEADLINE.toISOString(), ...over });

function record(id: string, over: Partial<RevocationRecord> = {}): RevocationRecord {
  return {
    id,
    clientId: 456,
    tokenId: 201,
    reason: 'quarantine',
    requestedBy: 'sentinel',
    requestedAt: FOUND.toISOString(),
    requestedAtMs: FOUND.getTime(),
    findings: [],
    fingerprint: { name: 'token-201', roleId: 1, roleName: 'Administrators', expDate: null, lastUsage: null, issuerId: 7 },
    ...NOT_STARTED,
    kind: 'quarantine',
    quarantine: details(),
    ...over,
  };
}

const muteOf = (rule: string): Mute => ({ id: 'm-1', source: 'redis', rule: rule as Mute['rule'], clientId: 456, tokenId: 201, reason: 'break-glass', by: 'carol', until: new Date('2026-12-20T00:00:00.000Z'), untilText: '2026-12-19' });

interface Setup {
  readonly due: { id: string; record: RevocationRecord | null }[];
  readonly mutes?: Mute[];
  readonly entries?: QuarantineEntry[];
  /** false: this process cannot delete. */
  readonly deleting?: boolean;
  readonly keys?: boolean;
  readonly announced?: boolean;
  readonly claim?: ClaimVerdict | null;
  /** The re-read before the DELETE (carryOutRevocation), and the dry run's with the audit key. */
  readonly getToken?: () => Promise<unknown>;
  readonly reading?: false | { auditKey: string | null };
  readonly close?: (id: string) => Promise<void>;
  readonly batch?: number;
}

/** The check at `now` with stand-ins; what it asked and recorded. */
async function check(setup: Setup, now = DEADLINE) {
  const sink = logSink();
  const seen = { limits: [] as number[], mutesAsked: 0, closed: [] as [string, string, string][], settled: [] as string[][], claimed: [] as string[], finished: [] as [string, string][] };
  const byId = new Map(setup.due.map((d) => [d.id, d.record]));
  const store = {
    dueQuarantines: (_now: Date, limit: number) => {
      seen.limits.push(limit);
      return Promise.resolve(setup.due);
    },
    async close(id: string, status: string, _by: string | null, outcome: string) {
      await setup.close?.(id);
      seen.closed.push([id, status, outcome]);
      return null;
    },
    settled: (...ids: string[]) => {
      seen.settled.push(ids);
      return Promise.resolve();
    },
    announced: () => Promise.resolve(setup.announced ?? true),
    claim: (id: string) => {
      seen.claimed.push(id);
      const r = byId.get(id) ?? null;
      return Promise.resolve(setup.claim === null || r === null ? null : { verdict: setup.claim ?? 'claimed', record: r });
    },
    finish: (r: RevocationRecord, status: string, outcome: string) => {
      seen.finished.push([status, outcome]);
      return Promise.resolve({ ...r, status, outcome });
    },
    get: (id: string) => Promise.resolve(byId.get(id) ?? null),
  };
  const api = { getToken: setup.getToken ?? (() => Promise.reject(new GcoreNotFoundError('GET: not found (HTTP 404)'))) };
  const deps: QuarantineCheckDeps = {
    store: store as unknown as QuarantineCheckDeps['store'],
    mutes: () => {
      seen.mutesAsked += 1;
      return Promise.resolve(setup.mutes ?? []);
    },
    entries: setup.entries ?? [{ rule: RULE, afterHours: 24, dryRun: false }],
    deleting:
      setup.deleting === false
        ? null
        : {
            revoke: { api, deleter: { deleteToken: () => Promise.reject(new Error('no DELETE expected here')) }, protect: [], approvalHours: 1 },
            keysOf: () => Promise.resolve(setup.keys === false ? null : { deleteKey: '901_delete', auditKey: '900_audit' }),
          },
    ...(setup.reading === undefined || setup.reading === false ? {} : { reading: { api, auditKeyOf: () => Promise.resolve((setup.reading as { auditKey: string | null }).auditKey), protect: [] } }),
    clock: () => now,
    logger: createLogger({ level: 'info', destination: sink }),
    ...(setup.batch === undefined ? {} : { batch: setup.batch }),
  };
  const tally = Object.fromEntries(await checkQuarantines(deps));
  return { tally, ...seen, logs: sink.parsed() };
}

describe('checkQuarantines', () => {
  it('with nothing due asks for no mutes and settles nothing; reads at most a batch (100 unless told)', async () => {
    const none = await check({ due: [] });
    expect(none).toMatchObject({ tally: {}, mutesAsked: 0, settled: [], limits: [QUARANTINE_BATCH] });
    expect(QUARANTINE_BATCH).toBe(100);
    expect((await check({ due: [], batch: 7 })).limits).toEqual([7]);
  });

  it('settles without deciding what is gone, kept, finished or not a quarantine', async () => {
    const r = await check({
      due: [
        { id: 'pruned', record: null },
        { id: 'kept', record: record('kept', { status: 'kept' }) },
        { id: 'done', record: record('done', { status: 'done' }) },
        { id: 'plain', record: record('plain', { kind: undefined, quarantine: undefined }) },
      ],
    });
    expect(r).toMatchObject({ tally: { gone: 3, kept: 1 }, settled: [['pruned', 'kept', 'done', 'plain']], closed: [], claimed: [] });
  });

  it('before its deadline a quarantine waits, unsettled', async () => {
    const r = await check({ due: [{ id: 'q', record: record('q') }] }, new Date(DEADLINE.getTime() - 1));
    expect(r).toMatchObject({ tally: { busy: 1 }, settled: [[]], closed: [], claimed: [] });
  });

  it('muted at its deadline: recorded muted, nothing deleted, settled', async () => {
    const r = await check({ due: [{ id: 'q', record: record('q') }], mutes: [muteOf(RULE)] });
    expect(r).toMatchObject({ tally: { muted: 1 }, closed: [['q', 'muted', 'muted at its deadline: nothing was deleted']], settled: [['q']], claimed: [] });
    expect(r.logs).toContainEqual(expect.objectContaining({ msg: 'quarantine: muted at its deadline; nothing deleted', revocation: 'q', clientId: 456, tokenId: 201 }));
  });

  it('a dry run is recorded with what a live run would have done, read with the audit key', async () => {
    const dry = record('q', { quarantine: details({ dryRun: true }) });
    const outcomeOf = async (setup: Omit<Setup, 'due'>) => (await check({ due: [{ id: 'q', record: dry }], ...setup })).closed;
    const plain = await check({ due: [{ id: 'q', record: dry }] });
    expect(plain).toMatchObject({ tally: { 'dry-run': 1 }, closed: [['q', 'dry-run', 'dry run: would have been deleted at its deadline; nothing was deleted']], settled: [['q']], claimed: [] });
    expect(plain.logs).toContainEqual(expect.objectContaining({ msg: 'quarantine: dry run at its deadline', would: 'would have been deleted at its deadline' }));
    expect(await outcomeOf({ reading: { auditKey: null } })).toEqual([['q', 'dry-run', 'dry run: would have been deleted at its deadline; nothing was deleted']]);
    expect(await outcomeOf({ reading: { auditKey: '900_audit' } })).toEqual([['q', 'dry-run', 'dry run: already gone (HTTP 404 when re-read); nothing was deleted']]);
    expect(await outcomeOf({ reading: { auditKey: '900_audit' }, getToken: () => Promise.reject(new GcoreUnavailableError('GET /x failed after 2 attempt(s): HTTP 503', undefined)) })).toEqual([
      ['q', 'dry-run', 'dry run: would have been refused: the token could not be re-read (GET /x failed after 2 attempt(s): HTTP 503); nothing was deleted'],
    ]);
  });

  it('a live quarantine is a dry run when this process cannot delete, or no live entry for its rule is configured now', async () => {
    const noLonger = [['q', 'dry-run', 'dry run (the policy is no longer live here): would have been deleted at its deadline; nothing was deleted']];
    const due = [{ id: 'q', record: record('q') }];
    expect((await check({ due, deleting: false })).closed).toEqual(noLonger);
    expect((await check({ due, entries: [{ rule: 'stale', afterHours: 1, dryRun: false }] })).closed).toEqual(noLonger);
    expect((await check({ due, entries: [{ rule: RULE, afterHours: 24, dryRun: true }] })).closed).toEqual(noLonger);
    // Live when one entry of its rule is, whatever the others.
    const live = await check({ due, entries: [{ rule: 'stale', afterHours: 1, dryRun: true }, { rule: RULE, afterHours: 24, dryRun: false }] });
    expect(live).toMatchObject({ tally: { done: 1 }, closed: [], claimed: ['q'], finished: [['done', 'already gone (HTTP 404 when re-read)']] });
  });

  it('live: waits while its announcement is undelivered; without a deleting key for the account it is refused', async () => {
    const due = [{ id: 'q', record: record('q') }];
    const waiting = await check({ due, announced: false });
    expect(waiting).toMatchObject({ tally: { busy: 1 }, settled: [[]], claimed: [] });
    expect(waiting.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'quarantine: its deadline has come but its announcement is not delivered yet; nothing deleted until it is' }));
    expect(await check({ due, keys: false })).toMatchObject({
      tally: { refused: 1 },
      closed: [['q', 'refused', 'account 456 has no deleting key here (not configured): nothing was deleted']],
      settled: [['q']],
      claimed: [],
    });
  });

  it('live: carried out as an approved request; ended elsewhere meanwhile is gone, held by another process is left', async () => {
    const due = [{ id: 'q', record: record('q') }];
    expect(await check({ due })).toMatchObject({ tally: { done: 1 }, settled: [['q']], finished: [['done', 'already gone (HTTP 404 when re-read)']] });
    const refused = await check({ due, getToken: () => Promise.reject(new GcoreUnavailableError('GET /x: HTTP 503', undefined)) });
    expect(refused).toMatchObject({ tally: { refused: 1 }, settled: [['q']], finished: [['refused', 'the token could not be re-read (GET /x: HTTP 503); nothing was deleted']] });
    for (const claim of [null, 'finished', 'lapsed'] as const) {
      expect(await check({ due, claim })).toMatchObject({ tally: { gone: 1 }, settled: [['q']], finished: [] });
    }
    expect(await check({ due, claim: 'busy' })).toMatchObject({ tally: { busy: 1 }, settled: [[]], finished: [] });
  });

  it('an executing one is carried on without being judged again (a mute since, an undelivered announcement), or left when this process cannot delete', async () => {
    const due = [{ id: 'q', record: record('q', { status: 'executing', owner: 'died', attempt: 1 }) }];
    expect(await check({ due, mutes: [muteOf(RULE)], announced: false })).toMatchObject({ tally: { done: 1 }, closed: [], claimed: ['q'], settled: [['q']] });
    expect(await check({ due, deleting: false })).toMatchObject({ tally: { busy: 1 }, closed: [], claimed: [], settled: [[]] });
  });

  it('one that fails is logged and left for the next check; the others are settled', async () => {
    const r = await check({
      due: [
        { id: 'a', record: record('a') },
        { id: 'b', record: record('b', { tokenId: 202 }) },
      ],
      mutes: [muteOf(RULE), { ...muteOf(RULE), tokenId: 202 }],
      close: (id) => (id === 'a' ? Promise.reject(new Error('Connection is closed.')) : Promise.resolve()),
    });
    expect(r).toMatchObject({ tally: { error: 1, muted: 1 }, settled: [['b']] });
    expect(r.logs).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'quarantine: not settled at its deadline; tried again at the next check', revocation: 'a', err: expect.objectContaining({ message: 'Connection is closed.' }) }),
    );
  });
});
