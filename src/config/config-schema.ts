import { z } from 'zod';
import { SEVERITIES } from '../core/severity.js';
import { RULE_IDS } from '../core/rule-catalog.js';
import { DEFAULT_THRESHOLDS, ROLE_NAMES } from '../core/policy.js';
import { cronProblem } from '../core/schedule-gap.js';
import { parseDateOrInstant } from '../core/parse-iso-date.js';
import { cleanText } from '../core/clean-text.js';
import { PROJECT_ENV_PURPOSES } from './project-env-names.js';
import { envNameClashes } from './env-name-clashes.js';
import { DEFAULT_WEBHOOK_HOSTS } from '../core/check-webhook-url.js';
import { directoryFormatOf, directoryUrlProblem } from './directory-url.js';

const positiveInt = z.number().int().positive();
const days = z.number().int().nonnegative();
/**
 * The name of a variable that holds a secret (`apiKeyEnv`, and every other `*Env` of the configuration):
 * upper case, and not one the project reads for something else. Its `_FILE` form is read on its own.
 */
export const envNameSchema = z.string().superRefine((name, ctx) => {
  const problem = !/^[A-Z][A-Z0-9_]*$/.test(name)
    ? 'expected a variable name of capitals, digits and _ (GCORE_API_KEY_789)'
    : Object.hasOwn(PROJECT_ENV_PURPOSES, name)
      ? `${name} is read by gcore-token-audit for something else (${PROJECT_ENV_PURPOSES[name]}): name a variable of its own`
      : name.endsWith('_FILE')
        ? `${name}: name the variable without _FILE (${name.slice(0, -5)}); its _FILE form is read by itself`
        : null;
  if (problem !== null) {
    ctx.addIssue({ code: 'custom', message: problem, input: name });
  }
});

const validTimezone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

// Validated by cron-parser, the parser BullMQ's job schedulers use: 5 fields, or 6 with seconds first.
const cronSchema = z.string().superRefine((cron, ctx) => {
  const fields = cron.trim().split(/\s+/).length;
  const problem = fields === 5 || fields === 6 ? cronProblem(cron) : 'expected a cron pattern of 5 or 6 fields';
  if (problem !== null) {
    ctx.addIssue({ code: 'custom', message: problem, input: cron });
  }
});

// `until: 2027-01-31` means through that day (UTC); a full timestamp means that instant.
const untilSchema = z.string().refine((v) => parseDateOrInstant(v) !== null, {
  message: 'expected a real date (2027-01-31) or a timestamp with a zone (2027-01-31T12:00:00Z)',
});

/** Text people read (a mute's reason and author) must say something once invisible characters are removed. */
const visible = (what: string) => (text: string, ctx: z.RefinementCtx) => {
  if (cleanText(text) === '') {
    ctx.addIssue({ code: 'custom', message: `${what}, in visible characters` });
  }
};

/** Every field given must match; at least a rule or a token; a token id is unique only within its account. */
const muteEntry = z
  .object({
    rule: z.enum(RULE_IDS).optional(),
    clientId: positiveInt.optional(),
    tokenId: positiveInt.optional(),
    reason: z.string().min(1).max(500).superRefine(visible('say why')),
    until: untilSchema,
    by: z.string().min(1).max(100).superRefine(visible('say who')).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.rule === undefined && m.tokenId === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a mute names a rule, a token (tokenId with clientId), or both' });
    }
    if (m.tokenId !== undefined && m.clientId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'required with tokenId (a token id is unique only within its account)' });
    }
  });

export const DEFAULT_MUTE_MAX_DAYS = 90;
/** Run records kept at most (`runs.keep`), beside the day each is kept. */
export const DEFAULT_RUNS_KEEP = 100;
/** Days each run's compact summary is kept (`history.days`). */
export const DEFAULT_HISTORY_DAYS = 400;
const muteList = z.array(muteEntry);
const muteSettings = z
  .object({
    // How far ahead `mute add --until` may reach: a mute is a decision to review, not to forget.
    maxDays: positiveInt.max(3650).default(DEFAULT_MUTE_MAX_DAYS),
    list: muteList.default([]),
  })
  .strict();

