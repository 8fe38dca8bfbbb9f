import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../src/app/cli/run-cli.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { workerHarness, type Harness } from '../support/worker-harness.js';
import { until } from '../support/worker-process.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const BLIND = 100005;
const BLIND_KEY = '100005_second-account-key';
const BLIND_TOKENS = Array.from({ length: 10 }, (_, i) => 501 + i);
const getsOf = (x: Harness, clientId: number) => x.gcore.requests.filter((r) => new RegExp(`/clients/${clientId}/tokens/\\d+$`).test(r)).length;
/** The digest posted for the last run: its header, and its whole text. */
const lastDigest = (x: Harness, from: number) => {
  const posts = x.slack.accepted().slice(from);
  return { header: posts[0]?.body.text ?? '', raw: posts.map((p) => p.raw).join('\n') };
};

describe('one cause, one alert: an account whose key is refused', () => {
  it('is one coverage gap, asks nothing of its tokens after the refusal, keeps their findings open, and says "coverage restored" once', async () => {
    h = await workerHarness({
      tokens: 3,
      // concurrency 1: one token read at a time, so "after the refusal" is every read but the first
      config: `gcore: { concurrency: 1, concurrencyPerWorker: 1, retries: 0 }
accounts:
  - { clientId: 456 }
  - { clientId: ${BLIND}, apiKeyEnv: GCORE_API_KEY_${BLIND}, discover: false, tokens: [${BLIND_TOKENS.join(', ')}] }
`,
      env: { [`GCORE_API_KEY_${BLIND}`]: BLIND_KEY },
    });
    h.gcore.keys.set(BLIND_KEY, BLIND);
    h.gcore.accounts.set(BLIND, new Map(BLIND_TOKENS.map((id) => [id, gcoreToken(id, { exp_date: null }, BLIND)])));
    await h.startWorker();

    const first = await h.trigger();
    expect(first.code).toBe(0);
    const before = lastDigest(h, 0).header;
    expect(before).toMatch(/13 open/);

    // The key is revoked.
    h.gcore.keys.delete(BLIND_KEY);
    const posted = h.slack.accepted().length;
    const requests = h.gcore.requests.length;
    const second = await h.trigger();
    expect(second.code).toBe(0);
    expect(second.report?.findings.filter((f) => f.clientId === BLIND).map((f) => [f.rule, f.message])).toEqual([
      ['coverage-gap', `Not fully audited: GCORE_API_KEY_${BLIND} was rejected (401).`],
    ]);
    const blindGets = h.gcore.requests.slice(requests).filter((r) => r.includes(`/clients/${BLIND}/tokens/`));
    expect(blindGets).toHaveLength(1); // the refusal itself; every other token of the account held without a request
    const during = lastDigest(h, posted);
    // Open unchanged but for the gap: the ten held tokens still count, the gap is the one new (high) finding.
    expect(before).toMatch(/13 open.*\b0 high/);
    expect(during.header).toMatch(/14 open.*\b1 high/);
    expect(during.raw).toContain('coverage-gap');
    expect(during.raw).not.toContain('audit-failed');
    expect(during.raw).not.toContain('Resolved');
    expect(during.raw).toContain('· 10 open held by a coverage gap (not read this run) ·');

    // The key works again.
    h.gcore.keys.set(BLIND_KEY, BLIND);
    const postedBefore = h.slack.accepted().length;
    const third = await h.trigger();
    expect(third.code).toBe(0);
    const after = lastDigest(h, postedBefore);
    expect(after.header).toMatch(/13 open/);
    expect(after.raw.match(/coverage restored/g)).toHaveLength(1);
    expect(after.raw).not.toMatch(/audited again|policy changed/);
    expect(getsOf(h, BLIND)).toBeGreaterThan(1);
  });
});

describe('one cause, one alert: an account whose listing is refused', () => {
  it('creates no token job for it, known tokens included, and holds their findings open', async () => {
    const key789 = '789_listing-refused-key';
    h = await workerHarness({ tokens: 2, config: 'gcore: { concurrency: 4, retries: 0 }\naccounts: [{ clientId: 456 }, { clientId: 789, apiKeyEnv: GCORE_API_KEY_789 }]\n', env: { GCORE_API_KEY_789: key789 } });
    h.gcore.keys.set(key789, 789);
    h.gcore.accounts.set(789, new Map([301, 302].map((id) => [id, gcoreToken(id, { exp_date: null }, 789)])));
    await h.startWorker();
    expect((await h.trigger()).report?.findings.filter((f) => f.clientId === 789)).toHaveLength(2);

    h.gcore.keys.delete(key789);
    const requests = h.gcore.requests.length;
    const posted = h.slack.accepted().length;
    const run = await h.trigger();
    expect(run.report?.findings.filter((f) => f.clientId === 789).map((f) => [f.rule, f.message])).toEqual([
      ['coverage-gap', 'Not fully audited: GCORE_API_KEY_789 was rejected (401).'],
    ]);
    // the listing's 401 only: its two known tokens are not read one by one either
    expect(h.gcore.requests.slice(requests).filter((r) => r.includes('/clients/789/'))).toEqual(['GET /iam/v2/clients/789/tokens']);
    expect(lastDigest(h, posted).header).toMatch(/5 open/);
  });
});

