import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { deliverOutbox, makeReportHandler, type ReportJobDeps } from '../../jobs/report-job.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/core/logger.js';
import type { TokenResult } from '../../src/core/report.js';
import type { ParentJob } from '../../src/store/job-catalogue.js';
import { childPages } from '../support/child-pages.js';
import { createAlertStateStore } from '../../src/store/alert-state-store.js';
import { createRunCommitter } from '../../src/store/commit-run.js';
import { createOutboxStore } from '../../src/store/outbox-store.js';
import { createRunStore } from '../../src/store/run-store.js';
import { DEFAULT_ROUTE } from '../../src/store/store-keys.js';
import { createSlackNotifier } from '../../src/alerts/slack/slack-notifier.js';
import type { SlackMessage } from '../../src/alerts/slack/slack-message.js';
import { finding } from '../support/findings.js';
import { logSink } from '../support/log-sink.js';
import { startSlackStandIn, type SlackStandIn, type WebhookFailure } from '../support/slack-stand-in.js';
import { commitOf, dumpPrefix, testRedis } from '../support/store-fixtures.js';

const { redis, prefix: base } = testRedis();
afterAll(() => redis.quit());
let n = 0;
const fresh = () => `${base}-d${(n += 1)}`;
let slack: SlackStandIn;
let teamWebhook: string;
const TEAM_PATH = '/services/T000/BTEAM/teamXXsecretXX';
beforeEach(async () => {
  slack = await startSlackStandIn();
  teamWebhook = slack.addWebhook(TEAM_PATH);
});
afterEach(() => slack.close());

const dir = mkdtempSync(join(tmpdir(), 'delivery-'));
writeFileSync(
  join(dir, 'audit.yaml'),
  'accounts: [{ clientId: 456 }, { clientId: 789, apiKeyEnv: GCORE_API_KEY_789 }]\n' +
    'notify: { slack: { routes: [{ name: team, webhookEnv: SLACK_WEBHOOK_URL_TEAM, match: { accounts: [789] } }] } }\n',
);
const config = loadConfig(join(dir, 'audit.yaml'), {});
const logs = logSink();
const logger = createLogger({ level: 'info', destination: logs });

class BusyError extends Error {}

/** The team route first, as the worker orders them (routes, then SLACK_WEBHOOK_URL): its failure must not hold up the default. */
function deps(prefix: string, overrides: Partial<ReportJobDeps> = {}): ReportJobDeps {
  const notifier = (webhookUrl: string) => createSlackNotifier({ webhookUrl, minIntervalMs: 0, baseDelayMs: 1, attempts: 2 });
  return {
    config,
    states: createAlertStateStore(redis, prefix),
    runs: createRunStore(redis, prefix),
    outbox: createOutboxStore(redis, prefix),
    committer: createRunCommitter(redis, prefix),
    notifiers: new Map([
      ['team', notifier(teamWebhook)],
      [DEFAULT_ROUTE, notifier(slack.webhookUrl)],
    ]),
    clock: () => new Date('2026-11-29T12:00:00.000Z'),
    logger,
    redact: (text) => text,
    busy: () => new BusyError('busy'),
    permanent: (error) => error,
    ...overrides,
  };
}

const text = (t: string): SlackMessage => ({ text: t, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: t } }] });
const acceptedAt = (path: string) => slack.accepted().filter((p) => p.path === path).map((p) => p.body.text);
/** Commits a run with these digests, planned from the state version `version` (each commit bumps it). */
const commit = (prefix: string, run: string, digests: { route: string; messages: SlackMessage[] }[], version = 0) =>
  createRunCommitter(redis, prefix).commitRun(commitOf(run, { digests, version }));

function reportJob(runKey: string, results: TokenResult[]): ParentJob {
  return {
    id: `report-${runKey}`,
    name: 'report',
    attemptsStarted: 1,
    data: {
      runKey,
      startedAt: '2026-11-29T12:00:00.000Z',
      evaluatedAt: '2026-11-29T12:00:00.000Z',
      accounts: [
        { clientId: 456, label: 'account 456', error: null },
        { clientId: 789, label: 'account 789', error: null },
      ],
    },
    getDependencies: childPages(results).getDependencies,
    getIgnoredChildrenFailures: () => Promise.resolve({}),
  };
}

