import { afterEach, describe, expect, it } from '@jest/globals';
import { createMuteStore } from '../../src/store/mute-store.js';
import { createRevocationStore } from '../../src/store/revocation-store.js';
import type { RunningWorker } from '../../src/app/worker/start-worker.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { blockActions, muteSubmission, type Person } from '../support/slack-payloads.js';
import { startSlackSocketStandIn, until, type SlackSocketStandIn } from '../support/slack-socket-stand-in.js';
import { workerHarness, type Harness } from '../support/worker-harness.js';

// End to end: the worker (the real SDK, WebClient, the action handler) against the Socket Mode stand-in, the
// webhook stand-in, the Gcore stand-in and a real Redis. Short lease and reconnection steps.
const SLACK_ACTIONS = { lease: { ttlMs: 1000, renewMs: 200, retryMs: 100 }, reconnectStepMs: 200 };
const ALICE: Person = { id: 'UALICE01', username: 'alice' };
const BOB: Person = { id: 'UBOB0001', username: 'bob' };
const EVE: Person = { id: 'UEVE0001', username: 'eve' };
const DELETE_KEY = '456_delete-key-for-slack';
const CONFIG = `gcore: { concurrency: 4, retries: 1 }
accounts: [{ clientId: 456, remediationKeyEnv: DELETE_KEY }]
remediation: { enabled: true }
actions: { allowed: { users: [${ALICE.id}, ${BOB.id}] } }
`;

interface Message {
  text: string;
  blocks: Record<string, unknown>[];
}

let h: Harness | undefined;
let socket: SlackSocketStandIn | undefined;
afterEach(async () => {
  await h?.close();
  await socket?.close();
  h = undefined;
  socket = undefined;
});

/** A worker acting from Slack, and the digest it posted (its buttons included) after one run. */
async function interactiveWorker(): Promise<{ h: Harness; slack: SlackSocketStandIn; worker: RunningWorker; digest: Message }> {
  socket = await startSlackSocketStandIn();
  h = await workerHarness({ config: CONFIG, env: { SLACK_APP_TOKEN: socket.appToken, SLACK_BOT_TOKEN: socket.botToken, DELETE_KEY } });
  h.gcore.keys.set(DELETE_KEY, 456);
  // Token 101: an Administrators token that never expires (critical): it carries the buttons.
  h.gcore.accounts.get(456)?.set(101, gcoreToken(101, { exp_date: null, client_user: { ...(gcoreToken(101).client_user as object), role: { id: 1, name: 'Administrators' } } }));
  const worker = await h.startWorker({ slackActions: { apiUrl: socket.apiUrl, ...SLACK_ACTIONS } });
  await socket.waitForOpen(1);
  expect((await h.trigger()).code).not.toBe(2);
  const digest = h.slack.accepted().map((p) => p.body as unknown as Message).find((m) => JSON.stringify(m.blocks).includes('"action_id":"acknowledge"'));
  if (!digest) {
    throw new Error('no digest with buttons was posted');
  }
  return { h, slack: socket, worker, digest };
}

function buttonBlock(message: Message, actionId: string): { blockId: string; value: string } {
  // A button sits in an actions block's elements or as a section's accessory.
  for (const b of message.blocks) {
    const buttons = [...((b.elements as Record<string, unknown>[] | undefined) ?? []), b.accessory as Record<string, unknown> | undefined];
    const found = buttons.find((e) => e?.action_id === actionId);
    if (typeof found?.value === 'string') {
      return { blockId: b.block_id as string, value: found.value };
    }
  }
  throw new Error(`no ${actionId} button`);
}

const click = (slack: SlackSocketStandIn, who: Person, actionId: string, message: Message, actionTs?: string) => {
  const { blockId, value } = buttonBlock(message, actionId);
  return slack.push(blockActions(who, actionId, value, blockId, message, actionTs));
};

const callsOf = (slack: SlackSocketStandIn, method: string) => slack.calls.filter((c) => c.method === method);

