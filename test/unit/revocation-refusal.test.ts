import { describe, expect, it } from '@jest/globals';
import { fingerprintOf } from '../../src/core/revocation.js';
import { parseToken } from '../../src/gcore/parse-token.js';
import pino from 'pino';
import { carryOutRevocation, revocationRefusal, type RevokeDeps } from '../../src/run/revoke-token.js';
import { GcoreForbiddenError, GcoreNotFoundError, GcoreOutcomeUnknownError } from '../../src/core/errors.js';
import { findingId } from '../../src/core/finding.js';
import type { AlertState } from '../../src/alerts/alert-state.js';
import type { RevocationRecord } from '../../src/store/revocation-store.js';
import type { DeleteOutcome } from '../../src/gcore/create-token-deleter.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { finding } from '../support/findings.js';

const token = parseToken(gcoreToken(101, { name: 'ci-deploy' }));
const record = { clientId: 456, tokenId: 101, fingerprint: fingerprintOf(token) };
const keys = (deleteKey: string | null, auditKey: string | null = null) => ({ deleteKey, auditKey });

describe('revocationRefusal: why a re-read token must not be deleted', () => {
  it('nothing, when the token is as requested and no key nor protection covers it', () => {
    expect(revocationRefusal(record, token, keys('202_secret', '303_secret'), [])).toBeNull();
    expect(revocationRefusal(record, token, keys('202_secret'), [])).toBeNull(); // the audit key not known here
  });

  it('a token that changed since the request', () => {
    const used = parseToken(gcoreToken(101, { name: 'ci-deploy', last_usage: '2026-12-01T00:00:00.000000Z' }));
    expect(revocationRefusal(record, used, keys('202_secret'), [])).toBe('the token changed since the request: used since the request (last_usage "2026-11-28T00:00:00.000Z" -> "2026-12-01T00:00:00.000Z")');
  });

  it("the deleting key's or the auditing key's own token", () => {
    expect(revocationRefusal(record, token, keys('101_secret', '303_secret'), [])).toBe('token 101 is the deleting key itself');
    expect(revocationRefusal(record, token, keys('202_secret', '101_secret'), [])).toBe('token 101 is the auditing key itself');
    expect(revocationRefusal(record, token, keys('101_secret', '101_secret'), [])).toBe('token 101 is the deleting key itself');
  });

  it('a deleting key that does not show its id (live); a dry run, which has no deleting key, still judges the audit key', () => {
    expect(revocationRefusal(record, token, keys('opaque-key'), [])).toBe('the deleting key does not show its token id ({id}_{secret}): cannot tell it is not this token');
    expect(revocationRefusal(record, token, keys(null), [])).toBeNull();
    expect(revocationRefusal(record, token, keys(null, '101_secret'), [])).toBe('token 101 is the auditing key itself');
    expect(revocationRefusal(record, token, keys(null, 'opaque-audit-key'), [])).toBeNull();
  });

  it('a protected token, by id or by name', () => {
    expect(revocationRefusal(record, token, keys('202_secret'), [{ tokenId: 101 }])).toBe('remediation.protect lists token 101');
    expect(revocationRefusal(record, token, keys('202_secret'), [{ name: 'ci-*' }])).toBe('remediation.protect covers its name ("ci-*")');
    // The change is told before the keys, and the keys before the protection.
    const used = parseToken(gcoreToken(101, { name: 'ci-deploy', exp_date: null }));
    expect(revocationRefusal(record, used, keys('101_secret'), [{ tokenId: 101 }])).toMatch(/^the token changed since the request: exp_date changed/);
    expect(revocationRefusal(record, token, keys('101_secret'), [{ tokenId: 101 }])).toBe('token 101 is the deleting key itself');
  });
});