// `mutes:` is the list of mutes (the original form), or `{ maxDays, list }`; errors keep their paths either way.
const mutesSchema = z
  .unknown()
  .transform((value, ctx) => {
    const parsed = Array.isArray(value)
      ? muteList.safeParse(value, { reportInput: true })
      : muteSettings.safeParse(value, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ ...issue });
      }
      return z.NEVER;
    }
    return Array.isArray(parsed.data) ? { maxDays: DEFAULT_MUTE_MAX_DAYS, list: parsed.data } : parsed.data;
  })
  .prefault({});

const thresholds = z
  .object({
    staleAfterDays: days.optional(),
    unusedGraceDays: days.optional(),
    maxLifetimeDays: days.optional(),
    expiringSoonDays: days.optional(),
  })
  .strict();

const inventoryToken = z.union([
  positiveInt,
  z.object({ id: positiveInt, owner: z.string().min(1).max(200).optional() }).strict(),
]);

const account = z
  .object({
    clientId: positiveInt.optional(),
    name: z.string().min(1).max(100).optional(),
    apiKeyEnv: envNameSchema.default('GCORE_API_KEY'),
    discover: z.boolean().default(true),
    tokens: z.array(inventoryToken).default([]),
    // The key `revoke approve` deletes with (remediation): its own variable, never the audit key's.
    remediationKeyEnv: envNameSchema.optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const seen = new Set<number>();
    a.tokens.forEach((t, i) => {
      const id = typeof t === 'number' ? t : t.id;
      if (seen.has(id)) {
        ctx.addIssue({ code: 'custom', path: ['tokens', i], message: `token ${id} is listed twice` });
      }
      seen.add(id);
    });
  });

// A route's name shows in logs and metrics (its webhook never does): a short slug, and not the default's.
const route = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'expected a short name of lowercase letters, digits, - and _')
      .refine((n) => n !== 'default', { message: '"default" is the route of SLACK_WEBHOOK_URL' }),
    webhookEnv: envNameSchema,
    match: z
      .object({
        accounts: z.array(positiveInt).min(1).optional(),
        owners: z.array(z.string().min(1).max(200)).min(1).optional(),
        rules: z.array(z.enum(RULE_IDS)).min(1).optional(),
        minSeverity: z.enum(SEVERITIES).optional(),
      })
      .strict()
      .default({}),
    continue: z.boolean().default(false),
  })
  .strict();

// The company directory: a file (re-read when it changes) or an https URL (fetched at most every refreshMinutes).
const directorySource = z
  .object({
    file: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    // The URL's bearer token (or its _FILE): a secret, never logged.
    tokenEnv: envNameSchema.optional(),
    format: z.enum(['csv', 'json']).optional(),
    // A CSV that lists every active person: anyone not in it counts as gone. A JSON list always does.
    listsEveryActive: z.boolean().optional(),
    refreshMinutes: positiveInt.max(1440).default(60),
  })
  .strict()
  .superRefine((d, ctx) => {
    if ((d.file === undefined) === (d.url === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'name either a file or a url' });
    }
    if (d.url !== undefined && directoryUrlProblem(d.url) !== null) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: directoryUrlProblem(d.url) ?? '' });
    }
    if (d.tokenEnv !== undefined && d.url === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tokenEnv'], message: 'only with url' });
    }
    const where = d.file ?? (d.url !== undefined && URL.canParse(d.url) ? new URL(d.url).pathname : '');
    const format = d.format ?? directoryFormatOf(where);
    if (format === null) {
      ctx.addIssue({ code: 'custom', path: ['format'], message: 'required when the name does not end in .csv or .json' });
    }
    if (format === 'json' && d.listsEveryActive === false) {
      ctx.addIssue({ code: 'custom', path: ['listsEveryActive'], message: 'a JSON directory is the list of every active person' });
    }
  });
