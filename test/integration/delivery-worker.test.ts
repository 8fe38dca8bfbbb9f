import { afterEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../src/app/cli/run-cli.js';
import type { DeadLetter } from '../../src/store/outbox-store.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { workerHarness, type Harness } from '../support/worker-harness.js';
import { until } from '../support/worker-process.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const KEY_789 = '789_route-test-gcore-key';
const TEAM_PATH = '/services/T000/BTEAM/teamXXsecretXX';
const CONFIG = [
  'gcore: { concurrency: 4, retries: 1 }',
  'accounts: [{ clientId: 456 }, { clientId: 789, apiKeyEnv: GCORE_API_KEY_789 }]',
  'notify: { slack: { detailSeverity: medium, routes: [{ name: team, webhookEnv: SLACK_WEBHOOK_URL_TEAM, match: { accounts: [789] } }] } }',
  'sentinel: { everySeconds: 1 }',
  '',
].join('\n');

const admin = (id: number, clientId: number) =>
  gcoreToken(id, { exp_date: null, created: '2026-11-29T11:58:00.000000Z', client_user: { ...(gcoreToken(id, {}, clientId).client_user as object), role: { id: 1, name: 'Administrators' } } }, clientId);
const toDefault = (x: Harness) => x.slack.accepted().filter((p) => p.path !== TEAM_PATH);
const sweepsDone = (x: Harness) => x.logs.parsed().filter((l) => l.msg === 'sentinel sweep done');

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

describe('worker: a failing route holds up no other', () => {
  it("with the team route's webhook at 404, the default gets its digest and the sentinel's alert; the route becomes a finding, named by /metrics and /healthz", async () => {
    h = await workerHarness({ config: CONFIG, env: { GCORE_API_KEY_789: KEY_789 } });
    const x = h;
    x.gcore.keys.set(KEY_789, 789);
    x.gcore.accounts.set(789, new Map([[301, gcoreToken(301, { exp_date: null }, 789)]]));
    x.env.SLACK_WEBHOOK_URL_TEAM = x.slack.addWebhook(TEAM_PATH);
    x.slack.failWebhook(TEAM_PATH, 'no_service');
    const worker = await x.startWorker();
    await until(() => Promise.resolve(sweepsDone(x).some((l) => (l.seeded as number) === 2)), 10_000, 'the first sweep');

    await x.trigger();
    expect(toDefault(x)).toHaveLength(1);
    expect(toDefault(x)[0]?.raw).toContain('(token 101)');

    // New admin tokens in both accounts: the default's "New token" message goes out with the next sweep.
    x.gcore.accounts.get(456)?.set(201, admin(201, 456));
    x.gcore.accounts.get(789)?.set(302, admin(302, 789));
    await until(() => Promise.resolve(toDefault(x).some((p) => p.raw.includes('(token 201)'))), 10_000, "the sentinel's message on the default route");
    expect(x.slack.accepted().filter((p) => p.path === TEAM_PATH)).toEqual([]);

    // Two failed attempts in a row (the run's, the sweep's): the route is failing, and says so.
    await until(
      async () => (await get(worker.healthPort, '/metrics')).body.includes('token_audit_slack_route_failing{route="team"} 1'),
      10_000,
      'the failing route in /metrics',
    );
    const metrics = (await get(worker.healthPort, '/metrics')).body;
    expect(metrics).toContain('token_audit_slack_route_failing{route="default"} 0');
    const health = await get(worker.healthPort, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', slack: { failingRoutes: [{ route: 'team' }] } });

    // The next run posts the failing route as a finding through the default route.
    await x.trigger();
    const told = toDefault(x).filter((p) => p.raw.includes('slack-route-failing'));
    expect(told).toHaveLength(1);
    expect(told[0]?.raw).toContain('Slack route team');
    expect(x.logs.text()).not.toContain('teamXXsecretXX');

    // `plan` sees it as the next run would: still open, not resolving.
    const plan = await cli(x, ['plan', '--config', x.configPath, '--format', 'json']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).not.toContain('delivering again');
  });
});

/** A CLI command in-process, against the harness's Redis: its exit code and stdout. */
async function cli(x: Harness, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env: x.env, logDestination: x.logs });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('worker: dead letters', () => {
  it('a digest Slack refuses with 400 is a dead letter: the run says so, `deliveries dead-letters` lists it, `deliveries resend` delivers it', async () => {
    h = await workerHarness();
    const x = h;
    await x.startWorker();
    x.slack.respond = (n) => (n === 1 ? { status: 400, body: 'invalid_blocks' } : { status: 200, body: 'ok' });
    const run = await x.trigger();
    expect(run.code).toBe(4); // not "nothing to post", exit 0: Slack did not get it
    expect(x.slack.accepted()).toEqual([]);

    const runs = JSON.parse((await cli(x, ['runs', '--format', 'json'])).stdout) as { delivery: string; routes: { route: string; state: string; posted: number }[] }[];
    expect(runs.map((r) => [r.delivery, r.routes])).toEqual([['failed', [expect.objectContaining({ route: 'default', state: 'failed', posted: 0 })]]]);

    const listed = await cli(x, ['deliveries', 'dead-letters', '--format', 'json']);
    expect(listed.code).toBe(0);
    const letters = JSON.parse(listed.stdout) as DeadLetter[];
    expect(letters.map((l) => [l.route, l.status, l.answer])).toEqual([['default', 400, 'invalid_blocks']]);
    expect(listed.stdout).not.toContain('XXXXsecretXXXX');
    const table = await cli(x, ['deliveries', 'dead-letters']);
    expect(table.stdout).toContain(`${letters[0]?.id ?? '?'}  default`);
    expect(table.stdout).toContain('HTTP 400 invalid_blocks');

    expect((await cli(x, ['deliveries', 'resend'])).code).toBe(2);
    expect((await cli(x, ['deliveries', 'resend', 'nope'])).code).toBe(2);
    expect((await cli(x, ['deliveries', 'dead-letters', '--route', 'No Such'])).code).toBe(2);

    const resent = await cli(x, ['deliveries', 'resend', letters[0]?.id ?? '?']);
    expect(resent.code).toBe(0);
    await until(() => Promise.resolve(x.slack.accepted().length > 0), 10_000, 'the resent message');
    expect(x.slack.accepted()[0]?.raw).toBe(x.slack.posts[0]?.raw);
    expect((await cli(x, ['deliveries', 'dead-letters'])).stdout).toBe('No dead letters.\n');
  });
});