interface Counts {
  new: number;
  resolved: number;
  open: number;
}

/** A read command in-process, as an operator runs it. */
async function cli(x: Harness, args: string[]): Promise<string> {
  const out: string[] = [];
  const code = await runCli(args, { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true }, env: x.env, logDestination: x.logs });
  expect(code).toBe(0);
  return out.join('');
}

/** The same run's new/resolved/open as each place tells it. */
async function everywhere(x: Harness, port: number, header: string): Promise<Record<string, Counts>> {
  const m = /(\d+) new\D.*?(\d+) resolved\D.*?(\d+) open/.exec(header);
  const slack = { new: Number(m?.[1]), resolved: Number(m?.[2]), open: Number(m?.[3]) };
  const [run] = JSON.parse(await cli(x, ['runs', '--format', 'json', '--limit', '1'])) as { counts: Counts }[];
  const last = /· (\d+) new · (\d+) resolved · (\d+) open · Slack/.exec(await cli(x, ['report', 'last']));
  const report = { new: Number(last?.[1]), resolved: Number(last?.[2]), open: Number(last?.[3]) };
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const metricOpen = [...metrics.matchAll(/^token_audit_open_findings\{[^}]*\} (\d+)$/gm)].reduce((a, l) => a + Number(l[1]), 0);
  const findings = (JSON.parse(await cli(x, ['findings', '--format', 'json'])) as unknown[]).length;
  return {
    slack,
    runs: run?.counts ?? { new: NaN, resolved: NaN, open: NaN },
    report,
    metrics: { ...slack, open: metricOpen },
    findings: { ...slack, open: findings },
  };
}

describe('the same counts everywhere', () => {
  it('five runs of a changing estate (a sentinel post, a renamed route): the Slack header, runs, report last, findings and /metrics agree', async () => {
    const routeConfig = (name: string) => `gcore: { concurrency: 4, retries: 0 }
accounts: [{ clientId: 456 }]
notify: { slack: { routes: [{ name: ${name}, webhookEnv: TEAM_WEBHOOK, match: { accounts: [456] } }] } }
sentinel: { everySeconds: 1 }
mutes: [{ rule: never-expiring, clientId: 456, tokenId: 105, reason: kept in the vault, until: 2027-01-31 }]
`;
    h = await workerHarness({ tokens: 5, config: routeConfig('team') });
    const x = h;
    x.env.TEAM_WEBHOOK = x.slack.webhookUrl;
    const tokens = x.gcore.accounts.get(456) as Map<number, unknown>;
    const sweeps = () => x.logs.parsed().filter((l) => l.msg === 'sentinel sweep done').length;
    let worker = await x.startWorker();
    await until(() => Promise.resolve(sweeps() > 0), 10_000, 'the first sweep');

    const seen: Record<string, Counts>[] = [];
    const run = async (expected: Counts) => {
      const posted = x.slack.accepted().length;
      x.now = new Date(x.now.getTime() + 3_600_000); // runs are listed by start: each its own hour
      expect((await x.trigger()).code).toBe(0);
      const digest = x.slack.accepted().slice(posted).find((p) => /open/.test(p.body.text ?? ''));
      const all = await everywhere(x, worker.healthPort, digest?.body.text ?? '');
      seen.push(all);
      for (const [where, counts] of Object.entries(all)) {
        expect({ where, counts }).toEqual({ where, counts: expected });
      }
    };

    await run({ new: 4, resolved: 0, open: 4 }); // five never-expiring tokens, one muted: neither new nor open

    // The sentinel posts a new never-expiring admin token: new in its sweep, not in the next run.
    tokens.set(106, gcoreToken(106, { exp_date: null, created: '2026-11-29T11:59:00.000000Z', client_user: { ...(gcoreToken(106).client_user as object), role: { id: 1, name: 'Administrators' } } }));
    await until(() => Promise.resolve(x.slack.accepted().some((p) => p.raw.includes('(token 106)'))), 10_000, "the sentinel's post");
    const [sweep] = JSON.parse(await cli(x, ['runs', '--format', 'json', '--limit', '1'])) as { trigger: string; counts: Counts }[];
    expect(sweep).toMatchObject({ trigger: 'sentinel', counts: { new: 1, resolved: 0, open: 5 } }); // new in the sweep that posted it
    tokens.set(101, gcoreToken(101, { exp_date: '2027-01-01T00:00:00.000000Z' })); // 101 fixed
    await run({ new: 0, resolved: 1, open: 4 }); // ...and not again in the next run

    // The route renamed: its findings move to the new name already told; token 102 deleted.
    await worker.close();
    writeFileSync(x.configPath, `${routeConfig('platform')}`);
    worker = await x.startWorker();
    tokens.delete(102);
    await run({ new: 0, resolved: 1, open: 3 });

    tokens.set(107, gcoreToken(107, { exp_date: null })); // below the sentinel's bar: the run tells it
    await run({ new: 1, resolved: 0, open: 4 });

    tokens.set(103, gcoreToken(103, { exp_date: '2027-01-01T00:00:00.000000Z' }));
    tokens.set(104, gcoreToken(104, { exp_date: '2027-01-01T00:00:00.000000Z' }));
    await run({ new: 0, resolved: 2, open: 2 });
    expect(seen).toHaveLength(5);
  });
});
