import { describe, expect, it } from '@jest/globals';
import { planAlerts } from '../../src/alerts/plan-alerts.js';
import { routeDigests } from '../../src/alerts/slack/digest-messages.js';
import { layoutNewTokens } from '../../src/alerts/slack/layout-new-tokens.js';
import { fitMessage } from '../../src/alerts/slack/fit-message.js';
import type { ActionsBlock, Block, SlackMessage } from '../../src/alerts/slack/slack-message.js';
import { SLACK_LIMITS } from '../../src/alerts/slack/slack-message.js';
import { parseConfig } from '../../src/config/load-config.js';
import { buttonOptionsOf } from '../../src/config/button-options.js';
import { finding } from '../support/findings.js';
import { expectWithinSlackLimits } from '../support/estate.js';
import { NOW } from '../support/tokens.js';
import { samplePayloads } from '../support/sample-payloads.js';

const actionBlocks = (m: SlackMessage) => m.blocks.filter((b): b is ActionsBlock => b.type === 'actions');
const settings = { minSeverity: 'low' as const, renotifyAfterHours: 168, maxMessagesPerRun: 3, detailSeverity: 'high' as const, routes: [] };
const digestOf = (findings: ReturnType<typeof finding>[], actions = { remediation: false }, budget = 3) =>
  routeDigests(planAlerts(new Map(), findings, { results: [] }, { now: NOW, minSeverity: 'low', renotifyAfterHours: 168, routes: [] }), {
    stateless: false,
    runId: 'r1',
    trigger: 'schedule',
    now: NOW,
    settings: { ...settings, maxMessagesPerRun: budget },
    listing: 'findings',
    actions,
  })[0]?.messages ?? [];

describe('buttons on critical and high tokens (acting from Slack)', () => {
  it('puts Acknowledge and Mute… right under each critical or high token, none under a medium one', () => {
    const [m] = digestOf([finding(1, 'never-expiring-admin', 'critical'), finding(2, 'orphaned', 'high'), finding(3, 'stale', 'medium')]);
    const blocks = (m as SlackMessage).blocks;
    const buttons = actionBlocks(m as SlackMessage);
    expect(buttons.map((b) => b.elements.map((e) => [e.action_id, e.value]))).toEqual([
      [['acknowledge', '456/1'], ['mute', '456/1']],
      [['acknowledge', '456/2'], ['mute', '456/2']],
    ]);
    for (const b of buttons) {
      const above = blocks[blocks.indexOf(b) - 1] as Extract<Block, { type: 'section' }>;
      expect(above.text.text).toContain(`(token ${(b.elements[0]?.value ?? '').split('/')[1]})`);
    }
    expect(JSON.stringify(m)).not.toMatch(/"value":"456\/3"/);
  });

  it('offers Request revocation only with remediation on', () => {
    const [m] = digestOf([finding(1, 'never-expiring-admin', 'critical')], { remediation: true });
    expect(actionBlocks(m as SlackMessage)[0]?.elements.map((e) => e.action_id)).toEqual(['acknowledge', 'mute', 'request-revocation']);
  });

  it('carries only ids in a value: never a name written by whoever made the token', () => {
    const [m] = digestOf([finding(1, 'never-expiring-admin', 'critical', { tokenName: 'evil <@U1> & co', owner: 'someone@example.com' })]);
    for (const b of actionBlocks(m as SlackMessage)) {
      for (const e of b.elements) {
        expect(e.value).toMatch(/^\d+\/\d+$/);
      }
    }
  });

  it('keeps each token with its buttons in one message, block ids unique, every message within Slack limits', () => {
    const many = Array.from({ length: 60 }, (_, i) => finding(i + 1, 'orphaned', 'high'));
    const messages = digestOf(many, { remediation: true }, 5);
    expect(messages.length).toBeGreaterThan(1);
    expectWithinSlackLimits(messages);
    for (const m of messages) {
      expect(m.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      expect(fitMessage(m)).toEqual(m);
      const ids = actionBlocks(m).map((b) => b.block_id);
      expect(new Set(ids).size).toBe(ids.length);
      m.blocks.forEach((b, i) => {
        if (b.type === 'actions') {
          expect(m.blocks[i - 1]?.type).toBe('section');
        }
      });
    }
  });

  it('puts buttons under every token of a "New token" message', () => {
    const entry = (tokenId: number) => ({
      clientId: 456, accountName: null, tokenId, tokenName: `t${tokenId}`, issuer: null, role: null, created: null, expDate: null,
      severity: 'high' as const, rules: [{ rule: 'orphaned' as const, severity: 'high' as const, message: 'm' }],
    });
    const [m] = layoutNewTokens({ route: 'default', entries: [entry(7), entry(8)], left: 0 }, { remediation: false });
    expect(actionBlocks(m as SlackMessage).map((b) => [b.block_id, b.elements[0]?.value])).toEqual([['token-0', '456/7'], ['token-1', '456/8']]);
    expectWithinSlackLimits([m as SlackMessage]);
  });

  it('gives the recorded sample its critical and high tokens their buttons: new, reminded and found by the sentinel', () => {
    const values = [...JSON.stringify(samplePayloads({ remediation: true })).matchAll(/"action_id":"acknowledge","text":\{[^}]*\},"value":"([^"]+)"/g)].map((m) => m[1]);
    expect(values).toEqual(['456/1', '456/2', '456/3', '456/900', '456/116', '456/117']);
  });

  it('comes from the configuration: buttons only when both app tokens are set', () => {
    const both = { SLACK_APP_TOKEN: 'xapp-1', SLACK_BOT_TOKEN: 'xoxb-1' };
    expect(buttonOptionsOf(parseConfig({}, {}))).toBeUndefined();
    expect(buttonOptionsOf(parseConfig({}, both))).toEqual({ remediation: false });
    const on = { remediation: { enabled: true, apiKeyEnv: 'DELETE_KEY' } };
    expect(buttonOptionsOf(parseConfig(on, both))).toEqual({ remediation: true });
  });
});
