import { millisecondsInDay } from 'date-fns/constants';
import type { Severity } from '../../core/severity.js';
import type { AccountCount, Digest, HiddenCritical, RuleGroup, RuleRollup, TokenEntry, TriageLine } from '../digest.js';
import { entryName } from '../plan-digest.js';
import { MESSAGE_CHAR_BUDGET, PORTAL_URL, SLACK_LIMITS, type ActionsBlock, type Block, type SlackMessage, type TextObject } from './slack-message.js';
import { escapeSlack, fitText, slackText } from './slack-text.js';
import type { ButtonOptions } from '../actions/action-kind.js';
import { tokenButtons } from './token-buttons.js';

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

/** A token by name and id (an account-level entry by its account): a name alone could be two tokens. */
function named(e: Pick<TokenEntry, 'tokenId' | 'tokenName' | 'clientId' | 'accountName'>, max: number): string {
  return e.tokenId === null ? account(e) : `${slackText(entryName(e), max)} (token ${e.tokenId})`;
}

/** "ci-deploy (token 116) · prod (456)", or the account alone for an account-level entry. */
const placed = (e: Pick<TokenEntry, 'tokenId' | 'tokenName' | 'clientId' | 'accountName'>, max: number) =>
  e.tokenId === null ? account(e) : `${named(e, max)} · ${account(e)}`;

const count = (x: number) => x.toLocaleString('en-US');

/**
 * A token on one line: name and id, account, owner, last used, expiry; then its rules' messages when the digest
 * carries them, else only its other rules ("also stale (medium)"): its group already names the first.
 */
function entryText(e: TokenEntry, now: Date): string {
  const first = `${ICON[e.severity]} ${placed(e, 80)}`;
  const parts = [first];
  if (e.tokenId !== null) {
    parts.push(e.owner === null ? 'owner unknown' : `owner ${slackText(e.owner, 80)}`);
    parts.push(e.read ? `last used ${lastUsedText(e.lastUsage, now)} · expires ${e.expDate === null ? 'never' : e.expDate.slice(0, 10)}` : 'not read');
  }
  const [top, ...others] = e.rules;
  const rules =
    top !== undefined && top.message !== ''
      ? [slackText(top.message, 200), ...others.map((r) => `also ${r.rule} (${r.severity}): ${slackText(r.message, 200)}`)]
      : others.map((r) => `also ${r.rule} (${r.severity})`);
  return [...parts, ...rules].join(' · ');
}

type Section = Extract<Block, { type: 'section' }>;
type Context = Extract<Block, { type: 'context' }>;

/** A token's line and its buttons: one item, never split across two messages. */
interface WithButtons {
  readonly type: 'buttons';
  readonly section: Section;
  /** Its block_id is given per message, when the page is laid out. */
  readonly buttons: (blockId: string) => ActionsBlock;
}
type Item = Section | WithButtons;

// The header is counted at its limit apart, so only sections and context lines are ever sized.
const size = (b: Section | Context) => (b.type === 'section' ? b.text.text.length : b.elements.reduce((s, e) => s + e.text.length, 0));
const itemSize = (i: Item) => size(i.type === 'buttons' ? i.section : i);
const itemBlocks = (i: Item) => (i.type === 'buttons' ? 2 : 1);

/** Critical and high tokens carry their buttons (when the worker acts from Slack): a line each. */
function withButtons(e: TokenEntry, text: string, actions: ButtonOptions | undefined): WithButtons | null {
  if (actions === undefined || e.tokenId === null || e.clientId === null || (e.severity !== 'critical' && e.severity !== 'high')) {
    return null;
  }
  const { clientId, tokenId } = e;
  return { type: 'buttons', section: { type: 'section', text: plain(fitText(text, CHUNK)) }, buttons: (id) => tokenButtons(clientId, tokenId, actions, id) };
}

function heading(text: string): Section {
  return { type: 'section', text: mrkdwn(text) };
}

