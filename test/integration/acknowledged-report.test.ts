import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { makeReportHandler } from '../../jobs/report-job.js';
import { stateKey, type AlertState } from '../../src/alerts/plan-alerts.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createSlackNotifier } from '../../src/alerts/slack/slack-notifier.js';
import type { Finding } from '../../src/core/finding.js';
import { createLogger } from '../../src/core/logger.js';
import type { TokenResult } from '../../src/core/report.js';
import type { ParentJob } from '../../src/store/job-catalogue.js';
import { createActionStore } from '../../src/store/action-store.js';
import { createAlertStateStore } from '../../src/store/alert-state-store.js';
import { createRunCommitter } from '../../src/store/commit-run.js';
import { createOutboxStore } from '../../src/store/outbox-store.js';
import { createRunStore } from '../../src/store/run-store.js';
import { DEFAULT_ROUTE, storeKeys } from '../../src/store/store-keys.js';
import { childPages } from '../support/child-pages.js';
import { finding } from '../support/findings.js';
import { logSink } from '../support/log-sink.js';
import { startSlackStandIn, type SlackStandIn } from '../support/slack-stand-in.js';
import { testRedis } from '../support/store-fixtures.js';

const { redis, prefix } = testRedis();
const now = new Date('2026-11-29T12:00:00.000Z');
const DAY = 86_400_000;
const admin = finding(101, 'never-expiring-admin', 'critical');
const orphan = finding(102, 'orphaned', 'high');
let slack: SlackStandIn;
beforeEach(async () => {
  slack = await startSlackStandIn();
});
afterEach(() => slack.close());
afterAll(() => redis.quit());

const told = (f: Finding): AlertState => ({
  key: stateKey(DEFAULT_ROUTE, f.id),
  route: DEFAULT_ROUTE,
  finding: f,
  firstSeen: new Date(now.getTime() - 20 * DAY).toISOString(),
  lastSeen: new Date(now.getTime() - DAY).toISOString(),
  lastNotified: new Date(now.getTime() - 8 * DAY).toISOString(),
});

function reportJob(runKey: string, results: TokenResult[]): ParentJob {
  return {
    id: `report-${runKey}`,
    name: 'report',
    attemptsStarted: 1,
    data: { runKey, startedAt: now.toISOString(), evaluatedAt: now.toISOString(), accounts: [{ clientId: 456, label: 'account 456', error: null }] },
    getDependencies: childPages(results).getDependencies,
    getIgnoredChildrenFailures: () => Promise.resolve({}),
  };
}

describe('the report job with an acknowledgement from Slack (real Redis)', () => {
  it('reminds the other open findings, not the acknowledged one, and counts it apart in the header', async () => {
    await redis.hset(storeKeys(prefix).findings, ...[admin, orphan].flatMap((f) => [told(f).key, JSON.stringify(told(f))]));
    await redis.set(storeKeys(prefix).version, '1');
    const acks = createActionStore(redis, prefix);
    const evidenced: string[] = [];
    await acks.acknowledge(
      [{ findingId: admin.id, clientId: 456, tokenId: 101, rule: admin.rule, by: 'UALICE01', name: 'alice', at: now.toISOString(), until: new Date(now.getTime() + 7 * DAY).toISOString() }],
      now,
    );
    const handler = makeReportHandler({
      config: parseConfig({ accounts: [{ clientId: 456 }] }, {}),
      states: createAlertStateStore(redis, prefix),
      acks,
      runs: createRunStore(redis, prefix),
      outbox: createOutboxStore(redis, prefix),
      committer: createRunCommitter(redis, prefix),
      notifiers: new Map([[DEFAULT_ROUTE, createSlackNotifier({ webhookUrl: slack.webhookUrl, minIntervalMs: 0, baseDelayMs: 1 })]]),
      clock: () => now,
      logger: createLogger({ level: 'info', destination: logSink() }),
      redact: (text) => text,
      busy: () => new Error('busy'),
      permanent: (error) => error,
      evidence: (run) => {
        evidenced.push(...(run.acks ?? []).map((a) => a.findingId));
        return Promise.resolve();
      },
    });
    await handler(reportJob('r-ack', [
      { clientId: 456, tokenId: 101, status: 'audited', findings: [admin] },
      { clientId: 456, tokenId: 102, status: 'audited', findings: [orphan] },
    ]));
    const [post] = slack.accepted();
    expect(post?.body.text).toBe('Gcore token audit: 0 new · 0 resolved · 2 open (1 critical, 1 high) · 1 acknowledged');
    expect(post?.raw).toContain('orphaned (high): 1 open');
    expect(post?.raw).not.toContain('never-expiring-admin');
    const { states } = await createAlertStateStore(redis, prefix).load();
    expect(states.get(told(admin).key)?.lastNotified).toBe(told(admin).lastNotified);
    expect(states.get(told(orphan).key)?.lastNotified).toBe(now.toISOString());
    // The run's evidence folder lists the acknowledgement it applied (actions.json).
    expect(evidenced).toEqual([admin.id]);
  });
});
