import { describe, expect, it } from '@jest/globals';
import { parseInteraction } from '../../src/alerts/actions/parse-interaction.js';
import { acknowledgedBlock, approvedBlock, mutedBlock, replaceBlock } from '../../src/alerts/actions/decision-blocks.js';
import { muteModal } from '../../src/alerts/actions/mute-modal.js';
import { parseConfig } from '../../src/config/load-config.js';
import { checkWorkerSecrets } from '../../src/config/check-worker-secrets.js';
import { createSecrets } from '../../src/config/secrets.js';
import { ConfigError } from '../../src/core/errors.js';
import { blockActions, muteSubmission } from '../support/slack-payloads.js';

const ALICE = { id: 'UALICE01', username: 'alice\u200b ' };
const message = { text: 'digest', blocks: [{ type: 'section', block_id: 'a' }, { type: 'actions', block_id: 'token-0' }] };
const where = { clientId: 456, tokenId: 101, channel: 'C0AUDIT01', messageTs: '1764928800.000100', blockId: 'token-0' };

describe('parseInteraction (untrusted payloads)', () => {
  it('reads a documented block_actions click: who (name cleaned), which button, where', () => {
    const parsed = parseInteraction('block_actions', blockActions(ALICE, 'acknowledge', '456/101', 'token-0', message, '1764928900.000001'));
    expect(parsed).toEqual({
      type: 'click',
      kind: 'acknowledge',
      value: '456/101',
      user: { id: 'UALICE01', name: 'alice' },
      triggerId: '13345224609.738474920.8088930838d88f008e0',
      channel: 'C0AUDIT01',
      messageTs: '1764928800.000100',
      blockId: 'token-0',
      actionTs: '1764928900.000001',
      message,
    });
    expect(JSON.stringify(parsed)).not.toContain('verification-token');
  });

  it('refuses what it does not know: another action, two actions, a bad user id, a container that is not the message', () => {
    const click = () => blockActions(ALICE, 'acknowledge', '456/101', 'token-0', message);
    expect(parseInteraction('block_actions', blockActions(ALICE, 'delete', '456/101', 'token-0', message))).toBeNull();
    const two = click();
    two.actions.push(two.actions[0] as (typeof two.actions)[number]);
    expect(parseInteraction('block_actions', two)).toBeNull();
    expect(parseInteraction('block_actions', blockActions({ id: 'alice', username: 'a' }, 'acknowledge', '456/101', 'token-0', message))).toBeNull();
    const moved = click();
    moved.container.message_ts = '1.2';
    expect(parseInteraction('block_actions', moved)).toBeNull();
    expect(parseInteraction('shortcut', click())).toBeNull();
    expect(parseInteraction('block_actions', null)).toBeNull();
  });

  it('reads the Mute… modal it opened, with what was typed, and refuses tampered metadata', () => {
    const view = muteModal(where, 90);
    expect(parseInteraction('view_submission', muteSubmission(ALICE, view, 'rotating', '2026-12-20'))).toEqual({
      type: 'mute',
      viewId: 'V0MUTE01',
      user: { id: 'UALICE01', name: 'alice' },
      where,
      reason: 'rotating',
      until: '2026-12-20',
    });
    expect(parseInteraction('view_submission', muteSubmission(ALICE, view, null, null))).toMatchObject({ reason: '', until: '' });
    const tampered = { ...view, private_metadata: JSON.stringify({ token: '456/101', channel: 'C0AUDIT01', messageTs: '1.1', blockId: 'b', extra: 'x' }) };
    expect(parseInteraction('view_submission', muteSubmission(ALICE, tampered, 'r', '2026-12-20'))).toBeNull();
    expect(parseInteraction('view_submission', muteSubmission(ALICE, { ...view, private_metadata: 'not json' }, 'r', '2026-12-20'))).toBeNull();
    expect(parseInteraction('view_submission', muteSubmission(ALICE, { ...view, callback_id: 'other' }, 'r', '2026-12-20'))).toBeNull();
  });
});

describe('decision blocks', () => {
  const at = new Date('2026-12-05T14:02:00Z');
  it('say who decided and when, in Slack mentions, text from people escaped', () => {
    expect(JSON.stringify(acknowledgedBlock('UALICE01', at, new Date('2026-12-12T14:02:00Z')))).toContain('✅ Acknowledged by <@UALICE01> at 14:02 UTC: reminders skip it until 2026-12-12');
    expect(JSON.stringify(mutedBlock('UBOB0001', '2026-12-20', 'rotating <!channel> &\u200b Friday'))).toContain('Muted until 2026-12-20 by <@UBOB0001>: rotating &lt;!channel&gt; &amp; Friday');
    expect(JSON.stringify(approvedBlock('UBOB0001', 'r-1', false, 'token <b> changed'))).toContain('was not carried out: token &lt;b&gt; changed');
  });

  it('replace only the clicked block, keeping its id; nothing when the block is not in the message', () => {
    const replaced = replaceBlock(message.blocks, 'token-0', { type: 'context', elements: [] });
    expect(replaced).toEqual([message.blocks[0], { type: 'context', elements: [], block_id: 'token-0' }]);
    expect(replaceBlock(message.blocks, 'forged', { type: 'context' })).toBeNull();
  });
});

describe('the worker checks the Slack app tokens before it starts', () => {
  const tokens = { SLACK_APP_TOKEN: 'xapp-1-app-secret', SLACK_BOT_TOKEN: 'xoxb-bot-secret' };
  const problems = (env: Record<string, string>) => {
    try {
      checkWorkerSecrets(parseConfig({}, env), createSecrets({ GCORE_API_KEY: 'k', ...env }), []);
      return [];
    } catch (error) {
      return [...(error as ConfigError).problems];
    }
  };
  it('takes an app-level token and a bot token, and says which is of the wrong kind without its value', () => {
    expect(problems(tokens)).toEqual([]);
    const swapped = problems({ SLACK_APP_TOKEN: tokens.SLACK_BOT_TOKEN, SLACK_BOT_TOKEN: tokens.SLACK_APP_TOKEN });
    expect(swapped).toEqual(['SLACK_APP_TOKEN: expected an app-level token (xapp-…)', 'SLACK_BOT_TOKEN: expected a bot token (xoxb-…)']);
    expect(swapped.join()).not.toContain('secret');
    expect(problems({})).toEqual([]);
  });
});