describe('acting from Slack through the worker (real SDK, stand-ins, real Redis)', () => {
  it("an allowed Acknowledge is acknowledged on the socket and rewrites the message through chat.update; /healthz and /metrics say the socket's state", async () => {
    const { slack, worker, digest } = await interactiveWorker();
    await slack.waitForAck(click(slack, ALICE, 'acknowledge', digest));
    await until(() => callsOf(slack, 'chat.update').length === 1, 'chat.update');
    const [update] = callsOf(slack, 'chat.update');
    expect(update?.token).toBe('bot');
    expect(JSON.stringify(update?.args.blocks)).toContain('Acknowledged by <@UALICE01>');
    const health = (await (await fetch(`http://127.0.0.1:${worker.healthPort}/healthz`)).json()) as { slack?: unknown };
    expect(health.slack).toEqual({ socket: 'up' });
    const metrics = await (await fetch(`http://127.0.0.1:${worker.healthPort}/metrics`)).text();
    expect(metrics).toContain('token_audit_slack_socket_up 1');
    expect(metrics).toContain('token_audit_slack_actions_total{action="acknowledge",outcome="applied"} 1');
  });

  it('Mute… opens the modal through views.open, and its submission adds the mute', async () => {
    const { h, slack, digest } = await interactiveWorker();
    await slack.waitForAck(click(slack, BOB, 'mute', digest));
    await until(() => callsOf(slack, 'views.open').length === 1, 'views.open');
    const view = callsOf(slack, 'views.open')[0]?.args.view as Record<string, unknown>;
    const id = slack.push(muteSubmission(BOB, view, 'rotating Friday', '2026-12-20'));
    expect((await slack.waitForAck(id)).payload).toEqual({});
    await until(() => callsOf(slack, 'chat.update').length === 1, 'chat.update after the mute');
    expect(await createMuteStore(h.redis, h.prefix).list()).toEqual([expect.objectContaining({ tokenId: 101, reason: 'rotating Friday', by: 'slack:UBOB0001 (bob)' })]);
  });

  it('a user outside the allow-list is told so, ephemerally, and nothing changes', async () => {
    const { h, slack, digest } = await interactiveWorker();
    await slack.waitForAck(click(slack, EVE, 'acknowledge', digest));
    await until(() => callsOf(slack, 'chat.postEphemeral').length === 1, 'the ephemeral refusal');
    expect(callsOf(slack, 'chat.postEphemeral')[0]?.args).toMatchObject({ user: EVE.id, text: expect.stringContaining('not allowed') });
    expect(callsOf(slack, 'chat.update')).toEqual([]);
    expect(await createMuteStore(h.redis, h.prefix).list()).toEqual([]);
  });

  it('a revocation requested from Slack is refused to its requester and carried out once for another person', async () => {
    const { h, slack, digest } = await interactiveWorker();
    await slack.waitForAck(click(slack, ALICE, 'request-revocation', digest));
    await until(() => callsOf(slack, 'chat.update').length === 1, 'the request shown');
    const asked: Message = { text: digest.text, blocks: callsOf(slack, 'chat.update')[0]?.args.blocks as Record<string, unknown>[] };
    await slack.waitForAck(click(slack, ALICE, 'approve-revocation', asked));
    await until(() => callsOf(slack, 'chat.postEphemeral').length === 1, 'the refusal');
    expect(h.gcore.deletes).toBe(0);
    const approval = blockActions(BOB, 'approve-revocation', buttonBlock(asked, 'approve-revocation').value, buttonBlock(asked, 'approve-revocation').blockId, asked);
    await slack.waitForAck(slack.push(approval));
    await until(() => h.gcore.deletes === 1, 'one DELETE');
    // Slack delivers the approval again: nothing more is deleted.
    await slack.waitForAck(slack.push(approval));
    const [record] = await createRevocationStore(h.redis, h.prefix).list();
    expect(record).toMatchObject({ status: 'done', approvedBy: 'slack:UBOB0001 (bob)' });
    expect(h.gcore.deletes).toBe(1);
  });

  it('two replicas, one stopped: the other takes the socket and the next click, and a click delivered again is applied once', async () => {
    const { h, slack, worker, digest } = await interactiveWorker();
    const second = await h.startWorker({ slackActions: { apiUrl: slack.apiUrl, ...SLACK_ACTIONS } });
    const first = click(slack, ALICE, 'acknowledge', digest, '1764929000.000001');
    await slack.waitForAck(first);
    await until(() => callsOf(slack, 'chat.update').length === 1, 'the first update');
    await worker.close(3000);
    await slack.waitForOpen(1, 5000);
    const health = (await (await fetch(`http://127.0.0.1:${second.healthPort}/healthz`)).json()) as { slack?: unknown };
    expect(health.slack).toEqual({ socket: 'up' });
    await slack.waitForAck(click(slack, ALICE, 'acknowledge', digest, '1764929000.000001'));
    await slack.waitForAck(click(slack, BOB, 'mute', digest));
    await until(() => callsOf(slack, 'views.open').length === 1, 'the next click handled by the other replica');
    expect(callsOf(slack, 'chat.update')).toHaveLength(1);
  });

  it('without the app tokens the worker opens no socket and shows no Slack action metrics', async () => {
    socket = await startSlackSocketStandIn();
    h = await workerHarness();
    const worker = await h.startWorker({ slackActions: { apiUrl: socket.apiUrl, ...SLACK_ACTIONS } });
    const metrics = await (await fetch(`http://127.0.0.1:${worker.healthPort}/metrics`)).text();
    expect(metrics).toContain('token_audit_slack_deliveries_total');
    expect(metrics).not.toContain('token_audit_slack_socket_up');
    expect(metrics).not.toContain('token_audit_slack_actions_total{');
    const health = (await (await fetch(`http://127.0.0.1:${worker.healthPort}/healthz`)).json()) as { slack?: unknown };
    expect(health).not.toHaveProperty('slack');
    expect(socket.calls).toEqual([]);
  });
});
