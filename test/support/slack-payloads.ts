import type { SlackWeb } from '../../src/app/slack-actions/interaction.js';

// Interaction payloads as Slack documents them (trimmed of fields the actions never read, but in their shape):
// https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
// https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload

export const CHANNEL = 'C0AUDIT01';
export const MESSAGE_TS = '1764928800.000100';

let ts = 0;
/** A fresh action_ts, as Slack gives each click its own. */
export const nextActionTs = () => `1764928900.${String((ts += 1)).padStart(6, '0')}`;

export interface Person {
  readonly id: string;
  readonly username: string;
}

/** A block_actions payload: `user` clicked the button `actionId` (value `value`) of block `blockId` of `message`. */
export function blockActions(user: Person, actionId: string, value: string, blockId: string, message: { text: string; blocks: unknown[] }, actionTs = nextActionTs()) {
  return {
    type: 'block_actions',
    user: { id: user.id, username: user.username, name: user.username, team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'verification-token-never-logged',
    container: { type: 'message', message_ts: MESSAGE_TS, channel_id: CHANNEL, is_ephemeral: false },
    trigger_id: '13345224609.738474920.8088930838d88f008e0',
    team: { id: 'T0TEAM', domain: 'example' },
    channel: { id: CHANNEL, name: 'security' },
    message: { type: 'message', ts: MESSAGE_TS, text: message.text, blocks: message.blocks },
    response_url: 'https://hooks.slack.com/actions/T0TEAM/1/secret',
    actions: [{ type: 'button', action_id: actionId, block_id: blockId, text: { type: 'plain_text', text: 'x' }, value, action_ts: actionTs }],
  };
}

/** A view_submission of the Mute… modal `view` (as opened), with what the user typed and picked. */
export function muteSubmission(user: Person, view: Record<string, unknown>, reason: string | null, until: string | null, viewId = 'V0MUTE01') {
  return {
    type: 'view_submission',
    team: { id: 'T0TEAM', domain: 'example' },
    user: { id: user.id, username: user.username, name: user.username, team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'verification-token-never-logged',
    trigger_id: '12466734323.1395872398',
    view: {
      ...view,
      id: viewId,
      team_id: 'T0TEAM',
      state: { values: { reason: { reason: { type: 'plain_text_input', value: reason } }, until: { until: { type: 'datepicker', selected_date: until } } } },
      hash: '156772938.1827394',
    },
  };
}

/** A SlackWeb that records every call (the real WebClient against the Socket Mode stand-in is tested apart). */
export function recordingWeb(groups: Record<string, string[]> = {}) {
  const calls = {
    updates: [] as { channel: string; ts: string; text: string; blocks: readonly unknown[] }[],
    views: [] as { triggerId: string; view: Record<string, unknown> }[],
    ephemeral: [] as { channel: string; user: string; text: string }[],
    groupLookups: 0,
  };
  const web: SlackWeb = {
    updateMessage(channel, ts, text, blocks) {
      calls.updates.push({ channel, ts, text, blocks });
      return Promise.resolve();
    },
    openView(triggerId, view) {
      calls.views.push({ triggerId, view: { ...view } });
      return Promise.resolve();
    },
    postEphemeral(channel, user, text) {
      calls.ephemeral.push({ channel, user, text });
      return Promise.resolve();
    },
    userGroupMembers(groupId) {
      calls.groupLookups += 1;
      const members = groups[groupId];
      return members === undefined ? Promise.reject(new Error(`no_such_subteam ${groupId}`)) : Promise.resolve(members);
    },
  };
  return { web, calls };
}
