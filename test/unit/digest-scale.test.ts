import { describe, expect, it } from '@jest/globals';
import { planAlerts, type AlertPlan, type AlertState, type RunCoverage } from '../../src/alerts/plan-alerts.js';
import { LIST_ALL_COMMAND } from '../../src/alerts/digest.js';
import { DEFAULT_ROUTE, routesOf, type Route } from '../../src/alerts/route-findings.js';
import { coverageFindings, coverageGaps } from '../../src/core/coverage.js';
import type { Finding } from '../../src/core/finding.js';
import type { TokenResult } from '../../src/core/report.js';
import type { SlackSettings } from '../../src/config/config.js';
import { routeDigests, type RouteMessages } from '../../src/slack/digest-messages.js';
import type { SlackMessage } from '../../src/slack/slack-message.js';
import { estate, expectWithinSlackLimits, plainText, textObjects, type Estate } from '../support/estate.js';
import { NOW } from '../support/tokens.js';

const HOUR = 3_600_000;
const at = (hours: number) => new Date(NOW.getTime() + hours * HOUR);
const settings = (overrides: Partial<SlackSettings> = {}): SlackSettings => ({
  minSeverity: 'low',
  renotifyAfterHours: 168,
  maxMessagesPerRun: 3,
  detailSeverity: 'high',
  routes: [],
  ...overrides,
});

interface Run {
  readonly plan: AlertPlan;
  readonly digests: RouteMessages[];
  /** The alert state after the run, as the store keeps it. */
  readonly state: Map<string, AlertState>;
}

/** One worker run: plan against the stored state, lay out each route, and store what the run decided. */
function run(previous: ReadonlyMap<string, AlertState>, findings: readonly Finding[], coverage: RunCoverage, now: Date, s = settings()): Run {
  const plan = planAlerts(previous, findings, coverage, { now, minSeverity: s.minSeverity, renotifyAfterHours: s.renotifyAfterHours, routes: s.routes });
  const digests = routeDigests(plan, { stateless: false, runId: `run-${now.toISOString()}`, trigger: 'schedule', now, settings: s, moreCommand: LIST_ALL_COMMAND });
  const state = new Map(previous);
  for (const key of plan.resolvedKeys) {
    state.delete(key);
  }
  for (const u of plan.upserts) {
    state.set(u.key, u);
  }
  return { plan, digests, state };
}

const messagesOf = (r: Run, route = DEFAULT_ROUTE): SlackMessage[] => r.digests.find((d) => d.route === route)?.messages ?? [];
const n = (x: number) => x.toLocaleString('en-US');
const headline = (fresh: number, resolved: number, open: readonly Finding[]) =>
  `${n(fresh)} new · ${n(resolved)} resolved · ${n(open.length)} open (${n(open.filter((f) => f.severity === 'critical').length)} critical, ${n(open.filter((f) => f.severity === 'high').length)} high)`;
const occurrences = (text: string, part: string) => text.split(part).length - 1;

function expectHeader(messages: readonly SlackMessage[], expected: string) {
  expect(messages.length).toBeGreaterThan(0);
  for (const m of messages) {
    const header = m.blocks[0];
    expect(header?.type).toBe('header');
    const title = header?.type === 'header' ? header.text.text : '';
    expect(title.replace(/ \(\d+\/\d+\)$/, '')).toBe(`Gcore token audit: ${expected}`);
    expect(m.text).toBe(title);
    expect(title).not.toContain('no open findings');
  }
}

const big = estate();
const coverage = (e: Estate, drop: (r: TokenResult) => boolean = () => false): RunCoverage => ({ results: e.results.filter((r) => !drop(r)) });

describe('the estate', () => {
  it('is 20 accounts × 100 tokens with about 1,900 findings, 30 critical and 60 high tokens', () => {
    expect(big.results).toHaveLength(2000);
    expect(big.findings.length).toBeGreaterThan(1800);
    expect(big.findings.length).toBeLessThan(2000);
    expect(big.criticalTokens).toHaveLength(30);
    expect(big.highTokens.length).toBeGreaterThanOrEqual(55);
    expect(big.highTokens.length).toBeLessThanOrEqual(65);
    expect(new Set(big.findings.map((f) => f.id)).size).toBe(big.findings.length);
    expect(estate()).toEqual(big); // deterministic
  });
});

