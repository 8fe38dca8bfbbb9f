import type { Logger } from 'pino';
import { cleanText } from '../../core/clean-text.js';
import { GcoreNotFoundError, RevocationRefusedError, UsageError } from '../../core/errors.js';
import { approvalRefusal, fingerprintOf, parseTokenPair, requestLapsed } from '../../core/revocation.js';
import type { Config } from '../../config/config.js';
import { showValue } from '../../config/format-issues.js';
import type { Secrets } from '../../config/secrets.js';
import { createGcoreApi } from '../../gcore/create-gcore-api.js';
import { createTokenDeleter } from '../../gcore/create-token-deleter.js';
import { parseToken } from '../../gcore/parse-token.js';
import { createRequestLimiter } from '../../gcore/request-limiter.js';
import { carryOutRevocation, type RevokeResult } from '../../run/revoke-token.js';
import { connectRedis } from '../../store/redis-connection.js';
import { createAuditQueues } from '../../store/audit-queues.js';
import { within } from '../../core/within.js';
import { createAlertStateStore } from '../../store/alert-state-store.js';
import { createRevocationStore, pendingRevocation, type RevocationStore } from '../../store/revocation-store.js';
import { accountKeys, accountOf } from '../../run/revocation-account.js';
import { EXIT } from './exit-codes.js';
import { textTable } from './text-table.js';

export interface RevokeIo {
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly secrets: Secrets;
  readonly stdout: { write(text: string): unknown };
  readonly clock: () => Date;
  readonly gcoreRetryBaseDelayMs?: number;
  /** Claim lease of `approve` (tests shorten it). */
  readonly leaseMs?: number;
}

// Who and why are read by the second person and in `revoke list`: invisible characters only say nothing.
function visibleText(flag: string, text: string, what: string, max: number): string {
  const clean = cleanText(text);
  if (clean === '') {
    throw new UsageError(`${flag}: say ${what}, in visible characters${text === '' ? '' : ' (only invisible ones were given)'}`);
  }
  if (clean.length > max) {
    throw new UsageError(`${flag}: at most ${max} characters`);
  }
  return clean;
}

const person = (flag: string | undefined, env: NodeJS.ProcessEnv) =>
  visibleText('--by', flag ?? env.USER ?? env.LOGNAME ?? '', 'who (not given, or $USER is not set)', 100);

function remediationOn(config: Config) {
  const settings = config.remediation;
  if (!settings?.enabled) {
    throw new RevocationRefusedError('remediation is off (remediation.enabled: false): no token can be revoked');
  }
  return settings;
}

async function withStores<T>(io: RevokeIo, historyDays: number, fn: (revocations: RevocationStore, redis: Awaited<ReturnType<typeof connectRedis>>) => Promise<T>): Promise<T> {
  const connection = await connectRedis(io.env, io.logger, { timeoutMs: 10_000 });
  try {
    const store = createRevocationStore(connection.client, connection.prefix);
    await store.prune(io.clock(), historyDays);
    return await fn(store, connection);
  } finally {
    await connection.close();
  }
}

const gcoreOf = (config: Config, io: RevokeIo) => {
  const limiter = createRequestLimiter({ concurrency: 1, ratePerSecond: config.gcore.ratePerSecond ?? undefined });
  const api = createGcoreApi({ ...config.gcore, limiter, retryBaseDelayMs: io.gcoreRetryBaseDelayMs });
  return { limiter, api };
};