/** Lines (already escaped) packed into plain-text sections. */
function chunks(texts: readonly string[], separator: string): Section[] {
  const items: Section[] = [];
  let text = '';
  for (const t of texts) {
    const piece = fitText(t, CHUNK);
    if (text !== '' && text.length + separator.length + piece.length > CHUNK) {
      items.push({ type: 'section', text: plain(text) });
      text = '';
    }
    text = text === '' ? piece : `${text}${separator}${piece}`;
  }
  if (text !== '') {
    items.push({ type: 'section', text: plain(text) });
  }
  return items;
}

function hiddenLine(hidden: HiddenCritical | null): Section[] {
  if (hidden === null) {
    return [];
  }
  const what = hidden.count === 1 ? '1 more critical token is' : `${count(hidden.count)} more critical tokens are`;
  return [heading(`*${what} not named here.* Every one is listed by \`${escapeSlack(hidden.command)}\``)];
}

/** "Production CDN (456): 12 · acct-02 (1002): 3 · +4 more accounts": who holds a roll-up. */
function accountsText(accounts: readonly AccountCount[], more: number, unit: (c: number) => string): string {
  const parts = accounts.map((a) => `${account(a)}: ${unit(a.count)}`);
  if (more > 0) {
    parts.push(`+${count(more)} more account${more === 1 ? '' : 's'}`);
  }
  return parts.join(' · ');
}

const tokens = (c: number) => `${count(c)} token${c === 1 ? '' : 's'}`;

function countsText(line: TriageLine): string {
  return line.counts.map((c) => `${count(c.count)} ${c.severity}`).join(' · ');
}

function triageText(s: Extract<Digest['sections'][number], { kind: 'triage' }>): string[] {
  const lines = ['By account'];
  for (const a of s.accounts) {
    lines.push(`${ICON[a.counts[0]?.severity ?? 'info']} ${account(a)}: ${countsText(a)}`);
  }
  if (s.moreAccounts > 0) {
    lines.push(`+${count(s.moreAccounts)} more account${s.moreAccounts === 1 ? '' : 's'}`);
  }
  if (s.owners.length > 0) {
    lines.push('By owner');
    for (const o of s.owners) {
      lines.push(`${ICON[o.counts[0]?.severity ?? 'info']} ${slackText(o.owner ?? '', 80)}: ${countsText(o)}`);
    }
    if (s.moreOwners > 0) {
      lines.push(`+${count(s.moreOwners)} more owner${s.moreOwners === 1 ? '' : 's'}`);
    }
  }
  return lines;
}

function groupItems(g: RuleGroup, now: Date, actions: ButtonOptions | undefined): Item[] {
  const fix = g.remediation === '' ? '' : `\nWhat to do: ${escapeSlack(g.remediation)}`;
  // coverage-gap is about accounts, not tokens
  const unit = g.rule === 'coverage-gap' ? (c: number) => `${count(c)} account${c === 1 ? '' : 's'}` : tokens;
  const items: Item[] = [heading(`*${ICON[g.severity]} ${g.rule} (${g.severity}): ${unit(g.count)}*${fix}`)];
  const lines: string[] = [];
  for (const e of g.entries) {
    const line = withButtons(e, entryText(e, now), actions);
    if (line === null) {
      lines.push(entryText(e, now));
    } else {
      items.push(line);
    }
  }
  if (g.rest !== null) {
    const named = g.entries.length > 0 ? ` (${count(g.rest.count)} more)` : '';
    lines.push(`By account${named}: ${accountsText(g.rest.accounts, g.rest.moreAccounts, unit)}\nList them: ${escapeSlack(g.rest.command)}`);
  }
  return [...items, ...chunks(lines, '\n')];
}

function rollupText(r: RuleRollup): string {
  const examples = r.examples.length > 0 ? ` — e.g. ${r.examples.map((e) => named(e, 40)).join(', ')}` : '';
  return `${ICON[r.severity]} ${r.rule} (${r.severity}): ${count(r.count)} — ${accountsText(r.accounts, r.moreAccounts, count)}${examples}\nList them: ${escapeSlack(r.command)}`;
}

