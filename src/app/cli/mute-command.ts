import { millisecondsInDay } from 'date-fns/constants';
import type { Logger } from 'pino';
import { cleanText } from '../../core/clean-text.js';
import { UsageError } from '../../core/errors.js';
import { describeMuteMatch, muteInForce, muteMatches, type Mute } from '../../core/mute.js';
import { parseUntil } from '../../core/parse-iso-date.js';
import { RENAMED_RULES, type RuleId } from '../../core/rule-catalog.js';
import type { Config } from '../../config/config.js';
import { showValue } from '../../config/format-issues.js';
import { connectRedis } from '../../store/redis-connection.js';
import { createAlertStateStore } from '../../store/alert-state-store.js';
import { createMuteStore, newMuteId, toMute, type StoredMute } from '../../store/mute-store.js';
import { EXIT } from './exit-codes.js';
import { textTable } from './text-table.js';

export interface MuteIo {
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly clock: () => Date;
}

export interface MuteAddFlags {
  readonly reason: string;
  readonly until: string;
  readonly rule?: RuleId;
  readonly account?: string;
  readonly token?: string;
  readonly by?: string;
}

const CONFIG_ID = /^config-(\d+)$/;

function positiveId(flag: string, text: string | undefined): number | null {
  if (text === undefined) {
    return null;
  }
  const n = Number(text);
  if (!/^\d{1,15}$/.test(text) || n <= 0) {
    throw new UsageError(`${flag}: expected an id (a positive whole number), got ${showValue(text)}`);
  }
  return n;
}

// Who and why are read by people in Slack and `mute list`: text of invisible characters only (zero-width
// spaces, tags, fillers) would say nothing while looking like an answer.
function who(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const by = cleanText(flag ?? env.USER ?? env.LOGNAME ?? '');
  if (by === '' && flag !== undefined && flag !== '') {
    throw new UsageError('--by: say who, in visible characters (only invisible ones were given)');
  }
  if (by === '') {
    throw new UsageError('--by: say who mutes it (not given, and $USER is not set)');
  }
  if (by.length > 100) {
    throw new UsageError('--by: at most 100 characters');
  }
  return by;
}

/** The mute `mute add` describes, validated: every problem is a usage error (exit 2) of one line. */
export function muteFromFlags(flags: MuteAddFlags, maxDays: number, now: Date, env: NodeJS.ProcessEnv): StoredMute {
  const clientId = positiveId('--account', flags.account);
  const tokenId = positiveId('--token', flags.token);
  if (flags.rule === undefined && tokenId === null) {
    throw new UsageError('mute add: name what to mute: --rule, --token (with --account), or both');
  }
  if (tokenId !== null && clientId === null) {
    throw new UsageError('--token needs --account: a token id is unique only within its account');
  }
  const reason = cleanText(flags.reason);
  if (reason === '' && flags.reason !== '') {
    throw new UsageError('--reason: say why, in visible characters (only invisible ones were given)');
  }
  if (reason === '' || reason.length > 500) {
    throw new UsageError('--reason: say why, in 1 to 500 characters');
  }
  const until = parseUntil(flags.until);
  if (until === null) {
    throw new UsageError(`--until: expected a real date (2027-01-31) or a timestamp with a zone (2027-01-31T12:00:00Z), got ${showValue(flags.until)}`);
  }
  if (until.getTime() <= now.getTime()) {
    throw new UsageError(`--until: ${flags.until} is already past`);
  }
  const latest = new Date(now.getTime() + maxDays * millisecondsInDay);
  if (until.getTime() > latest.getTime()) {
    throw new UsageError(`--until: at most mutes.maxDays (${maxDays}) days ahead, until ${latest.toISOString()}; got ${flags.until}`);
  }
  return {
    id: newMuteId(),
    // An old rule name (orphaned) is stored as the rule it became; muteAddCommand says so.
    rule: flags.rule === undefined ? null : (RENAMED_RULES[flags.rule] ?? flags.rule),
    clientId,
    tokenId,
    reason,
    by: who(flags.by, env),
    until: until.toISOString(),
    untilText: flags.until,
    createdAt: now.toISOString(),
  };
}