/** `revoke request TOKEN`: records a pending revocation with the token as it is now; prints its id. */
export async function revokeRequestCommand(config: Config, target: string, flags: { reason: string; by?: string }, io: RevokeIo): Promise<number> {
  const settings = remediationOn(config);
  const reason = visibleText('--reason', flags.reason, 'why', 500);
  const by = person(flags.by, io.env);
  return withStores(io, settings.historyDays, async (revocations, connection) => {
    const { states } = await createAlertStateStore(connection.client, connection.prefix).load();
    const open = [...states.values()].map((s) => s.finding);
    let pair = parseTokenPair(target);
    if (pair === null) {
      const finding = open.find((f) => f.id === target);
      if (finding === undefined || finding.clientId === null || finding.tokenId === null) {
        throw new UsageError(`${showValue(target)}: expected clientId/tokenId (456/101) or the id of an open finding about a token`);
      }
      pair = { clientId: finding.clientId, tokenId: finding.tokenId };
    }
    const { clientId, tokenId } = pair;
    const { api } = gcoreOf(config, io);
    const account = await accountOf(config, clientId, api, io.secrets);
    let raw: unknown;
    try {
      raw = await api.getToken(clientId, tokenId, io.secrets.get(account.apiKeyEnv));
    } catch (error) {
      if (error instanceof GcoreNotFoundError) {
        throw new UsageError(`token ${clientId}/${tokenId} does not exist (HTTP 404): nothing to revoke`);
      }
      throw error;
    }
    const record = pendingRevocation({
      clientId,
      tokenId,
      reason,
      requestedBy: by,
      now: io.clock(),
      findings: open.filter((f) => f.clientId === clientId && f.tokenId === tokenId).map((f) => f.id),
      fingerprint: fingerprintOf(parseToken(raw)),
    });
    await revocations.add(record);
    io.stdout.write(`${record.id}\n`);
    return EXIT.ok;
  });
}

function describeResult(result: RevokeResult, id: string): { line: string; code: number } {
  const r = result.record;
  const token = r ? `token ${r.clientId}/${r.tokenId}` : '';
  switch (result.kind) {
    case 'done':
      return { line: `${id}: ${token} revoked (${r?.outcome ?? ''}), asked by ${r?.requestedBy ?? '?'}, approved by ${r?.approvedBy ?? '?'}`, code: EXIT.ok };
    case 'refused':
      return { line: `${id}: refused: ${r?.outcome ?? ''}`, code: EXIT.refused };
    case 'lapsed':
      return { line: `${id}: lapsed: not approved in time; nothing was deleted (ask again with \`revoke request\`)`, code: EXIT.refused };
    case 'finished':
      return { line: `${id}: already ${r?.status ?? ''}${r?.outcome ? ` (${r.outcome})` : ''}; nothing more was done`, code: EXIT.refused };
    case 'busy':
      return { line: `${id}: being carried out by another process; nothing was done here (\`revoke list\` shows how it ends)`, code: EXIT.refused };
    case 'missing':
      return { line: `${id}: no such revocation`, code: EXIT.usage };
  }
}

/** `revoke approve ID`: a second person carries out the revocation (see carryOutRevocation). */
export async function revokeApproveCommand(config: Config, id: string, flags: { by?: string }, io: RevokeIo): Promise<number> {
  const settings = remediationOn(config);
  const by = person(flags.by, io.env);
  return withStores(io, settings.historyDays, async (revocations, connection) => {
    const record = await revocations.get(id);
    if (record === null) {
      throw new UsageError(`no revocation ${showValue(id)} (\`revoke list\` shows them)`);
    }
    if (record.kind === 'quarantine') {
      // Its policy is the second person, at the deadline it announced: nobody deletes it earlier by hand.
      throw new RevocationRefusedError(
        `${id} is a quarantine (remediation.quarantine, rule ${record.quarantine?.rule ?? '?'}): its policy carries it out at its deadline, ${record.quarantine?.deadline ?? '?'}; \`revoke keep ${id}\` keeps the token`,
      );
    }
    const refusal = approvalRefusal(record.requestedBy, by);
    if (refusal !== null) {
      throw new RevocationRefusedError(refusal);
    }
    const { api, limiter } = gcoreOf(config, io);
    const account = await accountOf(config, record.clientId, api, io.secrets);
    if (!account.remediationKeyEnv) {
      throw new UsageError(`account ${record.clientId} has no deleting key (accounts[].remediationKeyEnv or remediation.apiKeyEnv)`);
    }
    const deleteEnv = account.remediationKeyEnv;
    // Built here, after every check, and only with remediation on: nothing else holds a deleter.
    const deleter = createTokenDeleter({ ...config.gcore, limiter, getToken: (c, t, k) => api.getToken(c, t, k), retryBaseDelayMs: io.gcoreRetryBaseDelayMs });
    const result = await carryOutRevocation(id, by, {
      store: revocations,
      api,
      deleter,
      keys: () => accountKeys(account, deleteEnv, io.secrets),
      protect: settings.protect,
      approvalHours: settings.approvalHours,
      leaseMs: io.leaseMs,
      clock: io.clock,
      logger: io.logger,
      alertStates: createAlertStateStore(connection.client, connection.prefix),
    });
    if (result.kind === 'done') {
      // The "Revoked" message is in the outbox: a worker delivers it now rather than after the next run.
      const queues = createAuditQueues(connection.client, connection.prefix);
      try {
        await within(queues.requestDelivery(), 5000);
      } finally {
        await within(queues.close(), 1000);
      }
    }
    const { line, code } = describeResult(result, id);
    io.stdout.write(`${line}\n`);
    return code;
  });
}

