import type { Severity } from '../core/severity.js';
import type { Mute } from '../core/mute.js';
import type { Policy } from '../rules/policy.js';
import type { ApiVersion } from '../gcore/gcore-api.js';
import type { Route } from '../alerts/route-findings.js';

export interface InventoryToken {
  readonly id: number;
  /** Shown in reports and alerts. */
  readonly owner: string | null;
}

export interface AccountConfig {
  /** null: taken from `GET /iam/clients/me` with the account's key. */
  readonly clientId: number | null;
  /** For people: shown wherever the account is. */
  readonly name: string | null;
  /** The environment variable holding the key (or `<name>_FILE`, a file holding it). */
  readonly apiKeyEnv: string;
  /** List the account's tokens and audit all of them, not only the inventory. */
  readonly discover: boolean;
  /** The inventory: the tokens the team knows about. */
  readonly tokens: readonly InventoryToken[];
}

/** The whole configuration, validated once at the edge. Read-only from there on. */
export interface Config {
  readonly schedule: { readonly cron: string; readonly timezone: string };
  readonly gcore: {
    readonly baseUrl: string;
    readonly apiVersion: ApiVersion;
    readonly concurrency: number;
    /** Token jobs one worker replica runs at once; `concurrency` caps all replicas together. */
    readonly concurrencyPerWorker: number;
    readonly timeoutMs: number;
    readonly retries: number;
    readonly ratePerSecond: number | null;
    /** A longer token list makes the account's enumeration an error, and none of the list is audited. */
    readonly maxTokensPerAccount: number;
  };
  readonly accounts: readonly AccountConfig[];
  readonly policy: Policy;
  readonly mutes: readonly Mute[];
  /** `mutes.maxDays`: how far ahead `mute add --until` may reach. */
  readonly muteMaxDays: number;
  readonly notify: { readonly slack: SlackSettings };
  /** Sweeps for new tokens between runs; null: off (`sentinel: false`). */
  readonly sentinel: SentinelSettings | null;
  /** `runs.keep`: the run records (reports) kept at most; the commit drops the oldest beyond it. */
  readonly runs: { readonly keep: number };
  /** `evidence`: where the worker writes each run's evidence folder, and how many it keeps; null: none. */
  readonly evidence?: { readonly dir: string; readonly keep: { readonly count: number } | { readonly days: number } | null } | null;
}

export interface SentinelSettings {
  readonly everySeconds: number;
  /** New tokens' findings at or above it are posted at once; the others wait for the next run. */
  readonly minSeverity: Severity;
}

export interface SlackSettings {
  /** Findings below it are counted, not posted. */
  readonly minSeverity: Severity;
  readonly renotifyAfterHours: number;
  /** The most messages one run posts to one webhook, everything included. */
  readonly maxMessagesPerRun: number;
  /** New findings at or above it are told token by token; below, rolled up by rule. */
  readonly detailSeverity: Severity;
  /** Tried in order; findings no route takes go to SLACK_WEBHOOK_URL. */
  readonly routes: readonly Route[];
  /** The hosts a webhook may point at (lower case); absent: Slack's own, DEFAULT_WEBHOOK_HOSTS. */
  readonly allowedHosts?: readonly string[];
}
