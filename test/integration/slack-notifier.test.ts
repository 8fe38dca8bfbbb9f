import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createSlackNotifier, type SlackNotifierOptions } from '../../src/alerts/slack/slack-notifier.js';
import {
  DeliveryAbortedError,
  SlackDeferredError,
  SlackMessageRejectedError,
  SlackRejectedError,
  SlackUnavailableError,
  SlackWebhookRejectedError,
} from '../../src/core/errors.js';
import type { SlackMessage } from '../../src/alerts/slack/slack-message.js';
import { failure } from '../support/failure.js';
import { startSlackStandIn, type SlackStandIn } from '../support/slack-stand-in.js';

let slack: SlackStandIn;
let sleeps: number[];
beforeEach(async () => {
  slack = await startSlackStandIn();
  sleeps = [];
});
afterEach(() => slack.close());

const message = (n: number): SlackMessage => ({ text: `part ${n}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `body ${n}` } }] });

// Waits are recorded instead of slept: the test asserts what the notifier waits for, not the wall clock.
function notifier(overrides: Partial<SlackNotifierOptions> = {}) {
  return createSlackNotifier({
    webhookUrl: slack.webhookUrl,
    baseDelayMs: 100,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...overrides,
  });
}

describe('Slack notifier', () => {
  it('posts the messages in order with text and blocks, spaced by the minimum interval', async () => {
    const delivered: number[] = [];
    // A clock that moves only by the waits: the request time of a loaded machine does not count.
    let clock = 0;
    const sleep = (ms: number) => {
      sleeps.push(ms);
      clock += ms;
      return Promise.resolve();
    };
    await notifier({ minIntervalMs: 1100, now: () => clock, sleep }).send([message(1), message(2), message(3)], (i) => {
      delivered.push(i);
    });
    expect(slack.accepted().map((p) => p.body.text)).toEqual(['part 1', 'part 2', 'part 3']);
    expect(slack.posts[0]?.body.blocks).toEqual(message(1).blocks);
    expect(delivered).toEqual([0, 1, 2]);
    expect(sleeps.length).toBe(2);
    for (const s of sleeps) {
      expect(s).toBeGreaterThan(1000);
      expect(s).toBeLessThanOrEqual(1100);
    }
  });

  it('waits Retry-After on 429 and resends, once', async () => {
    slack.respond = (n) => (n === 1 ? { status: 429, body: 'rate_limited', headers: { 'retry-after': '3' } } : { status: 200, body: 'ok' });
    await notifier().send([message(1)]);
    expect(slack.posts.length).toBe(2);
    expect(slack.accepted().length).toBe(1);
    expect(sleeps).toContain(3000);
  });

  it('waits at least a second on 429 without Retry-After', async () => {
    slack.respond = (n) => (n === 1 ? { status: 429, body: 'rate_limited' } : { status: 200, body: 'ok' });
    await notifier().send([message(1)]);
    expect(slack.accepted().length).toBe(1);
    expect(sleeps).toContain(1000);
  });

  it('retries 500 with backoff, then succeeds', async () => {
    slack.respond = (n) => (n <= 2 ? { status: 500, body: 'rollup_error' } : { status: 200, body: 'ok' });
    await notifier().send([message(1)]);
    expect(slack.posts.length).toBe(3);
    expect(slack.accepted().length).toBe(1);
    expect(sleeps.filter((s) => s === 100 || s === 200)).toEqual([100, 200]);
  });

  it.each([
    [400, 'invalid_payload'],
    [404, 'no_service'],
    [410, 'channel_is_archived'],
    [403, 'action_prohibited'],
  ])('does not retry %i %s, and says why', async (status, body) => {
    slack.respond = () => ({ status, body });
    const error = await failure(notifier().send([message(1), message(2)]));
    expect(error).toBeInstanceOf(SlackRejectedError);
    expect(error.message).toBe(`Slack rejected the message: HTTP ${status} ${body}`);
    expect(slack.posts.length).toBe(1);
  });

  it.each([
    [400, 'invalid_blocks', SlackMessageRejectedError],
    [400, 'msg_too_long', SlackMessageRejectedError],
    [400, 'invalid_payload', SlackMessageRejectedError],
    [413, 'request_entity_too_large', SlackMessageRejectedError],
    [404, 'no_service', SlackWebhookRejectedError],
    [403, 'invalid_token', SlackWebhookRejectedError],
    [410, 'channel_is_archived', SlackWebhookRejectedError],
    [400, 'channel_is_archived', SlackWebhookRejectedError],
    [400, 'no_active_hooks', SlackWebhookRejectedError],
  ])('tells %i %s apart by class: the message refused, or the webhook', async (status, body, kind) => {
    slack.respond = () => ({ status, body });
    const error = await failure(notifier().send([message(1)]));
    expect(error).toBeInstanceOf(kind);
    expect(error).not.toBeInstanceOf(kind === SlackMessageRejectedError ? SlackWebhookRejectedError : SlackMessageRejectedError);
  });

  it('gives up after its attempts when Slack keeps failing', async () => {
    slack.respond = () => ({ status: 503, body: 'service_unavailable' });
    const error = await failure(notifier({ attempts: 3 }).send([message(1)]));
    expect(error).toBeInstanceOf(SlackUnavailableError);
    expect(error.message).toBe('Slack could not be reached after 3 attempts: HTTP 503 service_unavailable');
    expect(slack.posts.length).toBe(3);
  });

  it('times out a webhook that never answers, and retries', async () => {
    slack.respond = (n) => (n === 1 ? 'hang' : { status: 200, body: 'ok' });
    await notifier({ timeoutMs: 200 }).send([message(1)]);
    expect(slack.posts.length).toBe(2);
    expect(slack.accepted().length).toBe(1);
  });

  it('reports a refused connection without the webhook URL', async () => {
    const url = slack.webhookUrl;
    await slack.close();
    const error = await failure(createSlackNotifier({ webhookUrl: url, attempts: 2, sleep: () => Promise.resolve() }).send([message(1)]));
    expect(error).toBeInstanceOf(SlackUnavailableError);
    expect(error.message).toBe('Slack could not be reached after 2 attempts: network error');
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain('XXXXsecretXXXX');
    slack = await startSlackStandIn(); // for afterEach
  });

  it('stops at the first message that cannot be delivered: later parts are not posted out of order', async () => {
    slack.respond = (n) => (n === 2 ? { status: 400, body: 'invalid_blocks' } : { status: 200, body: 'ok' });
    const delivered: number[] = [];
    await failure(notifier().send([message(1), message(2), message(3)], (i) => void delivered.push(i)));
    expect(delivered).toEqual([0]);
    expect(slack.posts.map((p) => p.body.text)).toEqual(['part 1', 'part 2']);
  });

  it.each([
    ['4000000000', 'seconds'],
    ['61', 'seconds'],
    [new Date(Date.now() + 3_600_000).toUTCString(), 'an HTTP date'],
  ])('does not wait out a Retry-After of %s (%s), beyond 60 s: the delivery is deferred', async (header) => {
    slack.respond = () => ({ status: 429, body: 'rate_limited', headers: { 'retry-after': header } });
    const error = await failure(notifier().send([message(1)]));
    expect(error).toBeInstanceOf(SlackDeferredError);
    expect(error.message).toMatch(/longer than 60 s/);
    expect(sleeps.every((ms) => ms <= 60_000)).toBe(true);
    expect(slack.posts.length).toBe(1);
  });

  it('waits out a Retry-After of exactly 60 s', async () => {
    slack.respond = (n) => (n === 1 ? { status: 429, body: 'rate_limited', headers: { 'retry-after': '60' } } : { status: 200, body: 'ok' });
    await notifier().send([message(1)]);
    expect(sleeps).toContain(60_000);
    expect(slack.accepted().length).toBe(1);
  });

  it.each([403, 500])('redacts a webhook path Slack (or a proxy) echoes in a %i body', async (status) => {
    const path = new URL(slack.webhookUrl).pathname;
    slack.respond = () => ({ status, body: `Denied: POST https://hooks.slack.com${path} ${encodeURIComponent(slack.webhookUrl)}` });
    const error = await failure(notifier({ attempts: 1 }).send([message(1)]));
    expect(error.message).toContain('Denied: POST [REDACTED]');
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toMatch(/XXXXsecretXXXX|services/);
  });

  it('checks its claim before every post, and stops waiting when aborted', async () => {
    let checks = 0;
    await notifier().send([message(1), message(2)], undefined, { beforePost: () => Promise.resolve(void (checks += 1)) });
    expect(checks).toBe(2);

    const stop = new AbortController();
    slack.respond = () => ({ status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } });
    const sending = failure(createSlackNotifier({ webhookUrl: slack.webhookUrl }).send([message(3)], undefined, { signal: stop.signal }));
    while (slack.posts.length < 3) {
      await new Promise((r) => setTimeout(r, 10));
    }
    stop.abort();
    expect(await sending).toBeInstanceOf(DeliveryAbortedError);
  });
});
