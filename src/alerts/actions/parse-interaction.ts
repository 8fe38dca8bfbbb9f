import { z } from 'zod';
import { parseTokenPair } from '../../core/revocation.js';
import { cleanText } from '../../core/clean-text.js';
import { ACTION_KINDS, type ActionKind } from './action-kind.js';

// What Slack sends over the socket is untrusted until checked here: only the fields the actions use are read
// (zod drops the rest, the app's verification `token` among them), each bounded. Shapes as Slack documents
// them: https://docs.slack.dev/reference/interaction-payloads/block_actions-payload and
// https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload

const id = z.string().regex(/^[A-Z0-9]{2,32}$/);
const ts = z.string().regex(/^\d{1,12}\.\d{1,8}$/);
const user = z.object({
  id: id.refine((v) => /^[UW]/.test(v)),
  // `username` in Slack's payloads today, `name` in older ones: either, for people.
  username: z.string().max(200).optional(),
  name: z.string().max(200).optional(),
});

const blockActions = z.object({
  type: z.literal('block_actions'),
  user,
  trigger_id: z.string().min(1).max(200),
  container: z.object({ message_ts: ts, channel_id: id }),
  message: z.object({ ts, text: z.string().max(40_000).default(''), blocks: z.array(z.record(z.string(), z.unknown())).max(100) }),
  actions: z
    .array(
      z.object({
        action_id: z.enum(ACTION_KINDS),
        block_id: z.string().min(1).max(255),
        value: z.string().min(1).max(100),
        action_ts: ts,
      }),
    )
    .length(1),
});

/** The metadata a Mute… modal carries from the click to its submission: where the button was, and its token. */
export interface MuteMetadata {
  readonly clientId: number;
  readonly tokenId: number;
  readonly channel: string;
  readonly messageTs: string;
  readonly blockId: string;
}

const metadata = z
  .string()
  .max(3000)
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.object({ token: z.string().max(40), channel: id, messageTs: ts, blockId: z.string().min(1).max(255) }).strict());

const viewSubmission = z.object({
  type: z.literal('view_submission'),
  user,
  view: z.object({
    id: z.string().regex(/^V[A-Z0-9]{2,32}$/),
    callback_id: z.literal('mute'),
    private_metadata: metadata,
    state: z.object({
      values: z.object({
        reason: z.object({ reason: z.object({ value: z.string().max(3000).nullable().optional() }) }),
        until: z.object({ until: z.object({ selected_date: z.string().max(40).nullable().optional() }) }),
      }),
    }),
  }),
});

export interface SlackUser {
  readonly id: string;
  /** Slack's name for them, cleaned; the id when Slack gave none. */
  readonly name: string;
}

export interface Click {
  readonly type: 'click';
  readonly kind: ActionKind;
  /** `clientId/tokenId` for a token's buttons, a revocation id for Approve: untrusted until checked against Redis. */
  readonly value: string;
  readonly user: SlackUser;
  readonly triggerId: string;
  readonly channel: string;
  readonly messageTs: string;
  readonly blockId: string;
  readonly actionTs: string;
  readonly message: { readonly text: string; readonly blocks: readonly Readonly<Record<string, unknown>>[] };
}

export interface MuteSubmission {
  readonly type: 'mute';
  readonly viewId: string;
  readonly user: SlackUser;
  readonly where: MuteMetadata;
  /** As typed: checked as `mute add` checks its flags. */
  readonly reason: string;
  readonly until: string;
}

export type ParsedInteraction = Click | MuteSubmission;

const userOf = (u: z.infer<typeof user>): SlackUser => {
  const name = cleanText(u.username ?? u.name ?? '').slice(0, 80);
  return { id: u.id, name: name === '' ? u.id : name };
};

/** The interaction the actions know, or null for anything else (a payload of another shape, or tampered with). */
export function parseInteraction(type: string, payload: unknown): ParsedInteraction | null {
  if (type === 'block_actions') {
    const p = blockActions.safeParse(payload);
    if (!p.success) {
      return null;
    }
    const [action] = p.data.actions;
    if (action === undefined || p.data.message.ts !== p.data.container.message_ts) {
      return null;
    }
    return {
      type: 'click',
      kind: action.action_id,
      value: action.value,
      user: userOf(p.data.user),
      triggerId: p.data.trigger_id,
      channel: p.data.container.channel_id,
      messageTs: p.data.container.message_ts,
      blockId: action.block_id,
      actionTs: action.action_ts,
      message: { text: p.data.message.text, blocks: p.data.message.blocks },
    };
  }
  if (type === 'view_submission') {
    const p = viewSubmission.safeParse(payload);
    const pair = p.success ? parseTokenPair(p.data.view.private_metadata.token) : null;
    if (!p.success || pair === null) {
      return null;
    }
    const { channel, messageTs, blockId } = p.data.view.private_metadata;
    const values = p.data.view.state.values;
    return {
      type: 'mute',
      viewId: p.data.view.id,
      user: userOf(p.data.user),
      where: { ...pair, channel, messageTs, blockId },
      reason: values.reason.reason.value ?? '',
      until: values.until.until.selected_date ?? '',
    };
  }
  return null;
}
