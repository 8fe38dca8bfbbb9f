import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { planAlerts, stateKey, type AlertState } from '../../src/alerts/plan-alerts.js';
import { routeDigests } from '../../src/alerts/slack/digest-messages.js';
import { DEFAULT_ROUTE } from '../../src/alerts/route-findings.js';
import { runCli } from '../../src/app/cli/run-cli.js';
import type { ActionOutcome } from '../../src/app/slack-actions/action-deps.js';
import { makeWorkerActionHandler } from '../../src/app/slack-actions/make-worker-action-handler.js';
import { parseConfig } from '../../src/config/load-config.js';
import { buttonOptionsOf } from '../../src/config/button-options.js';
import { createSecrets } from '../../src/config/secrets.js';
import { applyMutes } from '../../src/core/mute.js';
import type { Finding } from '../../src/core/finding.js';
import { createGcoreApi } from '../../src/gcore/create-gcore-api.js';
import { createRequestLimiter } from '../../src/gcore/request-limiter.js';
import { createActionStore } from '../../src/store/action-store.js';
import { createAlertStateStore } from '../../src/store/alert-state-store.js';
import { createMuteStore, toMute } from '../../src/store/mute-store.js';
import { createRevocationStore } from '../../src/store/revocation-store.js';
import { storeKeys } from '../../src/store/store-keys.js';
import { finding } from '../support/findings.js';
import { gcoreToken, startGcoreStandIn, type GcoreStandIn } from '../support/gcore-stand-in.js';
import { logSink } from '../support/log-sink.js';
import { blockActions, CHANNEL, MESSAGE_TS, muteSubmission, nextActionTs, recordingWeb, type Person } from '../support/slack-payloads.js';
import { testRedis } from '../support/store-fixtures.js';

const { redis, prefix: base } = testRedis();
const now = new Date('2026-12-05T09:00:00Z');
const DAY = 86_400_000;
const ALICE: Person = { id: 'UALICE01', username: 'alice' };
const BOB: Person = { id: 'UBOB0001', username: 'bob' };
const CAROL: Person = { id: 'UCAROL01', username: 'carol' };
const EVE: Person = { id: 'UEVE0001', username: 'eve' };
const env = { SLACK_APP_TOKEN: 'xapp-1-app-secret', SLACK_BOT_TOKEN: 'xoxb-bot-secret', AUDIT_KEY: '900_audit-secret', DELETE_KEY: '901_delete-secret' };
const admin = finding(101, 'never-expiring-admin', 'critical');
const orphan = finding(102, 'orphaned', 'high');
let gcore: GcoreStandIn;
let prefix = '';
let n = 0;

afterAll(async () => {
  await Promise.all([redis.quit(), gcore.close()]);
});

beforeEach(async () => {
  prefix = `${base}-act-${(n += 1)}`;
  if (gcore) {
    await gcore.close();
  }
  gcore = await startGcoreStandIn();
  gcore.keys.set(env.AUDIT_KEY, 456);
  gcore.keys.set(env.DELETE_KEY, 456);
  gcore.accounts.set(456, new Map<number, unknown>([[101, gcoreToken(101)], [102, gcoreToken(102)], [901, gcoreToken(901)]]));
  // Both findings told eight days ago: a reminder is due (renotifyAfterHours 168).
  const told = (f: Finding): AlertState => ({ key: stateKey(DEFAULT_ROUTE, f.id), route: DEFAULT_ROUTE, finding: f, firstSeen: new Date(now.getTime() - 20 * DAY).toISOString(), lastSeen: now.toISOString(), lastNotified: new Date(now.getTime() - 8 * DAY).toISOString() });
  await redis.hset(storeKeys(prefix).findings, ...[admin, orphan].flatMap((f) => [told(f).key, JSON.stringify(told(f))]));
  await redis.set(storeKeys(prefix).version, '1');
});