function body(d: Digest, now: Date, actions: ButtonOptions | undefined): Item[] {
  const items: Item[] = [];
  for (const s of d.sections) {
    switch (s.kind) {
      case 'triage':
        items.push(heading(`*${s.title}*`), ...chunks(triageText(s), '\n'));
        break;
      case 'notes':
        items.push(heading(`*${s.title}*`), ...chunks(s.lines.map((l) => slackText(l, 500)), '\n'));
        break;
      case 'new': {
        items.push(heading(`*${s.title}* (${count(s.count)})`));
        for (const g of s.groups) {
          items.push(...groupItems(g, now, actions));
        }
        if (s.rollups.length > 0) {
          items.push(heading(s.groups.length > 0 ? '*The rest, by rule*' : '*By rule*'));
          items.push(...chunks(s.rollups.map(rollupText), '\n'));
        }
        break;
      }
      case 'reminder':
        items.push(heading(`*${s.title}* (${count(s.rollups.reduce((a, r) => a + r.count, 0))})`));
        items.push(
          ...chunks(
            s.rollups.map((r) => `${ICON[r.severity]} ${r.rule} (${r.severity}): ${count(r.count)} open, the oldest for ${r.oldestDays} day${r.oldestDays === 1 ? '' : 's'}`),
            '\n',
          ),
        );
        {
          const named = s.named.map((e, i) => ({ e, text: `${i === 0 ? 'Critical, still open: ' : ''}${placed(e, 60)}` }));
          const buttons = named.map(({ e, text }) => withButtons(e, text, actions));
          items.push(...chunks(named.filter((_, i) => buttons[i] === null).map((x) => x.text), '\n'));
          items.push(...buttons.filter((b): b is WithButtons => b !== null));
        }
        items.push(...hiddenLine(s.hidden));
        break;
      case 'resolved':
        items.push(heading(`*${s.title}* (${count(s.entries.reduce((a, e) => a + e.entry.rules.length, 0) + s.rollups.reduce((a, r) => a + r.count, 0))})`));
        items.push(
          ...chunks(
            [
              ...s.entries.map(
                (r) =>
                  `✅ ${placed(r.entry, 60)} · ${r.entry.rules.map((x) => x.rule).join(', ')}: ${escapeSlack(r.reason)}`,
              ),
              ...s.rollups.map((r) => `✅ ${r.rule}: ${count(r.count)} (${r.reasons.map((x) => `${escapeSlack(x.reason)} ${x.count}`).join(', ')})`),
            ],
            '\n',
          ),
        );
        break;
    }
  }
  return items;
}

/**
 * The digest as Block Kit messages, in order, numbered "(1/3)" when there are several, each within Slack's
 * limits (50 blocks, 3000 characters a section, 150 a header, ~12k in all). Each rule group carries its
 * remediation once; each message ends with the context line, the command that lists everything and the portal link.
 */
export function layoutDigest(d: Digest, now: Date, actions?: ButtonOptions): SlackMessage[] {
  const footer: Context = {
    type: 'context',
    elements: [
      mrkdwn(
        fitText(`${escapeSlack(d.context)} · Everything: \`${escapeSlack(d.listAll)}\` · <${PORTAL_URL}|Manage API tokens in the Gcore portal>`, SLACK_LIMITS.contextText),
      ),
    ],
  };
  const pages: Item[][] = [];
  let page: Item[] = [];
  const total = (p: readonly Item[]) => SLACK_LIMITS.headerText + p.reduce((s, b) => s + itemSize(b), 0) + size(footer);
  const blocks = (p: readonly Item[]) => p.reduce((s, b) => s + itemBlocks(b), 0);
  for (const item of body(d, now, actions)) {
    const next = [...page, item];
    // header and footer are the 2 fixed blocks
    if (page.length > 0 && (blocks(next) + 2 > SLACK_LIMITS.blocks || total(next) > MESSAGE_CHAR_BUDGET)) {
      pages.push(page);
      page = [item];
    } else {
      page = next;
    }
  }
  pages.push(page);
  return pages.map((p, i) => {
    const part = pages.length > 1 ? ` (${i + 1}/${pages.length})` : '';
    const title = fitText(`Gcore token audit: ${d.headline}`, SLACK_LIMITS.headerText - part.length) + part;
    return {
      text: title,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: title } },
        ...p.flatMap((item, k): Block[] => (item.type === 'buttons' ? [item.section, item.buttons(`token-${k}`)] : [item])),
        footer,
      ],
    };
  });
}
