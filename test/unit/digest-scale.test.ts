import { describe, expect, it } from '@jest/globals';
import { planAlerts, type AlertPlan, type AlertState, type RunCoverage } from '../../src/alerts/plan-alerts.js';
import { DEFAULT_ROUTE, routesOf, type Route } from '../../src/alerts/route-findings.js';
import { coverageFindings, coverageGaps } from '../../src/core/coverage.js';
import type { Finding } from '../../src/core/finding.js';
import type { TokenResult } from '../../src/core/report.js';
import type { SlackSettings } from '../../src/alerts/slack-settings.js';
import { routeDigests, type RouteMessages } from '../../src/alerts/slack/digest-messages.js';
import type { SlackMessage } from '../../src/alerts/slack/slack-message.js';
import { estate, expectWithinSlackLimits, plainText, textObjects, triageEstate, type Estate } from '../support/estate.js';
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
function run(previous: ReadonlyMap<string, AlertState>, findings: readonly Finding[], coverage: RunCoverage, now: Date, s = settings(), stateless = false): Run {
  const plan = planAlerts(previous, findings, coverage, { now, minSeverity: s.minSeverity, renotifyAfterHours: s.renotifyAfterHours, routes: s.routes });
  const digests = routeDigests(plan, {
    stateless,
    runId: `run-${now.toISOString()}`,
    trigger: stateless ? 'audit' : 'schedule',
    now,
    settings: s,
    listing: stateless ? 'audit' : 'findings',
  });
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
/** The header of a route that sees `open` of the run's `whole` open findings (all of them when not given). */
function headline(fresh: number, resolved: number, open: readonly Finding[], whole?: { fresh: number; open: number }): string {
  const counts = `(${n(open.filter((f) => f.severity === 'critical').length)} critical, ${n(open.filter((f) => f.severity === 'high').length)} high)`;
  if (whole === undefined) {
    return `${n(fresh)} new · ${n(resolved)} resolved · ${n(open.length)} open ${counts}`;
  }
  return `${n(fresh)} new here · ${n(whole.fresh)} new in all · ${n(resolved)} resolved · ${n(open.length)} open here ${counts} · ${n(whole.open)} open in all`;
}
const mrkdwnText = (messages: readonly SlackMessage[]) => messages.flatMap((m) => textObjects(m).filter((t) => t.type === 'mrkdwn').map((t) => t.text)).join('\n');
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

/** The group roll-ups of a digest's text: rule, the total it says, and the count under each account. */
function rolledUp(plain: string): { rule: string; total: number; accounts: Map<number, number> }[] {
  const lines = plain.split('\n');
  return lines.flatMap((line, i) => {
    const head = /^By account(?: \(([\d,]+) more\))?: (.*)$/.exec(line);
    const rule = /^List them: gcore-token-audit (?:findings --rule ([\w-]+)|audit .*\.rule == "([\w-]+)")/.exec(lines[i + 1] ?? '');
    if (head === null) {
      return [];
    }
    expect(rule).not.toBeNull(); // every roll-up ends with the command that lists it
    const accounts = new Map([...(head[2] ?? '').matchAll(/\((\d+)\): ([\d,]+) tokens?/g)].map((m) => [Number(m[1]), Number((m[2] ?? '').replace(/,/g, ''))]));
    const sum = [...accounts.values()].reduce((a, b) => a + b, 0);
    return [{ rule: rule?.[1] ?? rule?.[2] ?? '', total: head[1] === undefined ? sum : Number(head[1].replace(/,/g, '')), accounts }];
  });
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

  it('first run: one entry per token, its rules together, and each rule’s remediation once', () => {
    const twoRules = big.criticalTokens.filter((id) => big.findings.filter((f) => f.tokenId === id).length === 2);
    expect(twoRules.length).toBeGreaterThan(0);
    const plain = plainText(firstMessages);
    for (const id of [...big.criticalTokens, ...big.highTokens]) {
      expect(occurrences(plain, `(token ${id})`)).toBe(1);
    }
    const mrkdwn = mrkdwnText(firstMessages);
    expect(occurrences(mrkdwn, 'never-expiring-admin (critical): 30 tokens*\nWhat to do: ')).toBe(1);
    expect(occurrences(mrkdwn, 'What to do: ')).toBe(new Set(big.findings.filter((f) => f.severity === 'critical' || f.severity === 'high').map((f) => f.rule)).size);
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
    // what is not named is counted under its rule, by account, with the command that lists it: no high finding is lost
    const highRules = [...new Set(big.findings.filter((f) => f.severity === 'high').map((f) => f.rule))];
    expect(highRules.length).toBeGreaterThan(0);
    for (const rule of highRules) {
      const high = big.findings.filter((f) => f.rule === rule && f.severity === 'high');
      expect(mrkdwnText(messages)).toContain(`${rule} (high): ${high.length} tokens*`);
      const named = high.filter((f) => plain.includes(`(token ${f.tokenId})`)).length;
      expect(named + rolledUp(plain).filter((r) => r.rule === rule).reduce((a, r) => a + r.total, 0)).toBe(high.length);
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
    expect(plain).toContain(`By account (${n(crowded.criticalTokens.length - named)} more): `);
    expect(plain).toContain('List them: gcore-token-audit findings --rule never-expiring-admin');
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
    expect(r.plan.routes[0]?.open.unmuted).toBe(big.findings.length);
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
    expect(mrkdwnText(messages)).toContain('coverage-gap (high): 1 account*');
    expect(plain).toContain(`${blind.name} (${blind.clientId}) · Not fully audited: key rejected (401).`);
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
      expect(r.plan.upserts.filter((u) => u.finding === f).map((u) => u.route)).toEqual(expected);
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
    // each route sees part of the run: its header says so
    const whole = { fresh: big.findings.length, open: big.findings.length };
    expectHeader(onOncall, headline(critical.length, 0, critical, whole));
    expectHeader(onDefault, headline(rest.length, 0, rest, whole));
    const oncallText = plainText(onOncall);
    const defaultText = plainText(onDefault);
    for (const id of big.criticalTokens) {
      expect(oncallText).toContain(`(token ${id})`);
      // not told on the default route: at most an example of its medium finding there (`(token N)` then "," or the line's end)
      expect(defaultText).not.toContain(`(token ${id}) ·`);
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
      expect(r.plan.upserts.filter((u) => u.finding === f).map((u) => u.route)).toEqual(expected);
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

describe('triage first: the first digest of a new user’s estate (20 accounts × 100 tokens, 620 findings)', () => {
  const e = triageEstate();
  const severities = (s: string) => e.findings.filter((f) => f.severity === s).length;

  it('is the estate of issue 18: 100 critical, 120 high (the same two names in every account), 380 medium, 20 low', () => {
    expect([e.findings.length, severities('critical'), severities('high'), severities('medium'), severities('low')]).toEqual([620, 100, 120, 380, 20]);
    expect(e.findings.filter((f) => f.tokenName === 'purge-bot')).toHaveLength(60);
  });

  // worker (findings from Redis), audit --notify (no Redis), and each squeezed into fewer messages
  const cases = [
    { name: 'worker', stateless: false, budget: 3, list: 'gcore-token-audit findings --rule ' },
    { name: 'audit --notify', stateless: true, budget: 3, list: 'gcore-token-audit audit --format json | jq ' },
    { name: 'worker, budget 1', stateless: false, budget: 1, list: 'gcore-token-audit findings --rule ' },
    { name: 'audit --notify, budget 1', stateless: true, budget: 1, list: 'gcore-token-audit audit --format json | jq ' },
  ] as const;

  describe.each(cases)('$name', ({ stateless, budget, list }) => {
    const messages = messagesOf(run(new Map(), e.findings, coverage(e), NOW, settings({ maxMessagesPerRun: budget }), stateless));
    const plain = plainText(messages);
    const lines = plain.split('\n');

    it('fits the budget and Slack’s limits, its header counting what it shows', () => {
      expect(messages.length).toBeGreaterThanOrEqual(1);
      expect(messages.length).toBeLessThanOrEqual(budget);
      expectWithinSlackLimits(messages);
      expectHeader(messages, stateless ? '620 open (100 critical, 120 high)' : headline(620, 0, e.findings));
    });

    it('opens with where the problems are: accounts worst first with their counts, then owners', () => {
      const first = messages[0] as SlackMessage;
      const body = first.blocks.slice(1, 3);
      expect(body[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', verbatim: true, text: stateless ? '*Where the findings are*' : '*Where the new findings are*' } });
      const triage = body[1]?.type === 'section' ? body[1].text.text.split('\n') : [];
      // accounts 4, 8, 12, 16, 20 hold 8 critical tokens each: the worst, by id
      expect(triage.slice(0, 7)).toEqual([
        'By account',
        '🔴 acct-04 (1004): 8 critical · 6 high · 19 medium · 1 low',
        '🔴 acct-08 (1008): 8 critical · 6 high · 19 medium · 1 low',
        '🔴 acct-12 (1012): 8 critical · 6 high · 19 medium · 1 low',
        '🔴 acct-16 (1016): 8 critical · 6 high · 19 medium · 1 low',
        '🔴 acct-20 (1020): 8 critical · 6 high · 19 medium · 1 low',
        '+15 more accounts',
      ]);
      expect(triage[7]).toBe('By owner');
      expect(triage[8]).toMatch(/^🔴 team-\d@example\.com: \d+ critical · \d+ high · \d+ medium · \d+ low$/);
    });

    it('names every critical and high token once, or counts it under its account in its rule’s group', () => {
      const rolled = rolledUp(plain);
      for (const [rule, ids] of [
        ['never-expiring-admin', e.criticalTokens],
        ['orphaned', e.highTokens.filter((id) => e.findings.some((f) => f.tokenId === id && f.rule === 'orphaned'))],
        ['stale', e.highTokens.filter((id) => e.findings.some((f) => f.tokenId === id && f.rule === 'stale'))],
      ] as const) {
        expect(mrkdwnText(messages)).toContain(`${rule} (${rule === 'never-expiring-admin' ? 'critical' : 'high'}): ${ids.length} tokens*\nWhat to do: `);
        const unnamed = new Map<number, number>();
        for (const id of ids) {
          const times = occurrences(plain, `(token ${id})`);
          expect([id, times]).toEqual([id, times === 0 ? 0 : 1]);
          if (times === 0) {
            const clientId = e.findings.find((f) => f.tokenId === id)?.clientId ?? 0;
            unnamed.set(clientId, (unnamed.get(clientId) ?? 0) + 1);
          }
        }
        const counted = rolled.filter((r) => r.rule === rule);
        expect(counted.reduce((a, r) => a + r.total, 0)).toBe([...unnamed.values()].reduce((a, b) => a + b, 0));
        expect(new Map(counted.flatMap((r) => [...r.accounts]))).toEqual(unnamed);
      }
    });

    it('ends every roll-up with the exact command that lists it, and the footer with how to see everything', () => {
      // a group's rest ("By account (N more): …") or a rule's roll-up ("… — acct (id): n · …")
      const rollupAt = lines.flatMap((l, i) => (/^By account.*: /.test(l) || / — .*\(\d+\): /.test(l) ? [i] : []));
      expect(rollupAt.length).toBeGreaterThan(0);
      for (const i of rollupAt) {
        expect(lines[i + 1]).toMatch(new RegExp(`^List them: ${list.replace(/[|.*()]/g, '\\$&')}`));
      }
      for (const m of messages) {
        const footer = m.blocks.at(-1);
        expect(footer?.type === 'context' ? footer.elements[0]?.text : '').toContain(
          stateless ? 'Everything: `gcore-token-audit audit --format json`' : 'Everything: `gcore-token-audit findings`',
        );
      }
    });

    it('never rolls a name up without its id: two tokens called purge-bot are never one', () => {
      const mentions = [...plain.matchAll(/purge-bot(?: \(token (\d+)\))?/g)];
      for (const m of mentions) {
        expect(m[0]).toMatch(/^purge-bot \(token \d+\)$/);
      }
      expect(new Set(mentions.map((m) => m[1])).size).toBe(mentions.length);
      // and the medium roll-ups' examples (svc-N is token N) carry their id too
      const examples = [...plain.matchAll(/svc-(\d+)(?: \(token (\d+)\))?/g)];
      expect(examples.length).toBeGreaterThan(0);
      for (const m of examples) {
        expect(m[2]).toBe(m[1]);
      }
    });

    it('rolls medium and below up by rule, with counts per account', () => {
      expect(plain).toMatch(/^🟡 lifetime-too-long \(medium\): 100 — Production CDN \(1001\): 5 · acct-02 \(1002\): 5 · .* · \+15 more accounts — e\.g\. svc-17 \(token 17\), svc-21 \(token 21\), svc-25 \(token 25\)$/m);
      expect(plain).toMatch(/^🔵 expiring-soon \(low\): 20 — /m);
    });
  });

  it('at the full budget names every critical and high token, in at most 3 messages', () => {
    const messages = messagesOf(run(new Map(), e.findings, coverage(e), NOW));
    const plain = plainText(messages);
    for (const id of [...e.criticalTokens, ...e.highTokens]) {
      expect(occurrences(plain, `(token ${id})`)).toBe(1);
    }
  });

  it('at budget 1 rolls tokens up by account, the critical ones named first', () => {
    const plain = plainText(messagesOf(run(new Map(), e.findings, coverage(e), NOW, settings({ maxMessagesPerRun: 1 }))));
    const named = (ids: readonly number[]) => ids.filter((id) => plain.includes(`(token ${id})`)).length;
    expect(named(e.criticalTokens)).toBeGreaterThan(0);
    expect(named(e.highTokens)).toBeLessThan(e.highTokens.length);
    expect(named(e.highTokens) === 0 || named(e.criticalTokens) === e.criticalTokens.length).toBe(true);
    expect(plain).toMatch(/^By account(?: \(\d+ more\))?: Production CDN \(1001\): 3 tokens · /m);
  });
});