async function withMutes<T>(io: MuteIo, fn: (redis: ReturnType<typeof createMuteStore>, states: ReturnType<typeof createAlertStateStore>) => Promise<T>): Promise<T> {
  // Bounded: a Redis that does not answer, or refuses us, is a RedisUnavailableError (exit 5).
  const connection = await connectRedis(io.env, io.logger, { timeoutMs: 10_000 });
  try {
    return await fn(createMuteStore(connection.client, connection.prefix), createAlertStateStore(connection.client, connection.prefix));
  } finally {
    await connection.close();
  }
}

/** `mute add`: stores the mute (it applies from the next run of every replica) and prints its id. */
export async function muteAddCommand(config: Config, flags: MuteAddFlags, io: MuteIo): Promise<number> {
  const mute = muteFromFlags(flags, config.muteMaxDays, io.clock(), io.env);
  return withMutes(io, async (mutes, states) => {
    await mutes.add(mute);
    io.stdout.write(`${mute.id}\n`);
    if (flags.rule !== undefined && mute.rule !== flags.rule) {
      io.stderr.write(`gcore-token-audit: warning: ${flags.rule} is the old name of ${mute.rule}: ${mute.id} mutes ${mute.rule}\n`);
    }
    const { states: open } = await states.load();
    if (![...open.values()].some((s) => muteMatches(mute, s.finding))) {
      io.stderr.write(
        `gcore-token-audit: warning: ${mute.id} matches no open finding (${describeMuteMatch(mute)}); it is kept and applies to any that appears before ${mute.untilText}\n`,
      );
    }
    return EXIT.ok;
  });
}

interface MuteRow {
  readonly id: string;
  readonly source: Mute['source'];
  readonly rule: RuleId | null;
  readonly clientId: number | null;
  readonly tokenId: number | null;
  readonly by: string | null;
  readonly reason: string;
  readonly until: string;
  readonly untilText: string;
}

/** `mute list`: every mute in force, the configuration's and Redis's. */
export async function muteListCommand(config: Config, flags: { format: 'table' | 'json' }, io: MuteIo): Promise<number> {
  const now = io.clock();
  const stored = await withMutes(io, (mutes) => mutes.list());
  const rows: MuteRow[] = [...config.mutes, ...stored.map((m) => toMute(m, config.muteMaxDays))]
    .filter((m) => muteInForce(m, now))
    .map((m) => ({
      id: m.id,
      source: m.source,
      rule: m.rule,
      clientId: m.clientId,
      tokenId: m.tokenId,
      by: m.by,
      reason: m.reason,
      until: m.until.toISOString(),
      untilText: m.untilText,
    }));
  if (flags.format === 'json') {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return EXIT.ok;
  }
  if (rows.length === 0) {
    io.stdout.write('No mutes in force.\n');
    return EXIT.ok;
  }
  const dash = (v: string | number | null) => (v === null ? '-' : String(v));
  io.stdout.write(
    textTable(
      ['ID', 'SOURCE', 'RULE', 'ACCOUNT', 'TOKEN', 'BY', 'UNTIL', 'REASON'],
      rows.map((r) => [r.id, r.source, r.rule ?? '(any)', dash(r.clientId), dash(r.tokenId), dash(r.by), r.untilText, r.reason]),
    ),
  );
  return EXIT.ok;
}

/** `mute remove ID`: a mute of Redis; the next digest says who unmuted it. */
export async function muteRemoveCommand(id: string, flags: { by?: string }, io: MuteIo): Promise<number> {
  const config = CONFIG_ID.exec(id);
  if (config) {
    throw new UsageError(`${id} is a mute of the configuration file (mutes, entry ${config[1]}): remove it there and roll the file out`);
  }
  const by = who(flags.by, io.env);
  const removed = await withMutes(io, (mutes) => mutes.remove(id, by, io.clock()));
  if (removed === null) {
    throw new UsageError(`no mute ${showValue(id)} in Redis (\`mute list\` shows every mute)`);
  }
  io.stdout.write(`removed ${removed.id}: ${describeMuteMatch(removed)} (muted by ${removed.by}: ${removed.reason})\n`);
  return EXIT.ok;
}
