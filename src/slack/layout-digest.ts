import { millisecondsInDay } from 'date-fns/constants';
import type { Severity } from '../core/severity.js';
import type { RuleId } from '../rules/rule-catalog.js';
import type { Digest, HiddenCritical, TokenEntry } from '../alerts/digest.js';
import { entryName } from '../alerts/plan-digest.js';
import { MESSAGE_CHAR_BUDGET, PORTAL_URL, SLACK_LIMITS, type Block, type SlackMessage, type TextObject } from './slack-message.js';
import { escapeSlack, fitText, slackText } from './slack-text.js';

const ICON: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };
// Plain-text sections are filled up to this, so a page break wastes little room.
const CHUNK = 1500;

export function lastUsedText(lastUsage: string | null, now: Date): string {
  if (lastUsage === null) {
    return 'never';
  }
  const days = Math.floor((now.getTime() - Date.parse(lastUsage)) / millisecondsInDay);
  return days <= 0 ? 'today' : days === 1 ? '1 day ago' : `${days} days ago`;
}

const plain = (text: string): TextObject => ({ type: 'plain_text', text, emoji: true });
const mrkdwn = (text: string): TextObject => ({ type: 'mrkdwn', text, verbatim: true });

function account(e: Pick<TokenEntry, 'clientId' | 'accountName'>): string {
  if (e.accountName !== null) {
    return e.clientId === null ? slackText(e.accountName, 60) : `${slackText(e.accountName, 60)} (${e.clientId})`;
  }
  return `account ${e.clientId ?? '?'}`;
}

/** A token in at most three lines: who and where, its state, each rule with its one-line message. */
function entryText(e: TokenEntry, now: Date): string {
  const name = slackText(entryName(e), 80);
  const first = e.tokenId === null ? `${ICON[e.severity]} ${account(e)}` : `${ICON[e.severity]} ${name} (token ${e.tokenId}) · ${account(e)}`;
  const lines = [first];
  if (e.tokenId !== null) {
    const owner = e.owner === null ? 'owner unknown' : `owner ${slackText(e.owner, 80)}`;
    const role = e.role === null ? 'role unknown' : slackText(e.role, 40);
    const dates = e.read
      ? `last used ${lastUsedText(e.lastUsage, now)} · expires ${e.expDate === null ? 'never' : e.expDate.slice(0, 10)}`
      : 'not read';
    lines.push(`${role} · ${owner} · ${dates}`);
  }
  lines.push(e.rules.map((r) => `${r.rule} (${r.severity}): ${slackText(r.message, 200)}`).join(' · '));
  return lines.join('\n');
}

type Section = Extract<Block, { type: 'section' }>;
type Context = Extract<Block, { type: 'context' }>;

interface Item {
  readonly block: Section;
  /** Rules told token by token in this block: their remediation goes once in the message. */
  readonly rules: readonly RuleId[];
}

// The header is counted at its limit apart, so only sections and context lines are ever sized.
const size = (b: Section | Context) => (b.type === 'section' ? b.text.text.length : b.elements.reduce((s, e) => s + e.text.length, 0));

function heading(text: string): Item {
  // Stryker disable next-line ArrayDeclaration: rules only select remediation, and no made-up rule id has any
  return { block: { type: 'section', text: mrkdwn(text) }, rules: [] };
}

/** Lines (already escaped) packed into plain-text sections. */
function chunks(texts: readonly { text: string; rules: readonly RuleId[] }[], separator: string): Item[] {
  const items: Item[] = [];
  let text = '';
  // Stryker disable next-line ArrayDeclaration: rules only select remediation, and no made-up rule id has any
  let rules: RuleId[] = [];
  for (const t of texts) {
    const piece = fitText(t.text, CHUNK);
    if (text !== '' && text.length + separator.length + piece.length > CHUNK) {
      items.push({ block: { type: 'section', text: plain(text) }, rules });
      text = '';
      // Stryker disable next-line ArrayDeclaration: rules only select remediation, and no made-up rule id has any
      rules = [];
    }
    text = text === '' ? piece : `${text}${separator}${piece}`;
    rules.push(...t.rules);
  }
  if (text !== '') {
    items.push({ block: { type: 'section', text: plain(text) }, rules });
  }
  return items;
}

/** A line that tells no token's rules one by one (notes, roll-ups, reminders, resolved): no remediation. */
// Stryker disable next-line ArrayDeclaration: rules only select remediation, and no made-up rule id has any
const untold = (text: string) => ({ text, rules: [] });

function hiddenLine(hidden: HiddenCritical | null): Item[] {
  if (hidden === null) {
    return [];
  }
  const what = hidden.count === 1 ? '1 more critical token is' : `${hidden.count.toLocaleString('en-US')} more critical tokens are`;
  return [heading(`*${what} not named here.* Every one is listed by \`${escapeSlack(hidden.command)}\``)];
}

