import { createHash } from 'node:crypto';
import type { Interaction } from './interaction.js';

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
const text = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

/**
 * What makes one interaction the same when Slack delivers it twice, as a short hash (the claim's Redis key
 * holds no user id or payload text): a click is its action, the click's `action_ts`, the message it was on
 * and who clicked; a modal submission is the view, who submitted it and what was entered (a submission
 * corrected after `response_action: errors` is a new one). Null when the payload carries none of it: the
 * envelope id stands in.
 */
export function interactionKey(interaction: Interaction): string | null {
  const p = interaction.payload;
  const user = text(field(field(p, 'user'), 'id'));
  let parts: string[];
  if (interaction.type === 'block_actions') {
    const actions = field(p, 'actions');
    const first: unknown = Array.isArray(actions) ? actions[0] : undefined;
    const messageTs = text(field(field(p, 'container'), 'message_ts')) || text(field(field(p, 'message'), 'ts'));
    parts = ['block_actions', text(field(first, 'action_id')), text(field(first, 'action_ts')), messageTs, user];
    if (parts[2] === '') {
      return null;
    }
  } else {
    const view = field(p, 'view');
    parts = ['view_submission', text(field(view, 'id')), user, JSON.stringify(field(field(view, 'state'), 'values') ?? null)];
    if (parts[1] === '') {
      return null;
    }
  }
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}

/** The name an interaction is counted under: its action_id (a click) or callback_id (a modal) when known, else "other". */
export function interactionAction(interaction: Interaction, known: ReadonlySet<string>): string {
  const p = interaction.payload;
  const actions = field(p, 'actions');
  const id =
    interaction.type === 'block_actions' ? text(field(Array.isArray(actions) ? (actions[0] as unknown) : undefined, 'action_id')) : text(field(field(p, 'view'), 'callback_id'));
  return known.has(id) ? id : 'other';
}
