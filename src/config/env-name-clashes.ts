import { formatPath } from './format-issues.js';

/** One `*Env` of the configuration: where it is written, the variable it names (none: not written), and what it holds. */
interface EnvUse {
  readonly path: (string | number)[];
  readonly name: string | undefined;
  /** Uses of one kind may share a variable (two accounts, one key); uses of two kinds may not. */
  readonly kind: 'gcore-key' | 'webhook' | 'directory-token' | 'gcore-delete-key';
  readonly purpose: string;
}

export interface EnvNameClash {
  readonly path: (string | number)[];
  readonly message: string;
}

interface EnvNamesInput {
  readonly accounts: readonly { readonly clientId?: number | undefined; readonly apiKeyEnv: string; readonly remediationKeyEnv?: string | undefined }[];
  readonly notify: { readonly slack: { readonly routes: readonly { readonly name: string; readonly webhookEnv: string }[] } };
  readonly issuers?: { readonly directory?: { readonly tokenEnv?: string | undefined } | undefined };
  readonly remediation?: { readonly apiKeyEnv?: string | undefined };
}

/**
 * Every `*Env` that names a variable another `*Env` reads for another purpose: `apiKeyEnv: TEAM_A_WEBHOOK`
 * would send route team-a's webhook URL to Gcore as `Authorization: APIKey …`. One problem per later use,
 * naming both purposes (and never a value: only names are known here).
 */
export function envNameClashes(config: EnvNamesInput): EnvNameClash[] {
  const account = (a: { readonly clientId?: number | undefined }, i: number) => (a.clientId === undefined ? `accounts[${i}]` : `account ${a.clientId}`);
  const uses: EnvUse[] = [
    ...config.accounts.map((a, i): EnvUse => ({ path: ['accounts', i, 'apiKeyEnv'], name: a.apiKeyEnv, kind: 'gcore-key', purpose: `the Gcore API key of ${account(a, i)}` })),
    ...config.notify.slack.routes.map((r, i): EnvUse => ({
      path: ['notify', 'slack', 'routes', i, 'webhookEnv'],
      name: r.webhookEnv,
      kind: 'webhook',
      purpose: `the Slack webhook of route "${r.name}"`,
    })),
    { path: ['issuers', 'directory', 'tokenEnv'], name: config.issuers?.directory?.tokenEnv, kind: 'directory-token', purpose: "the company directory's bearer token" },
    // The deleting key is a kind of its own: the audit's read key may never be the one that deletes.
    ...config.accounts.map((a, i): EnvUse => ({ path: ['accounts', i, 'remediationKeyEnv'], name: a.remediationKeyEnv, kind: 'gcore-delete-key', purpose: `the deleting key of ${account(a, i)}` })),
    { path: ['remediation', 'apiKeyEnv'], name: config.remediation?.apiKeyEnv, kind: 'gcore-delete-key', purpose: 'the deleting key (remediation.apiKeyEnv)' },
  ];
  const first = new Map<string, EnvUse>();
  const clashes: EnvNameClash[] = [];
  for (const use of uses) {
    if (use.name === undefined) {
      continue; // not written: reads nothing
    }
    const earlier = first.get(use.name);
    if (earlier === undefined) {
      first.set(use.name, use);
    } else if (earlier.kind !== use.kind) {
      clashes.push({
        path: use.path,
        message: `${use.name} holds ${earlier.purpose} (${formatPath(earlier.path)}), not ${use.purpose}: name a variable of its own for each`,
      });
    }
  }
  return clashes;
}
