import { existsSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { parseUntil } from '../core/parse-iso-date.js';
import { configDocument } from './config-document.js';
import { configSchema, type ParsedConfig } from './config-schema.js';
import { formatIssues } from './format-issues.js';
import { isLoopbackHost } from '../core/loopback-host.js';
import type { Config, DirectorySettings } from './config.js';
import { directoryFormatOf } from './directory-url.js';
import { RENAMED_RULES, type RuleId } from '../core/rule-catalog.js';
import { slackAppTokensProblem, slackAppTokensSet } from './secrets.js';

export const DEFAULT_CONFIG_PATH = 'config/audit.yaml';
export const DEFAULT_GCORE_API_URL = 'https://api.gcore.com';

/** `--config`, else TOKEN_AUDIT_CONFIG, else config/audit.yaml. */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? (env.TOKEN_AUDIT_CONFIG || DEFAULT_CONFIG_PATH);
}

/**
 * The configuration of a command: `--config`, else TOKEN_AUDIT_CONFIG, else config/audit.yaml; when none is
 * named and config/audit.yaml does not exist, the built-in defaults (`path: null`). A file named explicitly
 * must exist.
 */
export function loadConfigOrDefaults(flag: string | undefined, env: NodeJS.ProcessEnv): { config: Config; path: string | null } {
  const path = configSource(flag, env);
  return { config: path === null ? parseConfig({}, env) : loadConfig(path, env), path };
}

/** The file a command reads its configuration from, or null for the built-in defaults (see loadConfigOrDefaults). */
export function configSource(flag: string | undefined, env: NodeJS.ProcessEnv): string | null {
  return flag === undefined && !env.TOKEN_AUDIT_CONFIG && !existsSync(DEFAULT_CONFIG_PATH) ? null : configPath(flag, env);
}

function untilInstant(text: string): Date {
  const until = parseUntil(text);
  if (until === null) {
    throw new Error(`unreachable: the schema accepted until ${text}`);
  }
  return until;
}

/**
 * The key travels in every request: only https, except to a loopback stand-in (tests, local proxies). The
 * problem never quotes the value: a key pasted into GCORE_API_URL would be printed back.
 */
function gcoreUrlProblem(text: string): string | null {
  if (!/^https?:\/\/[^/\s]/i.test(text) || !URL.canParse(text)) {
    return 'expected an http(s) URL';
  }
  const url = new URL(text);
  if (url.username || url.password) {
    return 'expected a URL without credentials (the key is sent as a header)';
  }
  if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
    return 'expected an https:// URL (plain http:// only to a loopback host)';
  }
  return null;
}

function directorySettings(d: NonNullable<ParsedConfig['issuers']['directory']>): DirectorySettings {
  // The schema required a format unless the name implies one, and exactly one of file and url.
  const format = d.format ?? directoryFormatOf(d.file ?? new URL(d.url ?? '').pathname) ?? 'csv';
  return {
    file: d.file ?? null,
    url: d.url ?? null,
    tokenEnv: d.tokenEnv ?? null,
    format,
    listsEveryActive: format === 'json' || d.listsEveryActive === true,
    refreshMinutes: d.refreshMinutes,
  };
}