describe('digest at scale (20 accounts × 100 tokens)', () => {
  const first = run(new Map(), big.findings, coverage(big), NOW);
  const firstMessages = messagesOf(first);

  it('first run: at most 3 messages, every critical and high token named, header counts true, within Slack limits', () => {
    expect(first.digests.map((d) => d.route)).toEqual([DEFAULT_ROUTE]);
    expect(firstMessages.length).toBeGreaterThanOrEqual(1);
    expect(firstMessages.length).toBeLessThanOrEqual(3);
    expectWithinSlackLimits(firstMessages);
    expectHeader(firstMessages, headline(big.findings.length, 0, big.findings));
    const plain = plainText(firstMessages);
    for (const id of [...big.criticalTokens, ...big.highTokens]) {
      expect(plain).toContain(`(token ${id})`);
    }
  });

  it('first run: one entry per token, its rules together, and each remediation once per message', () => {
    const twoRules = big.criticalTokens.filter((id) => big.findings.filter((f) => f.tokenId === id).length === 2);
    expect(twoRules.length).toBeGreaterThan(0);
    const plain = plainText(firstMessages);
    for (const id of [...big.criticalTokens, ...big.highTokens]) {
      expect(occurrences(plain, `(token ${id})`)).toBe(1);
    }
    for (const m of firstMessages) {
      const mrkdwn = textObjects(m).filter((t) => t.type === 'mrkdwn').map((t) => t.text).join('\n');
      expect(occurrences(mrkdwn, '*never-expiring-admin*:')).toBeLessThanOrEqual(1);
    }
    // the lower severities rolled up by rule, with a count
    expect(plain).toMatch(/never-used \(low\): \d+/);
    expect(plain).toMatch(/not-in-inventory \(medium\): \d+ — .*\+[\d,]+ more/);
  });

  const second = run(first.state, big.findings, coverage(big), at(1));
  const reminder = run(second.state, big.findings, coverage(big), at(169));
  const after = run(reminder.state, big.findings, coverage(big), at(170));

  it('an unchanged second run posts nothing', () => {
    expect(second.digests).toEqual([]);
  });

  it('a week later: exactly one reminder, rolled up by rule with the oldest age, critical tokens named; then silence again', () => {
    const messages = messagesOf(reminder);
    expect(messages).toHaveLength(1);
    expectWithinSlackLimits(messages);
    expectHeader(messages, headline(0, 0, big.findings));
    const plain = plainText(messages);
    expect(plain).toContain('never-expiring-admin (critical): 30 open, the oldest for 7 days');
    expect(plain).toMatch(/not-in-inventory \(medium\): [\d,]+ open, the oldest for 7 days/);
    for (const id of big.criticalTokens) {
      expect(occurrences(plain, `(token ${id})`)).toBe(1);
    }
    // a reminder is not a list: high tokens are counted, not named
    expect(plain).not.toContain(`(token ${big.highTokens[0]})`);
    expect(after.digests).toEqual([]);
  });

  it.each([1, 2])('budget %i: at most that many messages, every critical token still named', (budget) => {
    const r = run(new Map(), big.findings, coverage(big), NOW, settings({ maxMessagesPerRun: budget }));
    const messages = messagesOf(r);
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages.length).toBeLessThanOrEqual(budget);
    expectWithinSlackLimits(messages);
    expectHeader(messages, headline(big.findings.length, 0, big.findings));
    const plain = plainText(messages);
    for (const id of big.criticalTokens) {
      expect(occurrences(plain, `(token ${id})`)).toBe(1);
    }
    // what is not named is rolled up by rule: no high finding is lost
    for (const rule of ['stale', 'orphaned', 'audit-failed'] as const) {
      const high = big.findings.filter((f) => f.rule === rule && f.severity === 'high');
      const named = high.filter((f) => plain.includes(`(token ${f.tokenId})`)).length;
      const rolled = Number(new RegExp(`${rule} \\(high\\): (\\d+) —`).exec(plain)?.[1] ?? 0);
      expect(named + rolled).toBe(high.length);
    }
  });

  it('when critical tokens alone overflow one message, the message names what fits and says how many more, and where', () => {
    const crowded = estate({ criticalEvery: 7 });
    expect(crowded.criticalTokens.length).toBeGreaterThan(200);
    const r = run(new Map(), crowded.findings, coverage(crowded), NOW, settings({ maxMessagesPerRun: 1 }));
    const messages = messagesOf(r);
    expect(messages).toHaveLength(1);
    expectWithinSlackLimits(messages);
    const plain = plainText(messages);
    const named = crowded.criticalTokens.filter((id) => plain.includes(`(token ${id})`)).length;
    expect(named).toBeGreaterThan(0);
    expect(named).toBeLessThan(crowded.criticalTokens.length);
    const all = messages.flatMap((m) => textObjects(m).map((t) => t.text)).join('\n');
    expect(all).toContain(`${n(crowded.criticalTokens.length - named)} more critical tokens are not named here`);
    expect(all).toContain(LIST_ALL_COMMAND);
    expectHeader(messages, headline(crowded.findings.length, 0, crowded.findings));
  });
});

