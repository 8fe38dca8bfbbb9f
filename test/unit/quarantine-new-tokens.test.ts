import { describe, expect, it } from '@jest/globals';
import { GcoreUnavailableError } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/logger.js';
import { findingId } from '../../src/core/finding.js';
import type { NewTokenAlert, NewTokenEntry } from '../../src/alerts/plan-sentinel.js';
import type { RevocationRecord } from '../../src/store/revocation-store.js';
import { markAnnounced, quarantineNewTokens, type QuarantineNewTokensDeps } from '../../src/run/quarantine-new-tokens.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { logSink } from '../support/log-sink.js';
import { NOW, tokenRef } from '../support/tokens.js';

const entry = (tokenId: number, rules: NewTokenEntry['rules'][number]['rule'][], clientId = 456): NewTokenEntry => ({
  clientId, accountName: null, tokenId, tokenName: `token-${tokenId}`, issuer: null, role: 'Administrators', created: null, expDate: null, severity: 'critical',
  rules: rules.map((rule) => ({ rule, severity: 'critical', message: rule })),
});
const alert = (route: string, entries: NewTokenEntry[]): NewTokenAlert => ({ route, entries, left: 0 });

/** A revocation store that keeps what it records (as record-quarantine.lua does for a new one), and a Gcore that counts reads. */
function fakes(getToken: QuarantineNewTokensDeps['api']['getToken'] = (_c, t) => Promise.resolve(gcoreToken(t))) {
  const recorded: RevocationRecord[] = [];
  const reads: string[] = [];
  const sink = logSink();
  const deps: QuarantineNewTokensDeps = {
    entries: [{ rule: 'never-expiring-admin', afterHours: 24, dryRun: false }, { rule: 'stale', afterHours: 48, dryRun: true }],
    store: { recordQuarantine: (r) => (recorded.push(r), Promise.resolve(r)) },
    api: { getToken: (c, t, key) => (reads.push(`${c}/${t} ${key}`), getToken(c, t, key)) },
    secrets: { get: (name) => `key-of-${name}` },
    foundAt: NOW,
    logger: createLogger({ level: 'info', destination: sink }),
  };
  return { deps, recorded, reads, sink };
}