/** Validates parsed YAML and the environment into the one read-only Config. Throws ConfigError listing every problem. */
export function parseConfig(document: unknown, env: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];
  const result = configSchema.safeParse(document ?? {}, { reportInput: true });
  if (!result.success) {
    problems.push(...formatIssues(result.error.issues));
  }
  const baseUrl = env.GCORE_API_URL || DEFAULT_GCORE_API_URL;
  const urlProblem = gcoreUrlProblem(baseUrl);
  if (urlProblem !== null) {
    problems.push(`GCORE_API_URL: ${urlProblem}`);
  }
  const appTokens = slackAppTokensProblem(env);
  if (appTokens !== null) {
    problems.push(appTokens);
  }
  if (!result.success || problems.length > 0) {
    throw new ConfigError(problems);
  }
  const c = result.data;
  const notices: string[] = [];
  // An old rule name is read as its new one for one release, and said at every load.
  const renamed = (rule: RuleId, where: string): RuleId => {
    const now = RENAMED_RULES[rule];
    if (now === undefined) {
      return rule;
    }
    notices.push(`${where}: ${rule} is the old name of ${now}, read as ${now}: rename it (the old name goes in the next release)`);
    return now;
  };
  const d = c.issuers.directory;
  if (slackAppTokensSet(env) && c.actions.allowed.users.length === 0 && c.actions.allowed.userGroups.length === 0) {
    notices.push('actions.allowed names no user and no user group: every click on a Slack button is refused');
  }
  return Object.freeze({
    schedule: c.schedule,
    gcore: {
      baseUrl: baseUrl.replace(/\/+$/, ''),
      apiVersion: c.gcore.apiVersion,
      concurrency: c.gcore.concurrency,
      concurrencyPerWorker: c.gcore.concurrencyPerWorker ?? c.gcore.concurrency,
      timeoutMs: c.gcore.timeoutMs,
      retries: c.gcore.retries,
      ratePerSecond: c.gcore.ratePerSecond ?? null,
      maxTokensPerAccount: c.gcore.maxTokensPerAccount,
    },
    accounts: c.accounts.map((a) => ({
      clientId: a.clientId ?? null,
      name: a.name ?? null,
      apiKeyEnv: a.apiKeyEnv,
      discover: a.discover,
      tokens: a.tokens.map((t) => (typeof t === 'number' ? { id: t, owner: null } : { id: t.id, owner: t.owner ?? null })),
      // Only when named: an account without a deleting key reads as before remediation existed.
      ...((a.remediationKeyEnv ?? c.remediation.apiKeyEnv) === undefined ? {} : { remediationKeyEnv: a.remediationKeyEnv ?? c.remediation.apiKeyEnv }),
    })),
    policy: c.issuers.dormantAfterDays === undefined ? c.policy : { ...c.policy, dormantAfterDays: c.issuers.dormantAfterDays },
    mutes: c.mutes.list.map((m, i) => ({
      id: `config-${i + 1}`,
      source: 'config' as const,
      rule: m.rule === undefined ? null : renamed(m.rule, `mutes[${i}].rule`),
      clientId: m.clientId ?? null,
      tokenId: m.tokenId ?? null,
      reason: m.reason,
      by: m.by ?? null,
      until: untilInstant(m.until),
      untilText: m.until,
    })),
    muteMaxDays: c.mutes.maxDays,
    notify: {
      slack: {
        ...c.notify.slack,
        routes: c.notify.slack.routes.map((r, i) =>
          r.match.rules === undefined
            ? r
            : { ...r, match: { ...r.match, rules: r.match.rules.map((rule, j) => renamed(rule, `notify.slack.routes[${i}].match.rules[${j}]`)) } },
        ),
      },
    },
    sentinel: c.sentinel === false ? null : c.sentinel,
    runs: c.runs,
    history: c.history,
    issuers: { directory: d === undefined ? null : directorySettings(d) },
    notices,
    remediation: {
      enabled: c.remediation.enabled,
      approvalHours: c.remediation.approvalHours,
      historyDays: c.remediation.historyDays,
      protect: c.remediation.protect,
      quarantine: c.remediation.quarantine.map((q, i) => ({ ...q, rule: renamed(q.rule, `remediation.quarantine[${i}].rule`) })),
    },
    evidence: c.evidence,
    actions: { interactive: slackAppTokensSet(env), ackDays: c.actions.ackDays, allowed: c.actions.allowed },
  });
}

/** Reads and validates the YAML file at `path`. */
export function loadConfig(path: string, env: NodeJS.ProcessEnv): Config {
  return parseConfig(configDocument(path), env);
}
