import { escapeSlack, fitText, slackText } from '../slack/slack-text.js';
import { SLACK_LIMITS } from '../slack/slack-message.js';
import { button } from '../slack/token-buttons.js';

/** Slack's mention of a user, from an id the payload's schema checked (capitals and digits only). */
const mention = (userId: string) => `<@${userId}>`;
const hhmm = (at: Date) => `${at.toISOString().slice(11, 16)} UTC`;
const context = (text: string) => ({ type: 'context', elements: [{ type: 'mrkdwn', text: fitText(text, SLACK_LIMITS.contextText), verbatim: true }] });

/** "✅ Acknowledged by @who at 14:02 UTC: reminders skip it until 2026-12-12". */
export function acknowledgedBlock(userId: string, at: Date, until: Date) {
  return context(`✅ Acknowledged by ${mention(userId)} at ${hhmm(at)}: reminders skip it until ${until.toISOString().slice(0, 10)}`);
}

/** "🔇 Muted until 2026-12-20 by @who: rotating Friday" (the reason as typed, cleaned and escaped). */
export function mutedBlock(userId: string, untilText: string, reason: string) {
  return context(`🔇 Muted until ${escapeSlack(untilText)} by ${mention(userId)}: ${slackText(reason, 500)}`);
}

/** The request's line, with the one button left: Approve, for another person. */
export function requestedBlock(userId: string, at: Date, revocationId: string, blockId: string) {
  return {
    type: 'section',
    block_id: blockId,
    text: { type: 'mrkdwn', text: `🗑️ Revocation ${revocationId} requested by ${mention(userId)} at ${hhmm(at)}: another person approves`, verbatim: true },
    accessory: button('approve-revocation', revocationId, 'danger'),
  };
}

/** How an approval ended: revoked, or refused and why (the outcome is ours, its token name Gcore's: escaped). */
export function approvedBlock(userId: string, revocationId: string, done: boolean, outcome: string) {
  return context(
    done
      ? `🗑️ Revoked (${revocationId}), approved by ${mention(userId)}: ${slackText(outcome, 300)}`
      : `⚠️ Revocation ${revocationId} approved by ${mention(userId)} was not carried out: ${slackText(outcome, 1000)}`,
  );
}

/**
 * The message's blocks with the one whose block_id is `blockId` replaced; null when there is none (the
 * message changed, or the block id was forged): nothing is rewritten then.
 */
export function replaceBlock(
  blocks: readonly Readonly<Record<string, unknown>>[],
  blockId: string,
  replacement: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>>[] | null {
  const at = blocks.findIndex((b) => b.block_id === blockId);
  if (at < 0) {
    return null;
  }
  // Keep the block id: a later click on what replaced it (Approve) finds it the same way.
  return blocks.map((b, i) => (i === at ? { ...replacement, block_id: blockId } : b));
}