function body(d: Digest, now: Date): Item[] {
  const items: Item[] = [];
  for (const s of d.sections) {
    switch (s.kind) {
      case 'notes':
        items.push(heading(`*${s.title}*`), ...chunks(s.lines.map((l) => untold(slackText(l, 500))), '\n'));
        break;
      case 'new': {
        const findings = s.entries.reduce((a, e) => a + e.rules.length, 0) + s.rollups.reduce((a, r) => a + r.count, 0);
        const byRule = s.entries.length === 0 && s.hidden === null ? ', by rule' : '';
        items.push(heading(`*${s.title}* (${findings.toLocaleString('en-US')}${byRule})`));
        items.push(...chunks(s.entries.map((e) => ({ text: entryText(e, now), rules: e.rules.map((r) => r.rule) })), '\n\n'));
        items.push(...hiddenLine(s.hidden));
        if (s.rollups.length > 0) {
          if (byRule === '') {
            items.push(heading('*The rest, by rule*'));
          }
          items.push(
            ...chunks(
              s.rollups.map((r) => {
                const more = r.count > r.names.length ? `, +${(r.count - r.names.length).toLocaleString('en-US')} more` : '';
                const names = r.names.map((x) => slackText(x, 40)).join(', ');
                return untold(`${ICON[r.severity]} ${r.rule} (${r.severity}): ${r.count.toLocaleString('en-US')} — ${names}${more}`);
              }),
              '\n',
            ),
          );
        }
        break;
      }
      case 'reminder':
        items.push(heading(`*${s.title}* (${s.rollups.reduce((a, r) => a + r.count, 0).toLocaleString('en-US')})`));
        items.push(
          ...chunks(
            s.rollups.map((r) =>
              untold(`${ICON[r.severity]} ${r.rule} (${r.severity}): ${r.count.toLocaleString('en-US')} open, the oldest for ${r.oldestDays} day${r.oldestDays === 1 ? '' : 's'}`),
            ),
            '\n',
          ),
        );
        items.push(
          ...chunks(
            s.named.map((e, i) =>
              untold(`${i === 0 ? 'Critical, still open: ' : ''}${e.tokenId === null ? account(e) : `${slackText(entryName(e), 60)} (token ${e.tokenId}) · ${account(e)}`}`),
            ),
            '\n',
          ),
        );
        items.push(...hiddenLine(s.hidden));
        break;
      case 'resolved':
        items.push(heading(`*${s.title}* (${(s.entries.reduce((a, e) => a + e.entry.rules.length, 0) + s.rollups.reduce((a, r) => a + r.count, 0)).toLocaleString('en-US')})`));
        items.push(
          ...chunks(
            [
              ...s.entries.map((r) =>
                untold(
                  `✅ ${r.entry.tokenId === null ? account(r.entry) : `${slackText(entryName(r.entry), 60)} (token ${r.entry.tokenId}) · ${account(r.entry)}`} · ${r.entry.rules.map((x) => x.rule).join(', ')}: ${r.reason}`,
                ),
              ),
              ...s.rollups.map((r) => untold(`✅ ${r.rule}: ${r.count.toLocaleString('en-US')} (${r.reasons.map((x) => `${x.reason} ${x.count}`).join(', ')})`)),
            ],
            '\n',
          ),
        );
        break;
    }
  }
  return items;
}

function remediationBlock(d: Digest, rules: ReadonlySet<RuleId>): Context | null {
  const elements = [...rules]
    .flatMap((r) => {
      const fix = d.remediation[r];
      return fix === undefined ? [] : [`*${r}*: ${escapeSlack(fix)}`];
    })
    .slice(0, SLACK_LIMITS.contextElements)
    .map((text, i) => mrkdwn(fitText(`${i === 0 ? 'What to do · ' : ''}${text}`, SLACK_LIMITS.contextText)));
  return elements.length > 0 ? { type: 'context', elements } : null;
}

/**
 * The digest as Block Kit messages, in order, numbered "(1/3)" when there are several, each within Slack's
 * limits (50 blocks, 3000 characters a section, 150 a header, ~12k in all). Each message carries the
 * remediation of the rules it names once, and the context line.
 */
export function layoutDigest(d: Digest, now: Date): SlackMessage[] {
  const footer: Context = {
    type: 'context',
    elements: [mrkdwn(fitText(`${escapeSlack(d.context)} · <${PORTAL_URL}|Manage API tokens in the Gcore portal>`, SLACK_LIMITS.contextText))],
  };
  const pages: { items: Item[]; rules: Set<RuleId> }[] = [];
  let page: { items: Item[]; rules: Set<RuleId> } = { items: [], rules: new Set() };
  const total = (p: { items: Item[]; rules: Set<RuleId> }) => {
    const fix = remediationBlock(d, p.rules);
    return SLACK_LIMITS.headerText + p.items.reduce((s, i) => s + size(i.block), 0) + size(footer) + (fix ? size(fix) : 0);
  };
  for (const item of body(d, now)) {
    const next = { items: [...page.items, item], rules: new Set([...page.rules, ...item.rules]) };
    // header, footer and remediation are the 3 fixed blocks
    if (page.items.length > 0 && (next.items.length + 3 > SLACK_LIMITS.blocks || total(next) > MESSAGE_CHAR_BUDGET)) {
      pages.push(page);
      page = { items: [item], rules: new Set(item.rules) };
    } else {
      page = next;
    }
  }
  pages.push(page);
  return pages.map((p, i) => {
    const part = pages.length > 1 ? ` (${i + 1}/${pages.length})` : '';
    const title = fitText(`Gcore token audit: ${d.headline}`, SLACK_LIMITS.headerText - part.length) + part;
    const fix = remediationBlock(d, p.rules);
    return {
      text: title,
      blocks: [{ type: 'header', text: { type: 'plain_text', text: title } }, ...p.items.map((x) => x.block), ...(fix ? [fix] : []), footer],
    };
  });
}