describe('delivery: no message blocks another (real Redis)', () => {
  it('sets aside a message Slack refuses for good, delivers the next, and resends it once asked', async () => {
    const prefix = fresh();
    const d = deps(prefix);
    const deadLettered: string[] = [];
    const counted = { ...d, onDeadLetter: (route: string) => void deadLettered.push(route) };
    await commit(prefix, 'r1', [{ route: DEFAULT_ROUTE, messages: [text('one'), text('two'), text('three')] }]);
    slack.respond = (i) => (i === 2 ? { status: 400, body: 'invalid_blocks' } : { status: 200, body: 'ok' });

    await deliverOutbox(counted, logger);
    expect(acceptedAt('/services/T000/B000/XXXXsecretXXXX')).toEqual(['one', 'three']);
    expect(await d.outbox.pendingDigests(DEFAULT_ROUTE)).toEqual([]);
    const [letter, ...more] = await d.outbox.deadLetters();
    expect(more).toEqual([]);
    expect(letter).toMatchObject({ route: DEFAULT_ROUTE, run: 'r1', index: 1, status: 400, answer: 'invalid_blocks', message: text('two') });
    expect(deadLettered).toEqual([DEFAULT_ROUTE]);
    // Not a success: Slack did not get everything, and the run says so.
    expect((await d.runs.getRun('r1'))?.delivery).toBe('failed');
    expect(await d.runs.lastSuccess()).toBeNull();
    // Kept in Redis without the webhook, and not posted again by the next delivery.
    expect(await dumpPrefix(redis, prefix)).not.toContain('secret');
    expect(logs.text()).not.toContain('secret');
    await deliverOutbox(counted, logger);
    expect(slack.posts).toHaveLength(3);

    // After the fix, the operator resends it: delivered once, and gone from the dead letters.
    slack.respond = () => ({ status: 200, body: 'ok' });
    expect(await d.outbox.requeue(DEFAULT_ROUTE, 'no-such-id')).toBe(false);
    expect(await d.outbox.requeue(DEFAULT_ROUTE, letter?.id ?? '')).toBe(true);
    expect(await d.outbox.requeue(DEFAULT_ROUTE, letter?.id ?? '')).toBe(false);
    await deliverOutbox(counted, logger);
    await deliverOutbox(counted, logger);
    expect(acceptedAt('/services/T000/B000/XXXXsecretXXXX')).toEqual(['one', 'three', 'two']);
    expect(await d.outbox.deadLetters()).toEqual([]);
  });

  it.each<[WebhookFailure]>([['no_service'], ['invalid_token'], ['unavailable']])(
    "a route whose webhook answers %s keeps its messages queued and holds up no other route's",
    async (mode) => {
      const prefix = fresh();
      const d = deps(prefix);
      slack.failWebhook(teamWebhook, mode);
      await commit(prefix, 'r1', [
        { route: 'team', messages: [text('team one')] },
        { route: DEFAULT_ROUTE, messages: [text('default one')] },
      ]);
      await expect(deliverOutbox(d, logger)).rejects.toThrow();
      expect(acceptedAt('/services/T000/B000/XXXXsecretXXXX')).toEqual(['default one']);
      // A webhook refusal is no dead letter: fixing the webhook fixes it.
      expect(await d.outbox.deadLetters()).toEqual([]);
      expect((await d.outbox.pendingDigests('team')).map((p) => p.runKey)).toEqual(['r1']);
      expect(await d.outbox.failingRoutes()).toEqual([]);

      await commit(prefix, 'r2', [{ route: DEFAULT_ROUTE, messages: [text('default two')] }], 1);
      await expect(deliverOutbox(d, logger)).rejects.toThrow();
      expect(acceptedAt('/services/T000/B000/XXXXsecretXXXX')).toEqual(['default one', 'default two']);
      expect((await d.outbox.failingRoutes()).map((f) => [f.route, f.attempts])).toEqual([['team', 2]]);

      slack.failWebhook(teamWebhook, null);
      await deliverOutbox(d, logger);
      expect(acceptedAt(TEAM_PATH)).toEqual(['team one']);
      expect(await d.outbox.failingRoutes()).toEqual([]);
    },
  );

  it('a route that keeps failing is a finding, posted through the default route and resolved once it delivers again', async () => {
    const prefix = fresh();
    const d = deps(prefix);
    const handler = makeReportHandler(d);
    slack.failWebhook(teamWebhook, 'no_service');
    const teamFinding: TokenResult = { clientId: 789, tokenId: 301, status: 'audited', findings: [finding(301, 'stale', 'medium', { clientId: 789 })] };
    await expect(handler(reportJob('r1', [teamFinding]))).rejects.toThrow(/no_service/);
    await expect(handler(reportJob('r2', [teamFinding]))).rejects.toThrow(/no_service/);
    expect(slack.accepted()).toEqual([]);

    await expect(handler(reportJob('r3', [teamFinding]))).rejects.toThrow(/no_service/);
    const told = acceptedAt('/services/T000/B000/XXXXsecretXXXX');
    expect(told).toHaveLength(1);
    const post = slack.accepted()[0]?.raw ?? '';
    expect(post).toContain('slack-route-failing');
    expect(post).toContain('Slack route \\"team\\" has not accepted its messages for 2 delivery attempts');
    expect(post).not.toContain('teamXXsecretXX');
    const open = await createAlertStateStore(redis, prefix).load();
    expect([...open.states.values()].filter((s) => s.finding.rule === 'slack-route-failing').map((s) => s.route)).toEqual([DEFAULT_ROUTE]);

    // The webhook fixed: the route's queued digest goes out, and the next run tells the default it delivers again.
    slack.failWebhook(teamWebhook, null);
    await handler(reportJob('r4', [teamFinding]));
    expect(acceptedAt(TEAM_PATH)).toHaveLength(1);
    await handler(reportJob('r5', [teamFinding]));
    // Told once while it lasted (r4 still saw it failing: nothing new), then resolved.
    const toDefault = slack.accepted().filter((p) => p.path !== TEAM_PATH);
    expect(toDefault).toHaveLength(2);
    expect(toDefault[1]?.raw).toContain('delivering again');
  });
});
