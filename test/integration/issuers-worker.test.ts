import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { gcoreToken, gcoreUser } from '../support/gcore-stand-in.js';
import { workerHarness, type Harness } from '../support/worker-harness.js';

// Issue 19 end to end: Gcore's users (the roster, read once per run) and the company directory (a CSV the
// replica reads, never stored) meet in the worker's token jobs, and the findings go to Slack once.
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ADMIN = { id: 1, name: 'Administrators' };
const ENGINEERS = { id: 5, name: 'Engineers' };
const issuedBy = (userId: number, email: string, role: { id: number; name: string }) => ({
  role,
  deleted: false,
  user_id: userId,
  user_name: `User ${userId}`,
  user_email: email,
  client_id: 456,
});
// Healthy in every other way: expires, used yesterday, a year old at most.
const token = (id: number, userId: number, email: string, role = ADMIN) =>
  gcoreToken(id, { exp_date: '2027-06-01T00:00:00.000000Z', last_usage: '2026-11-28T00:00:00.000000Z', client_user: issuedBy(userId, email, role) });

describe('the people behind the tokens, in the worker', () => {
  it('an SSO user marked left, a deleted user, an inactive one and a demoted one: each token its issuer rule, posted once; resolved when the token is deleted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'issuers-worker-'));
    const csv = join(dir, 'people.csv');
    writeFileSync(csv, 'email,status,left_at\nsso.leaver@example.com,left,2026-11-20\nstaying@example.com,active\n');
    h = await workerHarness({ config: `gcore: { concurrency: 4, retries: 1 }\naccounts: [{ clientId: 456 }]\nissuers:\n  directory: { file: ${csv} }\n` });
    const users = [
      gcoreUser(31, 456, { email: 'SSO.Leaver@example.com', sso_auth: true, groups: [ADMIN], client_and_roles: [{ client_id: 456, client_company_name: 'Acme', user_id: 31, user_roles: ['1'] }] }),
      gcoreUser(33, 456, { email: 'inactive@example.com', is_active: false, client_and_roles: [{ client_id: 456, client_company_name: 'Acme', user_id: 33, user_roles: ['5'] }] }),
      // Issued an Administrators token, now only a Users member of the account.
      gcoreUser(34, 456, { email: 'demoted@example.com', client_and_roles: [{ client_id: 456, client_company_name: 'Acme', user_id: 34, user_roles: ['2'] }] }),
      gcoreUser(35, 456, { email: 'staying@example.com', client_and_roles: [{ client_id: 456, client_company_name: 'Acme', user_id: 35, user_roles: ['1'] }] }),
    ];
    h.gcore.users.set(456, users); // user 32 is not in the roster: read alone, Gcore answers 404
    h.gcore.accounts.set(
      456,
      new Map<number, unknown>([
        [301, token(301, 31, 'sso.leaver@example.com')],
        [302, token(302, 32, 'deleted@example.com')],
        [303, token(303, 33, 'inactive@example.com', ENGINEERS)],
        [304, token(304, 34, 'demoted@example.com')],
        [305, token(305, 35, 'staying@example.com')],
      ]),
    );
    await h.startWorker();

    const first = await h.trigger();
    expect(first.code).toBe(0);
    const rules = (first.report?.findings ?? []).map((f) => `${f.tokenId}:${f.rule}:${f.severity}`).sort();
    expect(rules).toEqual(['301:issuer-left:critical', '302:issuer-deleted:critical', '303:issuer-inactive:high', '304:issuer-role-dropped:high']);
    const left = first.report?.findings.find((f) => f.tokenId === 301);
    // The SSO case says why it matters, and the gone person's email is not the token's owner.
    expect(left?.message).toMatch(/SSO/);
    expect(left?.owner).toBeNull();
    const posted = h.slack.accepted();
    const told = (id: number) => posted.filter((p) => p.raw.includes(`(token ${id})`)).length;
    expect([301, 302, 303, 304].map(told)).toEqual([1, 1, 1, 1]);
    expect(told(305)).toBe(0);

    // Nothing changed: nothing is posted again.
    const before = h.slack.accepted().length;
    expect((await h.trigger()).code).toBe(0);
    expect(h.slack.accepted().length).toBe(before);

    // The leaver's token is deleted: its finding resolves, said once.
    h.gcore.accounts.get(456)?.delete(301);
    const third = await h.trigger();
    expect(third.report?.findings.some((f) => f.tokenId === 301)).toBe(false);
    const after = h.slack.accepted().slice(before);
    expect(after.filter((p) => p.raw.includes('Resolved') && p.raw.includes('(token 301)'))).toHaveLength(1);
    // No email of anyone in a Redis key or a log line.
    expect((await h.redis.keys(`${h.prefix}*`)).join('\n')).not.toContain('@');
    expect(h.logs.text()).not.toMatch(/leaver@|deleted@|inactive@|demoted@|staying@/i);
  });
});