describe('resolved findings', () => {
  const first = run(new Map(), big.findings, coverage(big), NOW);
  const deleted = big.criticalTokens.find((id) => big.findings.filter((f) => f.tokenId === id).length === 2) as number;
  const expirySet = big.criticalTokens.find((id) => big.findings.filter((f) => f.tokenId === id).length === 1) as number;

  it('says why each resolved (deleted, expiry set), one line per token, and still counts what is open', () => {
    const findings = big.findings.filter((f) => f.tokenId !== deleted && !(f.tokenId === expirySet && f.rule === 'never-expiring-admin'));
    const results = big.results.map((r): TokenResult => {
      if (r.tokenId === deleted) {
        return { clientId: r.clientId, tokenId: r.tokenId, status: 'gone', findings: [] };
      }
      if (r.tokenId === expirySet && r.snapshot) {
        return { ...r, findings: [], snapshot: { ...r.snapshot, expDate: '2027-06-01T00:00:00.000Z' } };
      }
      return r;
    });
    const r = run(first.state, findings, { results }, at(2));
    const messages = messagesOf(r);
    expect(messages).toHaveLength(1);
    expectWithinSlackLimits(messages);
    expectHeader(messages, headline(0, 3, findings));
    const lines = plainText(messages).split('\n');
    const deletedLines = lines.filter((l) => l.includes(`(token ${deleted})`));
    expect(deletedLines).toHaveLength(1);
    expect(deletedLines[0]).toMatch(/^✅ .*never-expiring-admin, stale: deleted$/);
    const expiryLines = lines.filter((l) => l.includes(`(token ${expirySet})`));
    expect(expiryLines).toHaveLength(1);
    expect(expiryLines[0]).toMatch(/^✅ .*never-expiring-admin: expiry set$/);
  });

  it('a token that could not be read keeps its findings open, and says nothing', () => {
    const failed = big.criticalTokens[3] as number;
    const r = run(
      first.state,
      big.findings.filter((f) => f.tokenId !== failed),
      coverage(big, (x) => x.tokenId === failed),
      at(2),
    );
    expect(r.digests).toEqual([]);
    expect(r.plan.routes[0]?.open).toHaveLength(big.findings.length);
  });
});

describe('coverage gap', () => {
  const blind = big.accounts[4] as { clientId: number; name: string };
  const accounts = big.accounts.map((a) => ({ clientId: a.clientId, name: a.name, label: `account ${a.clientId}`, error: null as string | null }));
  const rejected = accounts.map((a) => (a.clientId === blind.clientId ? { ...a, error: 'key rejected (401)' } : a));
  const seen = big.results.filter((r) => r.clientId !== blind.clientId);
  const gapFindings = coverageFindings(rejected, coverageGaps(rejected, seen));
  const partial = [...big.findings.filter((f) => f.clientId !== blind.clientId), ...gapFindings];

  const first = run(new Map(), big.findings, coverage(big), NOW);
  const gapRun = run(first.state, partial, { results: seen }, at(1));
  const stillGap = run(gapRun.state, partial, { results: seen }, at(2));
  const reminder = run(stillGap.state, partial, { results: seen }, at(169));
  const restored = run(reminder.state, big.findings, coverage(big), at(170));

  it('is posted as new, once, naming the account and the reason; the blind account keeps its findings open', () => {
    expect(gapFindings).toHaveLength(1);
    const messages = messagesOf(gapRun);
    expect(messages).toHaveLength(1);
    expectHeader(messages, headline(1, 0, [...big.findings, ...gapFindings]));
    const plain = plainText(messages);
    expect(plain).toContain('coverage-gap (high): Not fully audited: key rejected (401).');
    expect(plain).toContain(blind.name);
    expect(stillGap.digests).toEqual([]);
  });

  it('is in the reminder while it lasts, and resolves as "coverage restored" when the account is seen again', () => {
    const plain = plainText(messagesOf(reminder));
    expect(plain).toContain('coverage-gap (high): 1 open');
    const messages = messagesOf(restored);
    expect(messages).toHaveLength(1);
    expectHeader(messages, headline(0, 1, big.findings));
    const lines = plainText(messages).split('\n').filter((l) => l.startsWith('✅'));
    expect(lines).toEqual([expect.stringMatching(/coverage-gap: coverage restored$/)]);
    expect(lines[0]).toContain(blind.name);
  });
});

