import { z } from 'zod';
import { SEVERITIES } from '../core/severity.js';
import { RULE_IDS } from '../rules/rule-catalog.js';
import { DEFAULT_THRESHOLDS, ROLE_NAMES } from '../rules/policy.js';
import { cronProblem } from '../core/schedule-gap.js';

const positiveInt = z.number().int().positive();
const days = z.number().int().nonnegative();
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');

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
const untilSchema = z
  .string()
  .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) || /^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:\d{2})$/.test(v), {
    message: 'expected a date (2027-01-31) or a timestamp with a zone (2027-01-31T12:00:00Z)',
  })
  .refine((v) => !Number.isNaN(Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v)), { message: 'not a real date' });

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
    apiKeyEnv: envName.default('GCORE_API_KEY'),
    discover: z.boolean().default(true),
    tokens: z.array(inventoryToken).default([]),
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
    mutes: z
      .array(
        z
          .object({
            rule: z.enum(RULE_IDS),
            clientId: positiveInt,
            tokenId: positiveInt,
            reason: z.string().min(1).max(500),
            until: untilSchema,
          })
          .strict(),
      )
      .default([]),
    notify: z
      .object({
        slack: z
          .object({
            minSeverity: z.enum(SEVERITIES).default('low'),
            renotifyAfterHours: positiveInt.default(168),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