/**
 * `revoke keep ID --by NAME --reason TEXT`: the token is approved to stay. A pending revocation (a request, or
 * a quarantine's deadline) becomes `kept`, with who and why, and is never carried out. Both flags are required:
 * keeping a token someone (or a policy) asked to delete is a decision people read later.
 */
export async function revokeKeepCommand(config: Config, id: string, flags: { by?: string; reason?: string }, io: RevokeIo): Promise<number> {
  const by = visibleText('--by', flags.by ?? '', 'who keeps the token', 100);
  const reason = visibleText('--reason', flags.reason ?? '', 'why the token stays', 500);
  return withStores(io, config.remediation?.historyDays ?? 400, async (revocations) => {
    const closed = await revocations.close(id, 'kept', by, `kept by ${by}: ${reason}`, io.clock());
    if (closed === null) {
      throw new UsageError(`no revocation ${showValue(id)} (\`revoke list\` shows them)`);
    }
    if (closed.verdict === 'not-pending') {
      throw new RevocationRefusedError(`${id} is ${closed.record.status}, not pending: there is nothing to keep it from`);
    }
    io.stdout.write(`kept ${id}: token ${closed.record.clientId}/${closed.record.tokenId} stays (${reason})\n`);
    return EXIT.ok;
  });
}

/** `revoke cancel ID`: a pending revocation is dropped (kept in the history as cancelled). */
export async function revokeCancelCommand(config: Config, id: string, flags: { by?: string }, io: RevokeIo): Promise<number> {
  const by = person(flags.by, io.env);
  return withStores(io, config.remediation?.historyDays ?? 400, async (revocations) => {
    const closed = await revocations.close(id, 'cancelled', by, `cancelled by ${by}`, io.clock());
    if (closed === null) {
      throw new UsageError(`no revocation ${showValue(id)} (\`revoke list\` shows them)`);
    }
    if (closed.verdict === 'not-pending') {
      throw new RevocationRefusedError(`${id} is ${closed.record.status}, not pending: it cannot be cancelled`);
    }
    io.stdout.write(`cancelled ${id}: token ${closed.record.clientId}/${closed.record.tokenId}\n`);
    return EXIT.ok;
  });
}

/** `revoke list`: every revocation kept; a pending one past remediation.approvalHours is marked lapsed first. */
export async function revokeListCommand(config: Config, flags: { format: 'table' | 'json' }, io: RevokeIo): Promise<number> {
  const approvalHours = config.remediation?.approvalHours ?? 72;
  const rows = await withStores(io, config.remediation?.historyDays ?? 400, async (revocations) => {
    const now = io.clock();
    for (const r of await revocations.list()) {
      if (r.status === 'pending' && r.kind !== 'quarantine' && requestLapsed(r.requestedAt, approvalHours, now)) {
        await revocations.close(r.id, 'lapsed', null, 'not approved in time', now);
      }
    }
    return revocations.list();
  });
  if (flags.format === 'json') {
    io.stdout.write(`${JSON.stringify(rows.map(({ owner: _o, leaseUntil: _l, ...r }) => r), null, 2)}\n`);
    return EXIT.ok;
  }
  if (rows.length === 0) {
    io.stdout.write('No revocations.\n');
    return EXIT.ok;
  }
  io.stdout.write(
    textTable(
      ['ID', 'STATUS', 'TOKEN', 'ASKED BY', 'ASKED AT', 'APPROVED BY', 'OUTCOME', 'REASON'],
      rows.map((r) => [
        r.id,
        r.status,
        `${r.clientId}/${r.tokenId}`,
        r.requestedBy,
        r.requestedAt,
        r.approvedBy ?? r.closedBy ?? '-',
        r.outcome ?? '-',
        r.reason,
      ]),
    ),
  );
  return EXIT.ok;
}