describe('routes', () => {
  const oncall = (cont: boolean): Route => ({ name: 'oncall', webhookEnv: 'ONCALL_WEBHOOK', match: { minSeverity: 'critical' }, continue: cont });

  it('critical → oncall, the rest → default: each finding reaches exactly its route, each digest within its own budget, no critical on the default', () => {
    const s = settings({ routes: [oncall(false)] });
    const r = run(new Map(), big.findings, coverage(big), NOW, s);
    for (const f of big.findings) {
      const expected = f.severity === 'critical' ? ['oncall'] : [DEFAULT_ROUTE];
      expect(routesOf(f, s.routes)).toEqual(expected);
      expect(r.plan.routes.filter((p) => p.open.includes(f)).map((p) => p.route)).toEqual(expected);
      expect(r.plan.routes.filter((p) => p.newFindings.includes(f)).map((p) => p.route)).toEqual(expected);
    }
    expect(r.digests.map((d) => d.route)).toEqual(['oncall', DEFAULT_ROUTE]);
    const critical = big.findings.filter((f) => f.severity === 'critical');
    const rest = big.findings.filter((f) => f.severity !== 'critical');
    const onOncall = messagesOf(r, 'oncall');
    const onDefault = messagesOf(r, DEFAULT_ROUTE);
    for (const messages of [onOncall, onDefault]) {
      expect(messages.length).toBeLessThanOrEqual(3);
      expectWithinSlackLimits(messages);
    }
    expectHeader(onOncall, headline(critical.length, 0, critical));
    expectHeader(onDefault, headline(rest.length, 0, rest));
    const oncallText = plainText(onOncall);
    const defaultText = plainText(onDefault);
    for (const id of big.criticalTokens) {
      expect(oncallText).toContain(`(token ${id})`);
      expect(defaultText).not.toContain(`(token ${id})`);
    }
    expect(defaultText).not.toContain('(critical)');
    expect(defaultText).not.toContain('🔴');
    for (const id of big.highTokens) {
      expect(oncallText).not.toContain(`(token ${id})`);
      expect(defaultText).toContain(`(token ${id})`);
    }
  });

  it('continue: true sends a finding on to the next matching route too, each route keeping its own lifecycle', () => {
    const s = settings({ routes: [oncall(true), { name: 'security', webhookEnv: 'SECURITY_WEBHOOK', match: {}, continue: false }] });
    const r = run(new Map(), big.findings, coverage(big), NOW, s);
    for (const f of big.findings) {
      const expected = f.severity === 'critical' ? ['oncall', 'security'] : ['security'];
      expect(routesOf(f, s.routes)).toEqual(expected);
      expect(r.plan.routes.filter((p) => p.open.includes(f)).map((p) => p.route)).toEqual(expected);
    }
    expect(r.digests.map((d) => d.route)).toEqual(['oncall', 'security']);
    expectHeader(messagesOf(r, 'security'), headline(big.findings.length, 0, big.findings));
    expect(new Set(r.plan.upserts.map((u) => u.key)).size).toBe(big.findings.length + big.findings.filter((f) => f.severity === 'critical').length);
    // dropping oncall's continue: the critical findings leave the security route, silently (it was never told they resolved)
    const narrower = run(r.state, big.findings, coverage(big), at(1), settings({ routes: [oncall(false), s.routes[1] as Route] }));
    expect(narrower.digests).toEqual([]);
    expect(narrower.plan.resolvedKeys).toHaveLength(big.findings.filter((f) => f.severity === 'critical').length);
  });

  it('matches accounts, owners and rules, and a later route after continue', () => {
    const routes: Route[] = [
      { name: 'team-a', webhookEnv: 'A', match: { accounts: [1001], owners: ['TEAM-0@example.com'] }, continue: true },
      { name: 'orphans', webhookEnv: 'O', match: { rules: ['orphaned'] }, continue: false },
    ];
    const f = big.findings.find((x) => x.clientId === 1001 && x.owner === 'team-0@example.com') as Finding;
    const orphanA: Finding = { ...f, rule: 'orphaned', severity: 'high' };
    const orphanB: Finding = { ...orphanA, clientId: 1002 };
    const other = big.findings.find((x) => x.clientId === 1002 && x.rule === 'stale') as Finding;
    expect(f.rule).not.toBe('orphaned');
    expect(routesOf(f, routes)).toEqual(['team-a']);
    expect(routesOf(orphanA, routes)).toEqual(['team-a', 'orphans']);
    expect(routesOf(orphanB, routes)).toEqual(['orphans']);
    expect(routesOf(other, routes)).toEqual([DEFAULT_ROUTE]);
  });
});