// A token id (of any account, or of one), or a name pattern where * stands for any text.
const protectEntry = z.union([
  positiveInt.transform((tokenId) => ({ tokenId })),
  z.object({ tokenId: positiveInt, clientId: positiveInt.optional() }).strict(),
  z.object({ name: z.string().min(1).max(200) }).strict(),
]);

export const DEFAULT_APPROVAL_HOURS = 72;
export const DEFAULT_REMEDIATION_HISTORY_DAYS = 400;
// Off by default: with it off no DELETE can be sent (the deleter is never built) and the audit only reads.
const remediation = z
  .object({
    enabled: z.boolean().default(false),
    // The deleting key of every account without its own `remediationKeyEnv`.
    apiKeyEnv: envNameSchema.optional(),
    approvalHours: positiveInt.max(8760).default(DEFAULT_APPROVAL_HOURS),
    historyDays: positiveInt.max(3650).default(DEFAULT_REMEDIATION_HISTORY_DAYS),
    protect: z.array(protectEntry).default([]),
  })
  .strict();

export const DEFAULT_ACK_DAYS = 7;
// Slack's ids as its API gives them: a user (U..., or W... in an Enterprise Grid), a user group (S...).
const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'expected a Slack user id (U012ABCDEF)');
const slackGroupId = z.string().regex(/^S[A-Z0-9]{2,20}$/, 'expected a Slack user group id (S012ABCDEF)');
// Acting from Slack (README "Acting from Slack"): read only when SLACK_APP_TOKEN and SLACK_BOT_TOKEN are set.
const actions = z
  .object({
    // An acknowledgement silences reminders for a while, never for good: a quarter at most.
    ackDays: positiveInt.max(90).default(DEFAULT_ACK_DAYS),
    allowed: z
      .object({ users: z.array(slackUserId).max(1000).default([]), userGroups: z.array(slackGroupId).max(100).default([]) })
      .strict()
      .prefault({}),
  })
  .strict();

