import type { Severity } from '../../core/severity.js';
import { NEW_TOKENS_PER_MESSAGE, type NewTokenAlert, type NewTokenEntry } from '../plan-sentinel.js';
import { listingCommand } from '../digest.js';
import { MESSAGE_CHAR_BUDGET, SLACK_LIMITS, type Block, type SlackMessage } from './slack-message.js';
import { escapeSlack, fitText, slackText } from './slack-text.js';
import { fitMessage } from './fit-message.js';
import type { ButtonOptions } from '../actions/action-kind.js';
import { tokenButtons } from './token-buttons.js';

const ICON: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };

function accountText(e: NewTokenEntry): string {
  return e.accountName === null ? `account ${e.clientId}` : `${slackText(e.accountName, 60)} (${e.clientId})`;
}

// The context line's room; what it says is ours and far shorter.
const NOTES_MAX = 400;
// One token's section: ten of them, the header and the notes make at most MESSAGE_CHAR_BUDGET, escaped.
const ENTRY_MAX = Math.floor((MESSAGE_CHAR_BUDGET - SLACK_LIMITS.headerText - NOTES_MAX) / NEW_TOKENS_PER_MESSAGE);
const RULE_SEPARATOR = ' · ';

/**
 * Each rule with its severity and message on one line of at most `room` characters: when all of them do not
 * fit, each message is cut to an equal share, so that every rule the token breaks is still named.
 */
function rulesLine(rules: NewTokenEntry['rules'], room: number): string {
  const parts = rules.map((r) => `${r.rule} (${r.severity}): ${slackText(r.message, 200)}`);
  const whole = parts.join(RULE_SEPARATOR);
  if (whole.length <= room) {
    return whole;
  }
  const share = Math.floor((room - RULE_SEPARATOR.length * (parts.length - 1)) / parts.length);
  return parts.map((p) => fitText(p, share)).join(RULE_SEPARATOR);
}

/**
 * A new token in three lines, at most ENTRY_MAX characters as posted: what and where; who issued it, its role,
 * when it was made and when it expires; its rules. Each field written by someone else is cut after escaping.
 */
function entryText(e: NewTokenEntry): string {
  const name = slackText(e.tokenName ?? `token ${e.tokenId}`, 80);
  const issuer = e.issuer === null ? 'issuer unknown' : `issued by ${slackText(e.issuer, 120)}`;
  const role = e.role === null ? 'role unknown' : slackText(e.role, 40);
  const created = e.created === null ? '' : ` · created ${e.created.slice(0, 16).replace('T', ' ')} UTC`;
  const expires = `expires ${e.expDate === null ? 'never' : e.expDate.slice(0, 10)}`;
  const head = [`${ICON[e.severity]} ${name} (token ${e.tokenId}) · ${accountText(e)}`, `${role} · ${issuer}${created} · ${expires}`].join('\n');
  return `${head}\n${rulesLine(e.rules, ENTRY_MAX - head.length - 1)}`;
}

/**
 * A sweep's "New token" alert to one route as Slack messages: at most NEW_TOKENS_PER_MESSAGE tokens a message
 * (the plan already kept the route within its budget), each token one plain-text section, so that text
 * written by whoever created the token stays inert.
 */
export function layoutNewTokens(alert: NewTokenAlert, actions?: ButtonOptions): SlackMessage[] {
  const messages: SlackMessage[] = [];
  const total = alert.entries.length;
  for (let i = 0; i < total; i += NEW_TOKENS_PER_MESSAGE) {
    const page = alert.entries.slice(i, i + NEW_TOKENS_PER_MESSAGE);
    const last = i + NEW_TOKENS_PER_MESSAGE >= total;
    const title = total === 1 ? 'New token' : `${total} new tokens`;
    const blocks: Block[] = [];
    if (i === 0) {
      blocks.push({ type: 'header', text: { type: 'plain_text', text: `🚨 ${title}` } });
    }
    for (const [k, e] of page.entries()) {
      blocks.push({ type: 'section', text: { type: 'plain_text', text: entryText(e), emoji: true } });
      if (actions !== undefined) {
        // Every new token the sentinel posts is one to decide about: each carries its buttons.
        blocks.push(tokenButtons(e.clientId, e.tokenId, actions, `token-${k}`));
      }
    }
    const notes = ['Found by the sentinel between runs; the next run’s digest will not repeat it.'];
    if (last && alert.left > 0) {
      notes.push(`${alert.left} more new token${alert.left === 1 ? ' waits' : 's wait'} for the next run’s digest (\`${escapeSlack(listingCommand('findings'))}\` lists every finding).`);
    }
    if (total > NEW_TOKENS_PER_MESSAGE) {
      notes.push(`Part ${i / NEW_TOKENS_PER_MESSAGE + 1} of ${Math.ceil(total / NEW_TOKENS_PER_MESSAGE)}.`);
    }
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: fitText(notes.join(' '), NOTES_MAX), verbatim: true }] });
    const first = page[0] as NewTokenEntry;
    const fallback = `${title}: ${slackText(first.tokenName ?? `token ${first.tokenId}`, 80)} (token ${first.tokenId}) · ${accountText(first)} · ${first.rules.map((r) => r.rule).join(', ')}`;
    messages.push(fitMessage({ text: page.length === 1 ? fallback : `${fallback} and ${page.length - 1} more`, blocks }));
  }
  return messages;
}
