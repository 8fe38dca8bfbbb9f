import type { Logger } from 'pino';
import type { ActionKind } from '../../alerts/actions/action-kind.js';
import type { Click, SlackUser } from '../../alerts/actions/parse-interaction.js';
import type { TokenFingerprint } from '../../core/revocation.js';
import type { Config } from '../../config/config.js';
import type { ActionMessage, ActionStore } from '../../store/action-store.js';
import { replaceBlock } from '../../alerts/actions/decision-blocks.js';
import type { MuteStore } from '../../store/mute-store.js';
import type { RevocationStore } from '../../store/revocation-store.js';
import type { RevokeResult } from '../../run/revoke-token.js';
import type { SlackWeb } from './interaction.js';

/** How one action ended, for token_audit_slack_actions_total{action,outcome}. */
export type ActionOutcome = 'applied' | 'opened' | 'refused' | 'stale' | 'invalid' | 'duplicate' | 'failed';

/** Revoking from Slack: present only with remediation.enabled (nothing else can reach a deleter). */
export interface SlackRevocations {
  readonly store: Pick<RevocationStore, 'get' | 'add' | 'list'>;
  /** The token as Gcore's get-token endpoint shows it now: the request's fingerprint. */
  fingerprint(clientId: number, tokenId: number): Promise<TokenFingerprint>;
  /** The existing carry-out (src/run/revoke-token.ts): claim, re-read, one DELETE. */
  carryOut(id: string, approvedBy: string): Promise<RevokeResult>;
}

export interface ActionDeps {
  readonly config: Config;
  readonly web: SlackWeb;
  readonly store: Pick<ActionStore, 'acknowledge' | 'openFindingsOf' | 'firstTime' | 'rememberMessage' | 'message'>;
  /** `mute add`'s store: a mute from Slack is kept, told and listed as one from the command line. */
  readonly mutes: Pick<MuteStore, 'add'>;
  readonly revocations?: SlackRevocations;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Each action by kind and how it ended (the socket wires it to the metrics). */
  readonly onAction?: (action: ActionKind, outcome: ActionOutcome) => void;
  /** How long a user group's members are cached (default GROUP_CACHE_MS). */
  readonly groupCacheMs?: number;
}

/** Who acted, as the mute, the acknowledgement and the revocation record it: `slack:U012ABCDEF (alice)`. */
export const slackPerson = (user: SlackUser) => `slack:${user.id} (${user.name})`;

/** Whether `recorded` (a requestedBy) names this Slack user, whatever name Slack gave them then. */
export const sameSlackUser = (recorded: string, userId: string) => recorded === `slack:${userId}` || recorded.startsWith(`slack:${userId} (`);

/** Tells only the clicking user (chat.postEphemeral), in the channel of the button. */
export const tell = (deps: Pick<ActionDeps, 'web'>, click: Pick<Click, 'channel' | 'user'>, text: string) =>
  deps.web.postEphemeral(click.channel, click.user.id, text);

/**
 * Rewrites the message in place (chat.update) with `replacement` where the block `blockId` was, and remembers it
 * so that a modal's submission later rewrites what the channel sees now. Nothing when the block is not there
 * (the message changed since, or the block id was forged).
 */
export async function rewrite(
  deps: Pick<ActionDeps, 'web' | 'store'>,
  where: { readonly channel: string; readonly messageTs: string; readonly blockId: string },
  message: ActionMessage | null,
  replacement: Readonly<Record<string, unknown>>,
): Promise<void> {
  const blocks = message === null ? null : replaceBlock(message.blocks, where.blockId, replacement);
  if (message === null || blocks === null) {
    return;
  }
  await deps.web.updateMessage(where.channel, where.messageTs, message.text, blocks);
  await deps.store.rememberMessage(where.channel, where.messageTs, { text: message.text, blocks });
}