function setup(allowed: { users?: string[]; userGroups?: string[] } = { users: [ALICE.id, BOB.id], userGroups: ['S0SECURITY'] }) {
  const config = parseConfig(
    {
      accounts: [{ clientId: 456, apiKeyEnv: 'AUDIT_KEY', remediationKeyEnv: 'DELETE_KEY' }],
      actions: { allowed },
      remediation: { enabled: true },
      gcore: { retries: 1, timeoutMs: 2000 },
    },
    { ...env, GCORE_API_URL: gcore.url },
  );
  const { web, calls } = recordingWeb({ S0SECURITY: [CAROL.id] });
  const secrets = createSecrets(env);
  const limiter = createRequestLimiter({ concurrency: 1 });
  const api = createGcoreApi({ ...config.gcore, limiter, retryBaseDelayMs: 1 });
  const logs = logSink();
  const logger = pino({ level: 'debug' }, logs);
  const counted: [string, ActionOutcome][] = [];
  const store = createActionStore(redis, prefix);
  const revocations = createRevocationStore(redis, prefix);
  const handler = makeWorkerActionHandler({
    config,
    secrets,
    redis,
    prefix,
    web,
    api,
    limiter,
    clock: () => now,
    logger,
    onAction: (action, outcome) => counted.push([action, outcome]),
    retryBaseDelayMs: 1,
  });
  // The message as the worker posts it: the digest of these findings, with buttons.
  const [digest] = routeDigests(planAlerts(new Map(), [admin, orphan], { results: [] }, { now, minSeverity: 'low', renotifyAfterHours: 168, routes: [] }), {
    stateless: false, runId: 'r1', trigger: 'schedule', now, settings: config.notify.slack, listing: 'findings', actions: buttonOptionsOf(config),
  });
  const message = JSON.parse(JSON.stringify(digest?.messages[0])) as { text: string; blocks: Record<string, unknown>[] };
  const blockOf = (value: string) => message.blocks.find((b) => b.type === 'actions' && JSON.stringify(b).includes(`"value":"${value}"`))?.block_id as string;
  /** One interaction as the listener runs it: the acknowledgement, then the work after it. */
  const deliver = async (type: 'block_actions' | 'view_submission', payload: unknown) => {
    const outcome = await handler({ type, payload });
    await outcome.after?.();
    return outcome;
  };
  const click = (who: Person, action: string, value: string, on = message, actionTs?: string) =>
    deliver('block_actions', blockActions(who, action, value, blockOf(value.includes('/') ? value : '456/101') ?? 'token-0', on, actionTs));
  return { config, calls, counted, logs, store, revocations, message, blockOf, deliver, click };
}

async function cli(args: string[]) {
  let stdout = '';
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: () => true },
    env: { REDIS_URL: process.env.REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent' },
    clock: () => now,
  });
  return { code, stdout };
}

async function remindersAfter(store: ReturnType<typeof createActionStore>, at: Date) {
  const { states } = await createAlertStateStore(redis, prefix).load();
  const plan = planAlerts(states, [admin, orphan], { results: [] }, { now: at, minSeverity: 'low', renotifyAfterHours: 168, routes: [], acknowledged: new Set((await store.acknowledged(at)).keys()) });
  return plan.routes[0]?.reminders.map((s) => s.finding.tokenId);
}