describe('quarantineNewTokens', () => {
  it("records a pending quarantine for each announced token an entry covers (the first entry its rules name), read again with its account's key, and says when it goes", async () => {
    const f = fakes();
    const made = new Map<string, RevocationRecord>();
    const alerts = [alert('default', [entry(1, ['stale', 'never-expiring-admin']), entry(2, ['expiring-soon'])]), alert('oncall', [entry(1, ['stale', 'never-expiring-admin'])])];
    const told = await quarantineNewTokens(alerts, [tokenRef(456, 1, { apiKeyEnv: 'K' }), tokenRef(456, 2)], f.deps, made);
    expect(f.reads).toEqual(['456/1 key-of-K']); // token 2 breaks no quarantined rule; token 1 is read once, whatever the routes
    expect(f.recorded).toHaveLength(1);
    const [r] = f.recorded;
    expect(r).toMatchObject({
      kind: 'quarantine', clientId: 456, tokenId: 1, requestedBy: 'sentinel', requestedAt: NOW.toISOString(), requestedAtMs: NOW.getTime(), status: 'pending',
      findings: [findingId(456, 1, 'stale'), findingId(456, 1, 'never-expiring-admin')],
      reason: 'a new token breaking never-expiring-admin, found by the sentinel: deleted 24 h later unless muted or kept',
      quarantine: { rule: 'never-expiring-admin', afterHours: 24, dryRun: false, rules: ['stale', 'never-expiring-admin'], deadline: new Date(NOW.getTime() + 24 * 3_600_000).toISOString() },
    });
    expect(r?.fingerprint).toEqual({ name: 'token-1', roleId: 2, roleName: 'Users', issuerId: 123, expDate: '2027-06-01T00:00:00.000Z', lastUsage: '2026-11-28T00:00:00.000Z' });
    expect(made.get('456/1')).toBe(r);
    const line = `will be deleted at 2026-11-30 12:00 UTC unless muted or approved to stay (\`revoke keep ${r?.id}\`)`;
    expect(told.map((a) => a.entries.map((e) => e.quarantine))).toEqual([[line, undefined], [line]]);
    expect(f.sink.lines.some((l) => l.includes('sentinel: token quarantined') && l.includes('policy: quarantine never-expiring-admin 24h'))).toBe(true);
  });

  it('quarantines a token once across commit attempts; never one the sweep did not announce from its refs', async () => {
    const f = fakes();
    const made = new Map<string, RevocationRecord>();
    const alerts = [alert('default', [entry(1, ['never-expiring-admin'])])];
    await quarantineNewTokens(alerts, [tokenRef(456, 1)], f.deps, made);
    await quarantineNewTokens(alerts, [tokenRef(456, 1)], f.deps, made);
    expect(f.recorded).toHaveLength(1);
    expect(f.reads).toHaveLength(1);
    // A token in no ref of the sweep (another account's 1): nothing read, nothing recorded.
    await quarantineNewTokens([alert('default', [entry(1, ['never-expiring-admin'], 789)])], [tokenRef(456, 1)], f.deps, new Map());
    expect(f.recorded).toHaveLength(1);
  });

  it('announces without a quarantine a token that cannot be read again, logged', async () => {
    const f = fakes(() => Promise.reject(new GcoreUnavailableError('HTTP 503', undefined)));
    const made = new Map<string, RevocationRecord>();
    const told = await quarantineNewTokens([alert('default', [entry(1, ['never-expiring-admin'])])], [tokenRef(456, 1)], f.deps, made);
    expect(told[0]?.entries[0]?.quarantine).toBeUndefined();
    expect(f.recorded).toEqual([]);
    expect(made.size).toBe(0);
    expect(f.sink.lines.some((l) => l.includes('could not be read again; announced without a quarantine'))).toBe(true);
  });

  it('says "would be deleted" of a dry run, and nothing of a quarantine kept or settled since', async () => {
    const f = fakes();
    const made = new Map<string, RevocationRecord>();
    const told = await quarantineNewTokens([alert('default', [entry(3, ['stale'])])], [tokenRef(456, 3)], f.deps, made);
    expect(told[0]?.entries[0]?.quarantine).toMatch(/^would be deleted at 2026-12-01 12:00 UTC .* \(dry run\)$/);
    const kept = new Map([...made].map(([k, r]): [string, RevocationRecord] => [k, { ...r, status: 'kept' }]));
    const again = await quarantineNewTokens([alert('default', [entry(3, ['stale'])])], [tokenRef(456, 3)], f.deps, kept);
    expect(again[0]?.entries[0]?.quarantine).toBeUndefined();
  });
});

describe('markAnnounced', () => {
  it('records, on each quarantine the sweep made, the sweep and every route that announced it; nothing for a token without one', async () => {
    const f = fakes();
    const made = new Map<string, RevocationRecord>();
    const alerts = [alert('default', [entry(1, ['never-expiring-admin']), entry(2, ['expiring-soon'])]), alert('oncall', [entry(1, ['never-expiring-admin'])])];
    await quarantineNewTokens(alerts, [tokenRef(456, 1), tokenRef(456, 2)], f.deps, made);
    const updates: RevocationRecord[] = [];
    await markAnnounced(alerts, made, { recordQuarantine: (r) => (updates.push(r), Promise.resolve(r)) }, 'sweep-1');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.quarantine?.announcedIn).toEqual({ sweep: 'sweep-1', routes: ['default', 'oncall'] });
    expect(updates[0]).toMatchObject({ id: made.get('456/1')?.id, tokenId: 1 });
  });
});