describe('carryOutRevocation with the store, Gcore and the deleter stood in for', () => {
  const base: RevocationRecord = {
    id: 'r1', clientId: 456, tokenId: 101, reason: 'stale', requestedBy: 'alice', requestedAt: '2026-11-29T00:00:00.000Z', requestedAtMs: 0,
    findings: [], fingerprint: fingerprintOf(token), status: 'pending', approvedBy: 'bob', approvedAt: null, owner: 'me', attempt: 1, leaseUntil: null, outcome: null, finishedAt: null,
  };
  type Claim = Awaited<ReturnType<RevokeDeps['store']['claim']>>;
  function setup(o: { claim?: Claim; getToken?: () => Promise<unknown>; deleteToken?: () => Promise<DeleteOutcome>; finished?: boolean; states?: AlertState[] } = {}) {
    const finished: { status: string; outcome: string; tell: unknown }[] = [];
    const deletes: string[] = [];
    const store = {
      claim: () => Promise.resolve(o.claim === undefined ? { verdict: 'claimed' as const, record: base } : o.claim),
      finish: (_r: unknown, status: 'done' | 'refused', outcome: string, _at: Date, tell?: unknown) => {
        finished.push({ status, outcome, tell });
        return Promise.resolve(o.finished === false ? null : { ...base, status, outcome });
      },
      get: () => Promise.resolve({ ...base, owner: 'other' }),
    } as unknown as RevokeDeps['store'];
    const deps: RevokeDeps = {
      store,
      api: { getToken: o.getToken ?? (() => Promise.resolve(gcoreToken(101, { name: 'ci-deploy' }))) },
      deleter: { deleteToken: (c, t, key) => (deletes.push(`${c}/${t} ${key}`), (o.deleteToken ?? (() => Promise.resolve('deleted' as const)))()) },
      keys: () => ({ deleteKey: '202_secret', auditKey: null }),
      protect: [],
      approvalHours: 72,
      clock: () => new Date('2026-11-29T12:00:00.000Z'),
      logger: pino({ level: 'silent' }),
      owner: 'me',
      ...(o.states === undefined ? {} : { alertStates: { load: () => Promise.resolve({ version: 7, states: new Map((o.states ?? []).map((s) => [s.key, s])) }) } }),
    };
    return { deps, finished, deletes };
  }

  it('deletes the token as requested with the deleting key, once, and records it done', async () => {
    const t = setup();
    expect(await carryOutRevocation('r1', 'bob', t.deps)).toMatchObject({ kind: 'done', record: { status: 'done', outcome: 'deleted' } });
    expect(t.deletes).toEqual(['456/101 202_secret']);
    expect(t.finished).toEqual([{ status: 'done', outcome: 'deleted', tell: undefined }]);
  });

  it('passes on a claim it does not hold (missing, busy, lapsed, finished) without reading or deleting', async () => {
    for (const claim of [null, { verdict: 'busy' as const, record: base }, { verdict: 'lapsed' as const, record: base }, { verdict: 'finished' as const, record: base }]) {
      const t = setup({ claim });
      const result = await carryOutRevocation('r1', 'bob', t.deps);
      expect(result.kind).toBe(claim === null ? 'missing' : claim.verdict);
      expect(t.deletes).toEqual([]);
      expect(t.finished).toEqual([]);
    }
  });

  it('deletes nothing when the re-read fails or shows a change; a token already gone is done', async () => {
    const failed = setup({ getToken: () => Promise.reject(new Error('socket hang up')) });
    expect(await carryOutRevocation('r1', 'bob', failed.deps)).toMatchObject({ kind: 'refused' });
    expect(failed.finished[0]?.outcome).toBe('the token could not be re-read (socket hang up); nothing was deleted');
    const changed = setup({ getToken: () => Promise.resolve(gcoreToken(101, { name: 'renamed' })) });
    await carryOutRevocation('r1', 'bob', changed.deps);
    expect(changed.finished[0]?.outcome).toBe('the token changed since the request: renamed ("ci-deploy" -> "renamed"); nothing was deleted');
    const gone = setup({ getToken: () => Promise.reject(new GcoreNotFoundError('Not found')) });
    expect(await carryOutRevocation('r1', 'bob', gone.deps)).toMatchObject({ kind: 'done' });
    expect(gone.finished[0]?.outcome).toBe('already gone (HTTP 404 when re-read)');
    expect([failed, changed, gone].flatMap((t) => t.deletes)).toEqual([]);
  });

  it("records a DELETE's 404 as gone, a refused DELETE as refused, and leaves an unknown outcome to the claim's lapse", async () => {
    const gone = setup({ deleteToken: () => Promise.resolve('already-gone') });
    await carryOutRevocation('r1', 'bob', gone.deps);
    expect(gone.finished[0]?.outcome).toBe('already gone (HTTP 404 on DELETE)');
    const refused = setup({ deleteToken: () => Promise.reject(new GcoreForbiddenError('HTTP 403')) });
    expect(await carryOutRevocation('r1', 'bob', refused.deps)).toMatchObject({ kind: 'refused' });
    expect(refused.finished[0]?.outcome).toBe('HTTP 403; nothing was deleted');
    const unknown = setup({ deleteToken: () => Promise.reject(new GcoreOutcomeUnknownError('timeout', undefined)) });
    await expect(carryOutRevocation('r1', 'bob', unknown.deps)).rejects.toThrow(GcoreOutcomeUnknownError);
    expect(unknown.finished).toEqual([]);
  });

  it('a claim taken over before its end was recorded is busy, with the record as it is now', async () => {
    const t = setup({ finished: false });
    expect(await carryOutRevocation('r1', 'bob', t.deps)).toEqual({ kind: 'busy', record: { ...base, owner: 'other' } });
  });

  it("tells a deletion to the routes of the token's open findings (the default route when none), marking them revoked", async () => {
    const stale = finding(101, 'stale', 'medium', { clientId: 456, id: findingId(456, 101, 'stale') });
    const state = (route: string, f = stale): AlertState => ({ key: `${route}/${f.id}`, route, finding: f, firstSeen: 'x', lastSeen: 'x', lastNotified: 'x' });
    const other = finding(102, 'stale', 'medium', { clientId: 456, id: findingId(456, 102, 'stale') });
    const elsewhere = finding(101, 'stale', 'medium', { clientId: 789, id: findingId(789, 101, 'stale') }); // token 101 of another account
    const t = setup({ states: [state('oncall'), state('default'), state('team', other), state('ops', elsewhere)] });
    await carryOutRevocation('r1', 'bob', t.deps);
    const tell = t.finished[0]?.tell as { routes: string[]; version: number; states: AlertState[]; messages: unknown[] };
    expect(tell.routes).toEqual(['default', 'oncall']);
    expect(tell.version).toBe(7);
    expect(tell.states.map((s) => [s.route, s.finding.revoked])).toEqual([
      ['oncall', { by: 'alice', approvedBy: 'bob' }],
      ['default', { by: 'alice', approvedBy: 'bob' }],
    ]);
    expect(tell.messages).toHaveLength(1);
    const none = setup({ states: [] });
    await carryOutRevocation('r1', 'bob', none.deps);
    expect((none.finished[0]?.tell as { routes: string[] }).routes).toEqual(['default']);
    // A refusal tells nothing.
    const refused = setup({ states: [state('oncall')], getToken: () => Promise.reject(new Error('x')) });
    await carryOutRevocation('r1', 'bob', refused.deps);
    expect(refused.finished[0]?.tell).toBeUndefined();
  });
});