describe('acting from Slack: the handler on a real Redis', () => {
  it('records an allowed Acknowledge, rewrites the message in place, and the next reminder skips the token', async () => {
    const s = setup();
    expect(await remindersAfter(s.store, now)).toEqual([101, 102]);
    const outcome = await s.click(ALICE, 'acknowledge', '456/101');
    expect(outcome.ack).toEqual({});
    expect([...(await s.store.acknowledged(now)).values()]).toEqual([
      { findingId: admin.id, clientId: 456, tokenId: 101, rule: 'never-expiring-admin', by: ALICE.id, name: 'alice', at: now.toISOString(), until: new Date(now.getTime() + 7 * DAY).toISOString() },
    ]);
    const [update] = s.calls.updates;
    expect(update).toMatchObject({ channel: CHANNEL, ts: MESSAGE_TS, text: s.message.text });
    const replaced = update?.blocks.find((b) => (b as { block_id?: string }).block_id === s.blockOf('456/101'));
    expect(JSON.stringify(replaced)).toContain('✅ Acknowledged by <@UALICE01> at 09:00 UTC: reminders skip it until 2026-12-12');
    expect(update?.blocks.filter((b) => (b as { type: string }).type === 'actions')).toHaveLength(1);
    expect(s.counted).toEqual([['acknowledge', 'applied']]);
    expect(await remindersAfter(s.store, now)).toEqual([102]);
    // ackDays later it is reminded again.
    expect(await remindersAfter(s.store, new Date(now.getTime() + 7 * DAY))).toEqual([101, 102]);
    const listed = JSON.parse((await cli(['findings', '--format', 'json'])).stdout) as { tokenId: number; acknowledged?: unknown }[];
    expect(listed.find((f) => f.tokenId === 101)?.acknowledged).toEqual({ by: ALICE.id, name: 'alice', at: now.toISOString(), until: '2026-12-12T09:00:00.000Z' });
    expect(listed.find((f) => f.tokenId === 102)).not.toHaveProperty('acknowledged');
  });

  it('mutes through the modal as `mute add` does: checked, kept open on errors, applied by the next run, listed by `mute list`', async () => {
    const s = setup();
    await s.click(BOB, 'mute', '456/102');
    expect(s.counted).toEqual([['mute', 'opened']]);
    const [opened] = s.calls.views;
    expect(opened?.triggerId).toBe('13345224609.738474920.8088930838d88f008e0');
    const view = opened?.view ?? {};
    expect(view).toMatchObject({ type: 'modal', callback_id: 'mute' });

    const blank = await s.deliver('view_submission', muteSubmission(BOB, view, '\u200b', '2026-12-20'));
    expect(blank.ack).toEqual({ response_action: 'errors', errors: { reason: 'say why, in visible characters (only invisible ones were given)' } });
    const far = await s.deliver('view_submission', muteSubmission(BOB, view, 'rotating Friday', '2027-12-20'));
    expect(far.ack).toMatchObject({ response_action: 'errors', errors: { until: expect.stringContaining('at most mutes.maxDays (90) days ahead') } });
    expect(await createMuteStore(redis, prefix).list()).toEqual([]);

    const ok = await s.deliver('view_submission', muteSubmission(BOB, view, 'rotating <Friday> & co', '2026-12-20'));
    expect(ok.ack).toEqual({});
    const [stored] = await createMuteStore(redis, prefix).list();
    expect(stored).toMatchObject({ rule: null, clientId: 456, tokenId: 102, reason: 'rotating <Friday> & co', by: 'slack:UBOB0001 (bob)', untilText: '2026-12-20' });
    const applied = applyMutes([admin, orphan], [toMute(stored as NonNullable<typeof stored>, 90)], now).findings;
    expect(applied.map((f) => [f.tokenId, f.muted])).toEqual([[101, false], [102, true]]);
    expect((await cli(['mute', 'list'])).stdout).toContain('slack:UBOB0001 (bob)');
    const update = s.calls.updates.at(-1);
    expect(JSON.stringify(update?.blocks)).toContain('🔇 Muted until 2026-12-20 by <@UBOB0001>: rotating &lt;Friday&gt; &amp; co');
    expect(s.counted.slice(1)).toEqual([['mute', 'invalid'], ['mute', 'invalid'], ['mute', 'applied']]);
    // Slack delivers the same submission again: one mute.
    await s.deliver('view_submission', muteSubmission(BOB, view, 'rotating <Friday> & co', '2026-12-20'));
    expect(await createMuteStore(redis, prefix).list()).toHaveLength(1);
  });

  it('changes nothing for a user outside the allow-list, and says so to them only', async () => {
    const s = setup();
    for (const action of ['acknowledge', 'mute', 'request-revocation']) {
      await s.click(EVE, action, '456/101');
    }
    await s.click(EVE, 'approve-revocation', 'r-0000abcd');
    expect(s.calls.ephemeral.map((e) => [e.user, e.text])).toEqual([
      [EVE.id, 'You are not allowed to acknowledge findings here (actions.allowed): nothing was done.'],
      [EVE.id, 'You are not allowed to mute findings here (actions.allowed): nothing was done.'],
      [EVE.id, 'You are not allowed to request a revocation here (actions.allowed): nothing was done.'],
      [EVE.id, 'You are not allowed to approve a revocation here (actions.allowed): nothing was done.'],
    ]);
    expect([s.calls.updates, s.calls.views, await s.store.acknowledged(now), await s.revocations.list()]).toEqual([[], [], new Map(), []]);
    const refused = await s.deliver('view_submission', muteSubmission(EVE, { callback_id: 'mute', private_metadata: JSON.stringify({ token: '456/101', channel: CHANNEL, messageTs: MESSAGE_TS, blockId: 'token-0' }) }, 'x', '2026-12-20'));
    expect(refused.ack).toEqual({ response_action: 'errors', errors: { reason: 'You are not allowed to mute here (actions.allowed).' } });
    expect(await createMuteStore(redis, prefix).list()).toEqual([]);
    expect(s.counted.every(([, outcome]) => outcome === 'refused')).toBe(true);
  });

  it('admits the members of an allowed user group, asking Slack once a minute at most', async () => {
    const s = setup({ userGroups: ['S0SECURITY'] });
    await s.click(CAROL, 'acknowledge', '456/101');
    await s.click(CAROL, 'acknowledge', '456/102');
    expect(s.counted).toEqual([['acknowledge', 'applied'], ['acknowledge', 'applied']]);
    expect(s.calls.groupLookups).toBe(1);
    await s.click(ALICE, 'acknowledge', '456/101');
    expect(s.counted.at(-1)).toEqual(['acknowledge', 'refused']);
  });

  it('does nothing for a forged or stale button, and says so', async () => {
    const s = setup();
    await s.click(ALICE, 'acknowledge', '456/999');
    await s.click(ALICE, 'mute', '999/101');
    await s.click(ALICE, 'acknowledge', 'DROP TABLE');
    await s.click(ALICE, 'approve-revocation', 'r-12345678');
    expect(s.calls.ephemeral.map((e) => e.text)).toEqual([
      'Token 999 (account 456) has no open finding any more: nothing was done.',
      'Token 101 (account 999) has no open finding any more: nothing was done.',
      'This button names no token: nothing was done.',
      'This button names no revocation kept here: nothing was done.',
    ]);
    expect(s.counted.map(([, o]) => o)).toEqual(['stale', 'stale', 'invalid', 'invalid']);
    expect([s.calls.updates, s.calls.views, await s.store.acknowledged(now)]).toEqual([[], [], new Map()]);
    // A payload of an unknown shape (an action id of another app) is acknowledged and ignored.
    const other = blockActions(ALICE, 'delete-everything', '456/101', 'token-0', s.message);
    expect(await s.deliver('block_actions', other)).toEqual({ ack: {} });
    expect(s.logs.text()).not.toContain('verification-token-never-logged');
  });

  it('applies an action Slack delivers twice once', async () => {
    const s = setup();
    const actionTs = nextActionTs();
    await s.click(ALICE, 'request-revocation', '456/101', s.message, actionTs);
    await s.click(ALICE, 'request-revocation', '456/101', s.message, actionTs);
    expect(await s.revocations.list()).toHaveLength(1);
    expect(s.calls.updates).toHaveLength(1);
    expect(s.counted).toEqual([['request-revocation', 'applied'], ['request-revocation', 'duplicate']]);
  });

  it('refuses the approval of whoever requested the revocation, and revokes once for another person', async () => {
    const s = setup();
    await s.click(ALICE, 'request-revocation', '456/101');
    const [record] = await s.revocations.list();
    expect(record).toMatchObject({ status: 'pending', clientId: 456, tokenId: 101, requestedBy: 'slack:UALICE01 (alice)', findings: [admin.id] });
    const asked = s.calls.updates[0];
    const approveBlock = asked?.blocks.find((b) => JSON.stringify(b).includes('approve-revocation')) as Record<string, unknown>;
    expect(JSON.stringify(approveBlock)).toContain(`Revocation ${record?.id} requested by <@UALICE01> at 09:00 UTC: another person approves`);
    const afterRequest = { text: s.message.text, blocks: asked?.blocks as Record<string, unknown>[] };
    const approve = (who: Person) =>
      s.deliver('block_actions', blockActions(who, 'approve-revocation', record?.id ?? '', approveBlock.block_id as string, afterRequest));

    await approve({ id: ALICE.id, username: 'Alice Renamed' });
    expect(s.calls.ephemeral.at(-1)?.text).toBe(`You asked for revocation ${record?.id} and cannot also approve it: another person must.`);
    expect(gcore.deletes).toBe(0);

    await approve(BOB);
    expect(gcore.deletes).toBe(1);
    expect(gcore.accounts.get(456)?.has(101)).toBe(false);
    expect(await s.revocations.get(record?.id ?? '')).toMatchObject({ status: 'done', approvedBy: 'slack:UBOB0001 (bob)', outcome: 'deleted' });
    expect(JSON.stringify(s.calls.updates.at(-1)?.blocks)).toContain(`🗑️ Revoked (${record?.id}), approved by <@UBOB0001>: deleted`);

    await approve(CAROL);
    await approve(BOB);
    expect(gcore.deletes).toBe(1);
    expect(s.counted.map(([a, o]) => `${a}:${o}`)).toEqual([
      'request-revocation:applied',
      'approve-revocation:refused',
      'approve-revocation:applied',
      'approve-revocation:stale',
      'approve-revocation:stale',
    ]);
    expect(JSON.stringify(await redis.hgetall(`${prefix}:revoke:requests`))).not.toMatch(/secret/);
  });
});
