import { afterEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { randomUUID } from 'node:crypto';
import { SlackApiError } from '../../src/core/errors.js';
import { redact } from '../../src/core/redact.js';
import type { Interaction, InteractionHandler, InteractionOutcome } from '../../src/app/slack-actions/interaction.js';
import { startSocketListener, type SocketListener } from '../../src/app/slack-actions/socket-listener.js';
import { webClientSlackWeb } from '../../src/app/slack-actions/web-client-slack-web.js';
import type { Delivery } from '../../src/app/slack-actions/deliver-interaction.js';
import { logSink } from '../support/log-sink.js';
import { startSlackSocketStandIn, until, type SlackSocketStandIn } from '../support/slack-socket-stand-in.js';

// Short lease and reconnection steps so a takeover takes a second or two, not the production 15 s.
const LEASE = { ttlMs: 1000, renewMs: 200, retryMs: 100 };

const started: { stop: () => Promise<unknown> }[] = [];
afterEach(async () => {
  for (const s of started.reverse()) {
    await s.stop();
  }
  started.length = 0;
});

async function standIn(): Promise<SlackSocketStandIn> {
  const slack = await startSlackSocketStandIn();
  started.push({ stop: () => slack.close() });
  return slack;
}

/** A click on a button, as Slack documents block_actions. */
function click(actionTs = `${Date.now() / 1000}`, user = 'U0ALLOWED') {
  return {
    type: 'block_actions',
    user: { id: user, username: 'ana', name: 'ana' },
    container: { type: 'message', message_ts: '1733300000.000100', channel_id: 'C0ALERTS' },
    channel: { id: 'C0ALERTS' },
    message: { ts: '1733300000.000100', text: 'digest' },
    trigger_id: '1337.42.abcd',
    actions: [{ action_id: 'acknowledge', block_id: 'b1', value: 'finding-1', type: 'button', action_ts: actionTs }],
  };
}

/** A handler that counts what it is given; its work waits on `gate` when one is set. */
function countingHandler(outcome: (i: Interaction) => Omit<InteractionOutcome, 'after'> = () => ({})) {
  const calls: Interaction[] = [];
  const worked: Interaction[] = [];
  const state: { gate: Promise<void> | null } = { gate: null };
  const handler: InteractionHandler = (interaction) => {
    calls.push(interaction);
    return Promise.resolve({
      ...outcome(interaction),
      after: async () => {
        await state.gate;
        worked.push(interaction);
      },
    });
  };
  return { handler, calls, worked, state };
}

interface Replica {
  listener: SocketListener;
  redis: Redis;
  deliveries: Delivery[];
}

function replica(slack: SlackSocketStandIn, prefix: string, handler: InteractionHandler, opts: { appToken?: string; logger?: pino.Logger } = {}): Replica {
  const redis = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
  const deliveries: Delivery[] = [];
  const listener = startSocketListener({
    appToken: opts.appToken ?? slack.appToken,
    apiUrl: slack.apiUrl,
    redis,
    prefix,
    handler,
    logger: opts.logger ?? pino({ level: 'silent' }),
    redact: (text) => redact(text, [slack.appToken, slack.botToken]),
    lease: LEASE,
    reconnectStepMs: 200,
    onDelivery: (d) => deliveries.push(d),
  });
  started.push({
    stop: async () => {
      await listener.close();
      // A replica the test killed has lost its Redis already.
      if (redis.status !== 'end') {
        redis.disconnect();
      }
    },
  });
  return { listener, redis, deliveries };
}

describe('Slack Socket Mode listener (the real SDK against the stand-in, real Redis)', () => {
  it('acknowledges an envelope before its work runs, with the handler called once', async () => {
    const slack = await standIn();
    const counting = countingHandler();
    let open!: () => void;
    counting.state.gate = new Promise<void>((resolve) => (open = resolve));
    const r = replica(slack, `s${randomUUID().slice(0, 8)}`, counting.handler);
    await slack.waitForOpen(1);
    const id = slack.push(click());
    // The work is held until the acknowledgement has reached Slack: an ack sent after the work never comes.
    try {
      await slack.waitForAck(id);
      expect(counting.worked).toHaveLength(0);
    } finally {
      open();
    }
    await until(() => counting.worked.length === 1, 'the work after the acknowledgement');
    expect(counting.calls).toHaveLength(1);
    expect(counting.calls[0]?.type).toBe('block_actions');
    expect(r.deliveries).toEqual(['applied']);
    expect(r.listener.state()).toBe('up');
  });

  it("acknowledges with the handler's body (a modal's errors)", async () => {
    const slack = await standIn();
    const errors = { response_action: 'errors', errors: { reason: 'A reason is required' } };
    const counting = countingHandler(() => ({ ack: errors }));
    replica(slack, `s${randomUUID().slice(0, 8)}`, counting.handler);
    await slack.waitForOpen(1);
    const id = slack.push({ type: 'view_submission', user: { id: 'U0ALLOWED' }, view: { id: 'V1', callback_id: 'mute', state: { values: {} } } });
    expect((await slack.waitForAck(id)).payload).toEqual(errors);
  });

  it('acknowledges an interaction it does not act on (a closed modal) without calling the handler', async () => {
    const slack = await standIn();
    const counting = countingHandler();
    const r = replica(slack, `s${randomUUID().slice(0, 8)}`, counting.handler);
    await slack.waitForOpen(1);
    await slack.waitForAck(slack.push({ type: 'view_closed', user: { id: 'U0ALLOWED' }, view: { id: 'V1' } }));
    await until(() => r.deliveries.length === 1, 'the delivery');
    expect(r.deliveries).toEqual(['ignored']);
    expect(counting.calls).toHaveLength(0);
  });

  it('reconnects after the socket drops and after Slack says disconnect, and takes the next envelope', async () => {
    const slack = await standIn();
    const counting = countingHandler();
    replica(slack, `s${randomUUID().slice(0, 8)}`, counting.handler);
    await slack.waitForOpen(1);
    slack.drop();
    await until(() => slack.opened() === 2 && slack.open() === 1, 'a second socket after the drop');
    await slack.waitForAck(slack.push(click('1.1')));
    slack.disconnect();
    await until(() => slack.opened() === 3 && slack.open() === 1, 'a third socket after disconnect');
    await slack.waitForAck(slack.push(click('1.2')));
    await until(() => counting.worked.length === 2, 'both envelopes worked');
    expect(slack.calls.filter((c) => c.method === 'apps.connections.open').map((c) => c.token)).toEqual(['app', 'app', 'app']);
  });

  it('keeps trying while Slack refuses to open a socket, says why, and connects once Slack accepts again', async () => {
    const slack = await standIn();
    slack.refuseConnections('internal_error');
    const counting = countingHandler();
    const r = replica(slack, `s${randomUUID().slice(0, 8)}`, counting.handler);
    await until(() => slack.calls.filter((c) => c.method === 'apps.connections.open').length >= 3, 'three attempts');
    expect(r.listener.state()).toBe('connecting');
    expect(r.listener.problem()).toContain('internal_error');
    slack.refuseConnections(null);
    await slack.waitForOpen(1, 10_000);
    await until(() => r.listener.state() === 'up', 'up');
    expect(r.listener.problem()).toBeNull();
    await slack.waitForAck(slack.push(click()));
  });

  it('applies an interaction delivered twice once', async () => {
    const slack = await standIn();
    const counting = countingHandler();
    const r = replica(slack, `s${randomUUID().slice(0, 8)}`, counting.handler);
    await slack.waitForOpen(1);
    const payload = click('1733300100.123456');
    await slack.waitForAck(slack.push(payload));
    await slack.waitForAck(slack.push(payload));
    await until(() => r.deliveries.length === 2, 'both deliveries');
    expect(r.deliveries).toEqual(['applied', 'duplicate']);
    expect(counting.calls).toHaveLength(1);
    // Another click on the same button is another action.
    await slack.waitForAck(slack.push(click('1733300101.000001')));
    await until(() => counting.worked.length === 2, 'the second click worked');
  });

  it('applies nothing once its lease is lost, and disconnects', async () => {
    const slack = await standIn();
    const prefix = `s${randomUUID().slice(0, 8)}`;
    const counting = countingHandler();
    const r = replica(slack, prefix, counting.handler);
    await slack.waitForOpen(1);
    // The lease ran out while this replica was paused and another took it: it has not noticed yet.
    await r.redis.set(`${prefix}:slack:socket-lease`, '99:another-replica', 'PX', 60_000);
    const id = slack.push(click());
    await until(() => r.deliveries.length === 1, 'the delivery');
    expect(r.deliveries).toEqual(['not-holder']);
    expect(counting.calls).toHaveLength(0);
    expect(slack.acks.some((a) => a.envelopeId === id)).toBe(false);
    await until(() => slack.open() === 0, 'the socket closed');
  });

  it('two replicas, one dies: the other takes the lease and the next envelope, and nothing is applied twice', async () => {
    const slack = await standIn();
    const prefix = `s${randomUUID().slice(0, 8)}`;
    const counting = countingHandler();
    const a = replica(slack, prefix, counting.handler);
    await slack.waitForOpen(1);
    const b = replica(slack, prefix, counting.handler);
    expect(b.listener.state()).toBe('standby');
    const first = click('1733300200.000001');
    await slack.waitForAck(slack.push(first));
    await until(() => counting.worked.length === 1, 'the first envelope worked');
    expect(a.listener.state()).toBe('up');

    // A dies: its Redis goes with it (nothing released), then its socket.
    a.redis.disconnect();
    await a.listener.close();
    await until(() => b.listener.state() === 'up', 'the other replica up', 5000);
    expect(slack.open()).toBe(1);
    // Slack delivers the first click again (its acknowledgement was lost with A), then a new one.
    await slack.waitForAck(slack.push(first));
    await slack.waitForAck(slack.push(click('1733300200.000002')));
    await until(() => b.deliveries.length === 2, "B's deliveries");
    expect(b.deliveries).toEqual(['duplicate', 'applied']);
    expect(counting.calls).toHaveLength(2);
    expect(new Set(counting.calls.map((c) => (c.payload as { actions: { action_ts: string }[] }).actions[0]?.action_ts)).size).toBe(2);
  });

  it('never writes the app or bot token to the log, even when Slack refuses one or a failure quotes it', async () => {
    const slack = await standIn();
    const sink = logSink();
    const logger = pino({ level: 'trace' }, sink);
    const failing: InteractionHandler = () => Promise.reject(new Error(`could not use ${slack.botToken} or ${slack.appToken}`));
    const r = replica(slack, `s${randomUUID().slice(0, 8)}`, failing, { logger });
    await slack.waitForOpen(1);
    await slack.waitForAck(slack.push(click()));
    await until(() => r.deliveries.length === 1, 'the delivery');
    expect(r.deliveries).toEqual(['failed']);
    // A replica with a wrong app token: Slack answers invalid_auth.
    const wrong = `xapp-1-A0TEST-${randomUUID().replaceAll('-', '')}`;
    replica(slack, `s${randomUUID().slice(0, 8)}`, failing, { logger, appToken: wrong });
    await until(() => sink.text().includes('invalid_auth'), 'the refusal logged');
    expect(sink.text()).toContain('the action handler failed');
    for (const token of [slack.appToken, slack.botToken, wrong]) {
      expect(sink.text()).not.toContain(token);
    }
  });
});

describe('SlackWeb over the Web API client (the real SDK against the stand-in)', () => {
  it('calls chat.update, views.open, chat.postEphemeral and usergroups.users.list with the bot token', async () => {
    const slack = await standIn();
    slack.userGroups.set('S0SEC', ['U1', 'U2']);
    const web = webClientSlackWeb({ botToken: slack.botToken, apiUrl: slack.apiUrl, logger: pino({ level: 'silent' }), redact: (t) => t });
    await web.updateMessage('C0ALERTS', '1733300000.000100', 'Acknowledged', [{ type: 'section', text: { type: 'mrkdwn', text: 'Acknowledged' } }]);
    await web.openView('1337.42.abcd', { type: 'modal', callback_id: 'mute' });
    await web.postEphemeral('C0ALERTS', 'U9', 'you are not allowed to acknowledge');
    expect(await web.userGroupMembers('S0SEC')).toEqual(['U1', 'U2']);
    expect(slack.calls.map((c) => [c.method, c.token])).toEqual([
      ['chat.update', 'bot'],
      ['views.open', 'bot'],
      ['chat.postEphemeral', 'bot'],
      ['usergroups.users.list', 'bot'],
    ]);
    expect(slack.calls[0]?.args).toMatchObject({ channel: 'C0ALERTS', ts: '1733300000.000100', text: 'Acknowledged', blocks: [{ type: 'section' }] });
    expect(slack.calls[1]?.args).toMatchObject({ trigger_id: '1337.42.abcd', view: { callback_id: 'mute' } });
  });

  it("fails with Slack's error code, never the token", async () => {
    const slack = await standIn();
    const wrong = `xoxb-${randomUUID()}`;
    const web = webClientSlackWeb({ botToken: wrong, apiUrl: slack.apiUrl, logger: pino({ level: 'silent' }), redact: (t) => t, retries: 0 });
    const error = await web.postEphemeral('C0ALERTS', 'U9', 'hello').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackApiError);
    expect((error as SlackApiError).message).toBe('Slack chat.postEphemeral failed: invalid_auth');
    const good = webClientSlackWeb({ botToken: slack.botToken, apiUrl: slack.apiUrl, logger: pino({ level: 'silent' }), redact: (t) => t, retries: 0 });
    await expect(good.userGroupMembers('S0NONE')).rejects.toThrow('Slack usergroups.users.list failed: no_such_subteam');
  });
});
