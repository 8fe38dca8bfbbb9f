import type { Severity } from '../core/severity.js';
import type { Mute } from '../core/mute.js';
import type { Policy } from '../core/policy.js';
import type { ApiVersion } from '../gcore/gcore-api.js';
import type { SlackSettings } from '../alerts/slack-settings.js';

// SlackSettings lives with the alerts that read it; re-exported for existing imports.
export type { SlackSettings } from '../alerts/slack-settings.js';
import type { ProtectEntry } from '../core/revocation.js';

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
  /** The variable of the key that deletes (remediation): this account's own, else remediation.apiKeyEnv; null: none. */
  readonly remediationKeyEnv?: string | null;
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
  /** `history.days`: each run's compact summary is kept this long (absent: 400). */
  readonly history?: { readonly days: number };
  /** `issuers`: the company directory; absent in configurations built before it existed. */
  readonly issuers?: IssuerSettings;
  /** Warnings of the load (an old rule name...), said once by the command that loaded it. */
  readonly notices?: readonly string[];
  /** Revoking tokens (`revoke`): off unless enabled (absent: off). */
  readonly remediation?: RemediationSettings;
  /** `evidence`: where the worker writes each run's evidence folder, and how many it keeps; null: none. */
  readonly evidence?: { readonly dir: string; readonly keep: { readonly count: number } | { readonly days: number } | null } | null;
  /** `actions`: acting from Slack's buttons (absent: no buttons, as when the app tokens are unset). */
  readonly actions?: ActionSettings;
}

/** `actions`, and whether the Slack app tokens are there to act with. */
export interface ActionSettings {
  /** SLACK_APP_TOKEN and SLACK_BOT_TOKEN (or their _FILE) are both set: messages carry buttons. */
  readonly interactive: boolean;
  /** Days an acknowledgement keeps a finding out of reminders. */
  readonly ackDays: number;
  /** Who may click: these users, and the members of these user groups. */
  readonly allowed: { readonly users: readonly string[]; readonly userGroups: readonly string[] };
}

/** `issuers.directory`: where the company says who still works there. */
export interface DirectorySettings {
  /** Exactly one of file and url. */
  readonly file: string | null;
  readonly url: string | null;
  /** The variable holding the URL's bearer token (or `<name>_FILE`); null: no Authorization header. */
  readonly tokenEnv: string | null;
  readonly format: 'csv' | 'json';
  /** Anyone not listed counts as gone (`absent`): always for JSON, `listsEveryActive` for CSV. */
  readonly listsEveryActive: boolean;
  /** The URL is fetched at most this often. */
  readonly refreshMinutes: number;
}

export interface IssuerSettings {
  readonly directory: DirectorySettings | null;
}

export interface RemediationSettings {
  /** false: nothing can send a DELETE (the deleter is never built). */
  readonly enabled: boolean;
  /** A request not approved within this many hours lapses. */
  readonly approvalHours: number;
  /** Finished revocations are kept this many days. */
  readonly historyDays: number;
  /** Tokens never deleted, whoever approves. */
  readonly protect: readonly ProtectEntry[];
}

export interface SentinelSettings {
  readonly everySeconds: number;
  /** New tokens' findings at or above it are posted at once; the others wait for the next run. */
  readonly minSeverity: Severity;
}

