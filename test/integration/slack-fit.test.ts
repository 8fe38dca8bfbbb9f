import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SlackRejectedError } from '../../src/core/errors.js';
import { NEW_TOKENS_PER_MESSAGE, type NewTokenEntry } from '../../src/alerts/plan-sentinel.js';
import { layoutNewTokens } from '../../src/alerts/slack/layout-new-tokens.js';
import { createSlackNotifier } from '../../src/alerts/slack/slack-notifier.js';
import type { Block, SlackMessage } from '../../src/alerts/slack/slack-message.js';
import { failure } from '../support/failure.js';
import { startSlackStandIn, type SlackStandIn } from '../support/slack-stand-in.js';

let slack: SlackStandIn;
beforeEach(async () => {
  slack = await startSlackStandIn();
});
afterEach(() => slack.close());

const notifier = () => createSlackNotifier({ webhookUrl: slack.webhookUrl, minIntervalMs: 0, sleep: () => Promise.resolve() });
const section = (text: string): Block => ({ type: 'section', text: { type: 'plain_text', text } });

/** Ten never-expiring Administrators tokens whose every field written by their creator is `&`s (issue 23). */
const ampersandTokens = (): NewTokenEntry[] =>
  Array.from({ length: NEW_TOKENS_PER_MESSAGE }, (_, i) => ({
    clientId: 456,
    accountName: '&'.repeat(200),
    tokenId: i + 1,
    tokenName: '&'.repeat(200),
    issuer: '&'.repeat(200),
    role: '&'.repeat(200),
    created: '2026-11-02T09:41:27.000Z',
    expDate: null,
    severity: 'critical',
    rules: [{ rule: 'never-expiring-admin', severity: 'critical', message: 'Administrators token that never expires.' }],
  }));

describe('Slack message size, through the notifier to a stand-in that enforces Slack’s limits', () => {
  it('gets ten tokens named `&`, with `&` issuer, role and account, accepted in one "New token" message', async () => {
    const messages = layoutNewTokens({ route: 'default', entries: ampersandTokens(), left: 0 });
    await notifier().send(messages);
    expect(slack.posts).toHaveLength(1);
    expect(slack.accepted()).toHaveLength(1);
    expect(slack.accepted()[0]?.raw).toContain('(token 10)');
  });

  it.each<[string, SlackMessage, string]>([
    ['more text than Slack takes in one message', { text: 'x', blocks: Array.from({ length: 5 }, () => section('&amp;'.repeat(540))) }, 'msg_too_long'],
    ['51 blocks', { text: 'x', blocks: Array.from({ length: 51 }, () => section('x')) }, 'invalid_blocks'],
    ['a header of 151 characters', { text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] }, 'invalid_blocks'],
    ['a section of 3001 characters', { text: 'x', blocks: [section('s'.repeat(3001))] }, 'invalid_blocks'],
    ['a context of 11 elements', { text: 'x', blocks: [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }] }, 'invalid_blocks'],
  ])('is refused with 400 like Slack, for %s, and the notifier reports it for good', async (_, message, slackError) => {
    const error = await failure(notifier().send([message]));
    expect(error).toBeInstanceOf(SlackRejectedError);
    expect(error).toMatchObject({ statusCode: 400, slackError });
    expect(slack.posts).toHaveLength(1);
    expect(slack.accepted()).toHaveLength(0);
  });
});