export const configSchema = z
  .object({
    schedule: z
      .object({
        cron: cronSchema.default('0 7 * * *'),
        timezone: z.string().refine(validTimezone, { message: 'unknown time zone' }).default('UTC'),
      })
      .strict()
      .prefault({}),
    gcore: z
      .object({
        apiVersion: z.enum(['v2', 'v1']).default('v2'),
        concurrency: positiveInt.max(256).default(4),
        concurrencyPerWorker: positiveInt.max(256).optional(),
        timeoutMs: positiveInt.max(600_000).default(10_000),
        retries: z.number().int().min(0).max(10).default(3),
        ratePerSecond: z.number().positive().max(10_000).optional(),
        // Gcore documents at most 100 tokens per account: a far longer list is hostile or broken.
        maxTokensPerAccount: positiveInt.max(1_000_000).default(1000),
      })
      .strict()
      .superRefine((g, ctx) => {
        if (g.concurrencyPerWorker !== undefined && g.concurrencyPerWorker > g.concurrency) {
          ctx.addIssue({
            code: 'custom',
            path: ['concurrencyPerWorker'],
            message: `at most gcore.concurrency (${g.concurrency}), which caps all replicas together`,
          });
        }
      })
      .prefault({}),
    accounts: z
      .array(account)
      .min(1)
      .prefault([{}])
      .superRefine((list, ctx) => {
        const seen = new Set<number>();
        list.forEach((a, i) => {
          if (a.clientId !== undefined && seen.has(a.clientId)) {
            ctx.addIssue({ code: 'custom', path: [i, 'clientId'], message: `account ${a.clientId} is listed twice` });
          }
          if (a.clientId !== undefined) {
            seen.add(a.clientId);
          }
        });
      }),
    policy: z
      .object({
        staleAfterDays: days.default(DEFAULT_THRESHOLDS.staleAfterDays),
        unusedGraceDays: days.default(DEFAULT_THRESHOLDS.unusedGraceDays),
        maxLifetimeDays: days.default(DEFAULT_THRESHOLDS.maxLifetimeDays),
        expiringSoonDays: days.default(DEFAULT_THRESHOLDS.expiringSoonDays),
        roles: z.partialRecord(z.enum(ROLE_NAMES), thresholds).default({}),
      })
      .strict()
      .prefault({}),
    mutes: mutesSchema,
    notify: z
      .object({
        slack: z
          .object({
            minSeverity: z.enum(SEVERITIES).default('low'),
            // A year at most: every bound duration stays far inside what a timer or a date can hold.
            renotifyAfterHours: positiveInt.max(8760).default(168),
            maxMessagesPerRun: positiveInt.max(50).default(3),
            detailSeverity: z.enum(SEVERITIES).default('high'),
            routes: z.array(route).default([]),
            // Any other host would receive every finding: a webhook variable is trusted only as far as its host.
            allowedHosts: z
              .array(z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, 'expected a host name in lower case (hooks.slack.com)'))
              .min(1)
              .default([...DEFAULT_WEBHOOK_HOSTS]),
          })
          .strict()
          .superRefine((s, ctx) => {
            const seen = new Set<string>();
            s.routes.forEach((r, i) => {
              if (seen.has(r.name)) {
                ctx.addIssue({ code: 'custom', path: ['routes', i, 'name'], message: `route "${r.name}" is named twice` });
              }
              seen.add(r.name);
            });
          })
          .prefault({}),
      })
      .strict()
      .prefault({}),
    // On by default: a new never-expiring admin token should not wait a day for the next run.
    sentinel: z
      .union([
        z.literal(false),
        z
          .object({
            everySeconds: z.number().int().min(1).max(86_400).default(300),
            minSeverity: z.enum(SEVERITIES).default('high'),
          })
          .strict(),
      ])
      .default({ everySeconds: 300, minSeverity: 'high' }),
    // Each run's record holds its whole report (tens of MB at 80,000 findings): kept a day, and at most this many.
    runs: z
      .object({ keep: positiveInt.max(10_000).default(DEFAULT_RUNS_KEEP) })
      .strict()
      .prefault({}),
    // Each run's compact summary (well under 1 KB), kept this many days whatever `runs.keep` does: `runs --since`, `trends`.
    history: z
      .object({ days: positiveInt.max(3660).default(DEFAULT_HISTORY_DAYS) })
      .strict()
      .prefault({}),
    issuers: z
      .object({ directory: directorySource.optional(), dormantAfterDays: positiveInt.max(3650).optional() })
      .strict()
      .prefault({}),
    remediation: remediation.prefault({}),
    // Each run's evidence folder (README "Evidence"); absent: none is written. keep: a count or a number of days.
    evidence: z
      .object({
        dir: z.string().min(1),
        keep: z
          .union([z.object({ count: positiveInt.max(100_000) }).strict(), z.object({ days: positiveInt.max(3650) }).strict()])
          .nullable()
          .default(null),
      })
      .strict()
      .nullable()
      .default(null),
    actions: actions.prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const clash of envNameClashes(c)) {
      ctx.addIssue({ code: 'custom', path: clash.path, message: clash.message });
    }
    if (c.remediation.enabled) {
      c.accounts.forEach((a, i) => {
        if (a.remediationKeyEnv === undefined && c.remediation.apiKeyEnv === undefined) {
          ctx.addIssue({ code: 'custom', path: ['accounts', i, 'remediationKeyEnv'], message: 'remediation is enabled: name the variable of the key that deletes (here, or remediation.apiKeyEnv for every account)' });
        }
      });
    }
  });

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
