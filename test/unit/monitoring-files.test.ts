import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { createMetrics } from '../../src/app/health/metrics.js';
import { slackActionMetrics } from '../../src/app/health/slack-action-metrics.js';
import { promtool } from '../support/promtool.js';

const RULES = 'deploy/prometheus/alerts.yml';
const RULE_TESTS = 'deploy/prometheus/alerts.test.yml';
const DASHBOARD = 'deploy/grafana/gcore-token-audit.json';

interface Target {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
}
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string }[] };
};

/** Every series name a worker's /metrics exposes, with Slack's app tokens set (a histogram as its _bucket, _sum and _count). */
async function exportedNames(): Promise<Set<string>> {
  const m = createMetrics({
    openCounts: () => Promise.resolve(new Map()),
    lastSuccess: () => Promise.resolve(null),
    gapKeys: () => Promise.resolve([]),
    queueCounts: () => Promise.resolve({}),
    staleAfterMs: () => 1,
    startedAt: 0,
  });
  slackActionMetrics(m);
  const names = new Set<string>();
  for (const metric of await m.registry.getMetricsAsJSON()) {
    // The type is a string at run time, whatever prom-client's typings say.
    const suffixes = String(metric.type) === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
    for (const suffix of suffixes) {
      names.add(`${metric.name}${suffix}`);
    }
  }
  return names;
}

const metricNames = (exprs: string[]) => new Set(exprs.flatMap((e) => [...e.matchAll(/\b(?:token_audit|process|nodejs)_[a-z0-9_]+/g)].map((m) => m[0])));

describe('monitoring files', () => {
  it('alert rules pass promtool check rules', () => {
    const run = promtool(['check', 'rules', RULES]);
    expect(run.output).toContain('SUCCESS');
    expect(run.code).toBe(0);
  });

  it('alert rules pass their promtool unit tests, firing and not firing', () => {
    const run = promtool(['test', 'rules', RULE_TESTS]);
    expect(run.output).toContain('SUCCESS');
    expect(run.code).toBe(0);
  });

  it('every alert rule has a unit test', () => {
    const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.alert));
    const tests = parse(readFileSync(RULE_TESTS, 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    for (const alert of rules) {
      const own = cases.filter((c) => c.alertname === alert);
      expect([alert, own.some((c) => c.exp_alerts.length > 0), own.some((c) => c.exp_alerts.length === 0)]).toEqual([alert, true, true]);
    }
  });

  it('rules and dashboard query only metrics the worker exports', async () => {
    const exported = await exportedNames();
    const rules = readFileSync(RULES, 'utf8')
      .split('\n')
      .filter((l) => l.trim().startsWith('expr:'));
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
    const used = metricNames([...rules, ...exprs]);
    expect([...used].filter((n) => n.startsWith('token_audit_')).length).toBeGreaterThan(8);
    expect([...used].filter((n) => !exported.has(n))).toEqual([]);
  });

  it('dashboard plots the oldest open finding’s age by severity, in seconds', () => {
    const panel = dashboard.panels.find((p) => (p.targets ?? []).some((t) => metricNames([t.expr ?? '']).has('token_audit_oldest_open_finding_age_seconds')));
    expect(panel?.targets?.map((t) => t.expr)).toEqual(['max by (severity) (token_audit_oldest_open_finding_age_seconds{job="$job"})']);
    expect((panel as { fieldConfig?: { defaults?: { unit?: string } } } | undefined)?.fieldConfig?.defaults?.unit).toBe('s');
  });

  it('dashboard: its datasource is a variable, on every panel and query', () => {
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    const sources = dashboard.panels.flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]);
    expect(sources.length).toBeGreaterThan(dashboard.panels.length);
    expect(sources.filter((s) => s?.uid !== '${datasource}')).toEqual([]);
  });
});
