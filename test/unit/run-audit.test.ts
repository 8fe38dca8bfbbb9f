import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { GcoreAuthError, GcoreUnavailableError } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/logger.js';
import { findingId, NO_TOKEN, type Finding } from '../../src/core/finding.js';
import type { TokenResult } from '../../src/core/report.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Secrets } from '../../src/config/secrets.js';
import type { GcoreApi } from '../../src/gcore/gcore-api.js';
import { runAudit, type RunAuditDeps } from '../../src/run/run-audit.js';
import { gcoreToken, gcoreUser } from '../support/gcore-stand-in.js';
import { logSink } from '../support/log-sink.js';
import { NOW } from '../support/tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'run-audit-'));
const configOf = (yaml: string) => {
  const path = join(dir, `audit-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, yaml);
  return loadConfig(path, {});
};
const config = configOf('accounts: [{ clientId: 456 }, { clientId: 789, apiKeyEnv: OTHER_KEY }]\n');
const secrets: Secrets = { get: (name) => `key-of-${name}`, known: () => [] };
const admin = (id: number, clientId = 456, userId = 123) =>
  gcoreToken(id, { exp_date: null, client_user: { ...(gcoreToken(id, {}, clientId).client_user as object), role: { id: 1, name: 'Administrators' }, user_id: userId } }, clientId);

/** Account 456 holds tokens 1 (a never-expiring admin token) and 2 (healthy), 789 token 3 (healthy); calls recorded. */
function gcore(more: Partial<GcoreApi> = {}): GcoreApi & { calls: string[] } {
  const calls: string[] = [];
  const tokens: Record<string, unknown> = { '456:1': admin(1), '456:2': gcoreToken(2), '789:3': gcoreToken(3, {}, 789) };
  return {
    calls,
    getAccountId: () => Promise.reject(new Error('not asked')),
    listTokens: (clientId) => Promise.resolve(clientId === 456 ? [{ id: 1 }, { id: 2 }] : [{ id: 3 }]),
    getToken: (clientId, tokenId) => (calls.push(`get ${clientId}:${tokenId}`), Promise.resolve(tokens[`${clientId}:${tokenId}`])),
    ...more,
  };
}
function deps(api: GcoreApi, more: Partial<RunAuditDeps> = {}) {
  const sink = logSink();
  let t = NOW.getTime();
  return {
    sink,
    deps: { api, secrets, logger: createLogger({ level: 'info', destination: sink }), clock: () => new Date((t += 1000)), ...more } satisfies RunAuditDeps,
  };
}

describe('runAudit (the one-shot audit)', () => {
  it("audits every token of every account and reports it, timed by the clock, evaluated at the run's start", async () => {
    const api = gcore();
    const { deps: d } = deps(api);
    const report = await runAudit(config, d);
    expect(api.calls.sort()).toEqual(['get 456:1', 'get 456:2', 'get 789:3']);
    expect(report.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(report.startedAt).toBe(new Date(NOW.getTime() + 1000).toISOString());
    expect(report.finishedAt).toBe(new Date(NOW.getTime() + 2000).toISOString());
    expect(report.evaluatedAt).toBe(report.startedAt);
    expect(report.summary).toMatchObject({ accounts: 2, tokensAudited: 3, findings: 1, failed: 0 });
    expect(report.findings.map((f) => [f.clientId, f.tokenId, f.rule])).toEqual([[456, 1, 'never-expiring-admin']]);
    expect(report.warnings).toEqual([]);
  });

  it('evaluates the rules at evaluateAt when given (`--now`), and reports the findings it is handed with the others', async () => {
    const route: Finding = {
      id: findingId('route:oncall', null, 'slack-route-failing'), rule: 'slack-route-failing', severity: 'high', clientId: null, accountName: null,
      ...NO_TOKEN, message: 'Route oncall is failing.', remediation: 'Fix it.', muted: false, muteReason: null, route: 'oncall',
    };
    const at = new Date('2026-01-01T00:00:00.000Z');
    const { deps: d } = deps(gcore(), { evaluateAt: at, more: [route] });
    const report = await runAudit(config, d);
    expect(report.evaluatedAt).toBe(at.toISOString());
    expect(report.findings.map((f) => f.rule).sort()).toEqual(['never-expiring-admin', 'slack-route-failing']);
  });

  it("hands every result to onResults, with its snapshot unless told otherwise; the rows only when asked for", async () => {
    let seen: readonly TokenResult[] = [];
    await runAudit(config, deps(gcore(), { onResults: (r) => (seen = r) }).deps);
    expect(seen).toHaveLength(3);
    expect(seen.every((r) => r.snapshot !== undefined && r.row === undefined)).toBe(true);
    await runAudit(config, deps(gcore(), { onResults: (r) => (seen = r), keepSnapshots: false, rows: true }).deps);
    expect(seen.every((r) => r.snapshot === undefined && r.row !== undefined)).toBe(true);
  });

  it('turns a bug while auditing one token into that token failing, logged, and audits the others', async () => {
    const api = gcore({ getToken: (clientId, tokenId) => (tokenId === 2 ? Promise.reject(new TypeError('bug')) : Promise.resolve(tokenId === 1 ? admin(1) : gcoreToken(3, {}, 789))) });
    const { deps: d, sink } = deps(api);
    const report = await runAudit(config, d);
    expect(report.summary).toMatchObject({ tokensAudited: 2, failed: 1 });
    expect(report.findings.find((f) => f.tokenId === 2)?.message).toBe('Could not be audited: unexpected error (see the logs)');
    expect(sink.lines.some((l) => l.includes('unexpected error auditing token') && l.includes('"tokenId":2'))).toBe(true);
  });

  it("reads each account's people once and each unknown issuer once, marks the key's own user's tokens, and reports an unreadable roster", async () => {
    const users: string[] = [];
    const api = gcore({
      getAccountDetails: (apiKey) => Promise.resolve({ currentUser: apiKey === 'key-of-GCORE_API_KEY' ? 123 : 5 }),
      // OTHER_KEY (account 789) may not read its users.
      listUsers: (_limit, _offset, apiKey) =>
        apiKey === 'key-of-OTHER_KEY'
          ? Promise.reject(new GcoreUnavailableError('HTTP 503', undefined))
          : Promise.resolve({ count: 1, results: [gcoreUser(999, 456)] }), // not the issuer of 456's tokens
      getUser: (userId) => (users.push(`user ${userId}`), Promise.resolve(gcoreUser(userId, 456))),
    });
    const { deps: d, sink } = deps(api);
    const report = await runAudit(config, d);
    expect(report.keyUserTokens).toEqual(['456:1', '456:2']);
    // 456's issuer (123) is not in its roster: asked once for its two tokens; 789's roster failed, so nothing is asked of it.
    expect(users).toEqual(['user 123']);
    expect(report.coverage).toEqual(['account 789: its users could not be read: HTTP 503 (issuer checks skipped)']);
    const people = sink.lines.map((l) => JSON.parse(l) as { msg: string; account?: string }).filter((l) => l.msg.startsWith("account's people not read"));
    expect(people).toEqual([expect.objectContaining({ account: 'account 789', msg: "account's people not read: its users could not be read: HTTP 503 (issuer checks skipped)" })]);
  });

  it("refreshes the company directory before the tokens are read and puts its problem in the report's warnings", async () => {
    const events: string[] = [];
    const api = gcore({ getToken: (c, t) => (events.push('get'), gcore().getToken(c, t, '')) });
    const directory = { verdict: () => ({ status: 'active' as const }), problem: 'the directory file cannot be read', refresh: () => Promise.resolve(void events.push('refresh')) };
    const report = await runAudit(config, deps(api, { directory }).deps);
    expect(events[0]).toBe('refresh');
    expect(report.warnings.some((w) => w.includes('the directory file cannot be read'))).toBe(true);
  });

  it("without snapshots, keeps of each result everything else: refusal, the key's own user, the issuer rules not evaluated, the row", async () => {
    const dormant = configOf('accounts: [{ clientId: 456 }, { clientId: 789, apiKeyEnv: OTHER_KEY }]\nissuers: { dormantAfterDays: 90 }\n');
    const api = gcore({
      getToken: (clientId, tokenId) => (clientId === 789 ? Promise.reject(new GcoreAuthError('no')) : gcore().getToken(clientId, tokenId, '')),
      getAccountDetails: () => Promise.resolve({ currentUser: 123 }),
      listUsers: () => Promise.resolve({ count: 1, results: [gcoreUser(123, 456)] }),
    });
    let seen: readonly TokenResult[] = [];
    await runAudit(dormant, deps(api, { onResults: (r) => (seen = r), keepSnapshots: false, rows: true }).deps);
    const byToken = new Map(seen.map((r) => [r.tokenId, r]));
    expect(byToken.get(3)).toStrictEqual({ clientId: 789, tokenId: 3, status: 'failed', findings: [], refused: 'OTHER_KEY was rejected (401)' });
    // No field a result does not have: none set to undefined.
    expect(Object.keys(byToken.get(2) ?? {})).toEqual(['clientId', 'tokenId', 'status', 'findings', 'keyUser', 'notEvaluated', 'row']);
    expect(byToken.get(1)).toMatchObject({ keyUser: true, notEvaluated: ['issuer-dormant'], row: { name: 'token-1' } });
    expect(byToken.get(1)?.snapshot).toBeUndefined();
  });

  it("logs under the run's id: the accounts not fully enumerated, how many tokens it audits, and the summary", async () => {
    const api = gcore({ listTokens: (clientId) => (clientId === 789 ? Promise.reject(new GcoreUnavailableError('HTTP 500', undefined)) : Promise.resolve([{ id: 1 }])) });
    const { deps: d, sink } = deps(api);
    const report = await runAudit(config, d);
    const lines = sink.lines.map((l) => JSON.parse(l) as { msg: string; runId?: string; account?: string; tokens?: number; summary?: unknown });
    expect(lines.every((l) => l.runId === report.runId)).toBe(true);
    expect(lines.find((l) => l.msg.startsWith('account not fully enumerated'))).toMatchObject({ account: 'account 789', msg: 'account not fully enumerated: could not list tokens: HTTP 500' });
    expect(lines.filter((l) => l.msg.startsWith('account not fully enumerated'))).toHaveLength(1);
    expect(lines.find((l) => l.msg === 'auditing tokens')).toMatchObject({ tokens: 1 });
    expect(lines.find((l) => l.msg === 'audit finished')?.summary).toEqual(report.summary);
  });
});
