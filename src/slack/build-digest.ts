import { millisecondsInDay } from 'date-fns/constants';
import { SEVERITIES, type Severity } from '../core/severity.js';
import type { Finding } from '../core/finding.js';
import { fitText, slackText } from './slack-text.js';

export const PORTAL_URL = 'https://portal.gcore.com/accounts/settings/api-tokens';
/** Slack's documented limits: https://docs.slack.dev/reference/block-kit/blocks */
export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, contextText: 2000 } as const;
// Slack also rejects messages whose blocks add up to more than ~13k characters of text (msg_blocks_too_long,
// undocumented: slackapi/bolt-js#2509): keep below it.
const MESSAGE_CHAR_BUDGET = 12_000;

export type Block =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] }
  | { type: 'divider' };

export interface SlackMessage {
  /** Fallback for notifications and clients without Block Kit: always set. */
  readonly text: string;
  readonly blocks: Block[];
}

export interface DigestSection {
  /** null: no heading (a plain one-shot report). */
  readonly title: string | null;
  readonly findings: readonly Finding[];
}

export interface DigestInput {
  readonly now: Date;
  readonly sections: readonly DigestSection[];
  /** Findings left out of the message, counted in the footer. */
  readonly omitted: { readonly muted: number; readonly belowMinSeverity: number; readonly minSeverity: Severity };
  /** Lines for a "Coverage" section: what the audit could not see. */
  readonly coverage?: readonly string[];
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

export function lastUsedText(lastUsage: string | null, now: Date): string {
  if (lastUsage === null) {
    return 'never';
  }
  const days = Math.floor((now.getTime() - Date.parse(lastUsage)) / millisecondsInDay);
  return days <= 0 ? 'today' : days === 1 ? '1 day ago' : `${days} days ago`;
}

function findingText(f: Finding, now: Date): string {
  const name = f.tokenName === null ? '(name unknown)' : `*${slackText(f.tokenName)}*`;
  const lines = [
    `*${f.severity.toUpperCase()}* · \`${f.rule}\` · ${name} (token ${f.tokenId})`,
    [`Account ${f.clientId}`, f.role && `Role ${slackText(f.role, 60)}`, f.owner && `Owner ${slackText(f.owner, 100)}`]
      .filter(Boolean)
      .join(' · '),
  ];
  if (f.issuer) {
    const gone = f.issuer.deleted ? ' (user deleted)' : '';
    lines.push(`Issuer ${slackText(f.issuer.name, 100)} (${slackText(f.issuer.email, 120)})${gone}`);
  }
  if (f.created !== null) {
    lines.push(
      `Created ${day(f.created)} · Last used ${lastUsedText(f.lastUsage, now)} · Expires ${f.expDate === null ? 'never' : day(f.expDate)}`,
    );
  }
  lines.push(slackText(f.message, 600), `_${slackText(f.remediation, 400)}_`);
  return fitText(lines.join('\n'), SLACK_LIMITS.sectionText);
}

function counts(findings: readonly Finding[]): string {
  const by = new Map<Severity, number>();
  for (const f of findings) {
    by.set(f.severity, (by.get(f.severity) ?? 0) + 1);
  }
  return [...SEVERITIES]
    .reverse()
    .filter((s) => by.has(s))
    .map((s) => `${by.get(s)} ${s}`)
    .join(' · ');
}

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });
const size = (b: Block) =>
  b.type === 'section' ? b.text.text.length : b.type === 'context' ? b.elements.reduce((n, e) => n + e.text.length, 0) : 0;

/**
 * The Slack digest as one or more messages, each within Slack's limits (50 blocks, 3000 characters a
 * section, 150 a header), in order and numbered "(1/3)" when split. Pure: no I/O, the clock passed in.
 */
export function buildDigest(input: DigestInput): SlackMessage[] {
  const body: Block[] = [];
  const coverage = input.coverage ?? [];
  if (coverage.length > 0) {
    const lines = coverage.map((c) => `• ${slackText(c, 400)}`).join('\n');
    body.push(section(fitText(`*Coverage: the audit could not see everything*\n${lines}`, SLACK_LIMITS.sectionText)));
  }
  for (const s of input.sections) {
    if (s.findings.length === 0) {
      continue;
    }
    if (s.title !== null) {
      body.push(section(`*${slackText(s.title, 100)}* (${s.findings.length})`));
    }
    for (const f of s.findings) {
      body.push(section(findingText(f, input.now)));
    }
  }
  const notified = input.sections.filter((s) => s.title !== 'Resolved').flatMap((s) => s.findings);
  const summary = counts(notified) || 'no open findings';
  const { muted, belowMinSeverity, minSeverity } = input.omitted;
  const footerParts = [
    muted > 0 ? `${muted} muted` : '',
    belowMinSeverity > 0 ? `${belowMinSeverity} below ${minSeverity}` : '',
  ].filter(Boolean);
  const footer: Block = {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `${footerParts.length > 0 ? `Not shown: ${footerParts.join(', ')}. ` : ''}<${PORTAL_URL}|Manage API tokens in the Gcore portal>`,
      },
    ],
  };

  // Pack greedily: header + body blocks + footer, within the block count and the character budget.
  // The header is plain text outside the budget; the footer is on every page, so it is reserved up front.
  const pages: Block[][] = [];
  let page: Block[] = [];
  const reserved = size(footer);
  let chars = reserved;
  const fixed = 2; // header and footer
  for (const block of body) {
    if (page.length > 0 && (page.length + fixed >= SLACK_LIMITS.blocks || chars + size(block) > MESSAGE_CHAR_BUDGET)) {
      pages.push(page);
      page = [];
      chars = reserved;
    }
    page.push(block);
    chars += size(block);
  }
  pages.push(page);

  return pages.map((blocks, i) => {
    const part = pages.length > 1 ? ` (${i + 1}/${pages.length})` : '';
    const title = fitText(`Gcore token audit: ${summary}`, SLACK_LIMITS.headerText - part.length) + part;
    return {
      text: title,
      blocks: [{ type: 'header', text: { type: 'plain_text', text: title } }, ...blocks, footer],
    };
  });
}
