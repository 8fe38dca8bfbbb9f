import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { makeReportHandler, type ReportJobDeps } from '../../jobs/report-job.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/core/logger.js';
import type { ParentJob } from '../../src/store/job-catalogue.js';
import { childPages } from '../support/child-pages.js';
import { createAlertStateStore } from '../../src/store/alert-state-store.js';
import { createRunCommitter } from '../../src/store/commit-run.js';
import { createOutboxStore } from '../../src/store/outbox-store.js';
import { createRunStore } from '../../src/store/run-store.js';
import { createRevocationStore, type RevocationRecord } from '../../src/store/revocation-store.js';
import { DEFAULT_ROUTE } from '../../src/store/store-keys.js';
import { createSlackNotifier } from '../../src/alerts/slack/slack-notifier.js';
import { logSink } from '../support/log-sink.js';
import { startSlackStandIn, type SlackStandIn } from '../support/slack-stand-in.js';
import { testRedis } from '../support/store-fixtures.js';

const { redis, prefix: base } = testRedis();
afterAll(() => redis.quit());
let n = 0;
const fresh = () => `${base}-lapse-${(n += 1)}`;
let slack: SlackStandIn;
beforeEach(async () => {
  slack = await startSlackStandIn();
});
afterEach(() => slack.close());

const dir = mkdtempSync(join(tmpdir(), 'revocation-lapse-'));
writeFileSync(join(dir, 'audit.yaml'), 'accounts: [{ clientId: 456 }]\n');
const config = loadConfig(join(dir, 'audit.yaml'), {}); // remediation.approvalHours: 72 (the default)
const logger = createLogger({ level: 'info', destination: logSink() });
const now = new Date('2026-11-29T12:00:00.000Z');
const HOUR = 3_600_000;

function deps(prefix: string): ReportJobDeps {
  return {
    config,
    states: createAlertStateStore(redis, prefix),
    revocations: createRevocationStore(redis, prefix),
    runs: createRunStore(redis, prefix),
    outbox: createOutboxStore(redis, prefix),
    committer: createRunCommitter(redis, prefix),
    notifiers: new Map([[DEFAULT_ROUTE, createSlackNotifier({ webhookUrl: slack.webhookUrl, minIntervalMs: 0, baseDelayMs: 1 })]]),
    clock: () => now,
    logger,
    redact: (text) => text,
    busy: () => new Error('busy'),
    permanent: (error) => error,
  };
}

/** A run that found nothing: its digest has news only if it tells something. */
function emptyRun(runKey: string, startedAt: string): ParentJob {
  return {
    id: `report-${runKey}`,
    name: 'report',
    attemptsStarted: 1,
    data: { runKey, startedAt, evaluatedAt: startedAt, accounts: [{ clientId: 456, label: 'account 456', error: null }] },
    getDependencies: childPages([]).getDependencies,
    getIgnoredChildrenFailures: () => Promise.resolve({}),
  };
}

function request(id: string, tokenId: number, name: string, hoursAgo: number): RevocationRecord {
  const at = new Date(now.getTime() - hoursAgo * HOUR);
  return {
    id, clientId: 456, tokenId, reason: 'left', requestedBy: 'alice', requestedAt: at.toISOString(), requestedAtMs: at.getTime(), findings: [],
    fingerprint: { name, roleId: 1, roleName: 'Administrators', expDate: null, lastUsage: null, issuerId: 7 },
    status: 'pending', approvedBy: null, approvedAt: null, owner: null, attempt: 0, leaseUntil: null, outcome: null, finishedAt: null,
  };
}

const told = (text: string) => slack.accepted().filter((p) => p.raw.includes(text)).length;
const lapseLine = (id: string, name: string, tokenId: number) => `Revocation request ${id} for token ${name} (token ${tokenId}) lapsed: not approved within 72 h`;

describe('revocation lapses told by the worker (real Redis, Slack stand-in)', () => {
  it('the report job marks a request past approvalHours lapsed and its digest tells it once; one within them stays pending, untold', async () => {
    const prefix = fresh();
    const store = createRevocationStore(redis, prefix);
    await store.add(request('r-0000000a', 101, 'deploy-bot', 72));
    await store.add(request('r-0000000b', 102, 'ci-bot', 71));
    const handler = makeReportHandler(deps(prefix));

    await handler(emptyRun('run-1', now.toISOString()));
    expect(await store.get('r-0000000a')).toMatchObject({ status: 'lapsed', outcome: 'not approved in time' });
    expect(await store.get('r-0000000b')).toMatchObject({ status: 'pending' });
    expect(told(lapseLine('r-0000000a', 'deploy-bot', 101))).toBe(1);
    expect(told('r-0000000b')).toBe(0);

    await handler(emptyRun('run-2', new Date(now.getTime() + 1000).toISOString()));
    expect(told('r-0000000a')).toBe(1);
    expect(await redis.smembers(`${prefix}:revoke:lapses-untold`)).toEqual([]);
  });

  it('a lapse recorded by `revoke list` or `revoke approve` (not the worker) is told by the next digest, once', async () => {
    const prefix = fresh();
    const store = createRevocationStore(redis, prefix);
    await store.add(request('r-0000000c', 103, 'old-listed', 100));
    await store.add(request('r-0000000d', 104, 'old-approved', 100));
    await store.close('r-0000000c', 'lapsed', null, 'not approved in time', now); // as `revoke list` does
    expect(await store.claim('r-0000000d', { owner: 'o', approvedBy: 'bob', now, leaseMs: 1000, approvalHours: 72 })).toMatchObject({ verdict: 'lapsed' });
    const handler = makeReportHandler(deps(prefix));

    await handler(emptyRun('run-1', now.toISOString()));
    await handler(emptyRun('run-2', new Date(now.getTime() + 1000).toISOString()));
    expect(told(lapseLine('r-0000000c', 'old-listed', 103))).toBe(1);
    expect(told(lapseLine('r-0000000d', 'old-approved', 104))).toBe(1);
  });

  it('a cancelled request is not told as a lapse', async () => {
    const prefix = fresh();
    const store = createRevocationStore(redis, prefix);
    await store.add(request('r-0000000e', 105, 'cancelled-bot', 100));
    await store.close('r-0000000e', 'cancelled', 'alice', 'cancelled by alice', now);
    await makeReportHandler(deps(prefix))(emptyRun('run-1', now.toISOString()));
    expect(told('r-0000000e')).toBe(0);
    expect(await store.get('r-0000000e')).toMatchObject({ status: 'cancelled' });
  });
});
