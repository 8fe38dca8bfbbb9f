import { describe, expect, it } from '@jest/globals';
import { interactionAction, interactionKey } from '../../src/app/slack-actions/interaction-key.js';

const click = (actionTs: string, user = 'U1', messageTs = '1.1') => ({
  type: 'block_actions' as const,
  payload: { user: { id: user }, container: { message_ts: messageTs }, actions: [{ action_id: 'acknowledge', action_ts: actionTs }] },
});
const submission = (values: unknown, viewId = 'V1') => ({
  type: 'view_submission' as const,
  payload: { user: { id: 'U1' }, view: { id: viewId, callback_id: 'mute', state: { values } } },
});

describe('interactionKey: what makes a delivery the same interaction', () => {
  it('is the same for the same click delivered twice, and differs for another click, user or message', () => {
    const key = interactionKey(click('10.1'));
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(interactionKey(click('10.1'))).toBe(key);
    expect(new Set([key, interactionKey(click('10.2')), interactionKey(click('10.1', 'U2')), interactionKey(click('10.1', 'U1', '1.2'))]).size).toBe(4);
  });

  it('tells a modal corrected after its errors from the same submission delivered again', () => {
    const first = interactionKey(submission({ reason: { reason: { value: '' } } }));
    expect(interactionKey(submission({ reason: { reason: { value: '' } } }))).toBe(first);
    expect(interactionKey(submission({ reason: { reason: { value: 'rotating' } } }))).not.toBe(first);
    expect(interactionKey(submission({}, 'V2'))).not.toBe(interactionKey(submission({})));
  });

  it('is null when the payload says nothing that identifies it (the envelope id stands in)', () => {
    expect(interactionKey({ type: 'block_actions', payload: { actions: [{ action_id: 'acknowledge' }] } })).toBeNull();
    expect(interactionKey({ type: 'view_submission', payload: 'nonsense' })).toBeNull();
  });

  it('counts an interaction under its known action or callback id, anything else as "other"', () => {
    const known = new Set(['acknowledge', 'mute']);
    expect(interactionAction(click('1'), known)).toBe('acknowledge');
    expect(interactionAction(submission({}), known)).toBe('mute');
    expect(interactionAction({ type: 'block_actions', payload: { actions: [{ action_id: 'x'.repeat(300) }] } }, known)).toBe('other');
  });
});
