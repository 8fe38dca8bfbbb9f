import { openFindings } from '../../alerts/open-findings.js';
import { UsageError } from '../../core/errors.js';
import type { Severity } from '../../core/severity.js';
import type { RuleId } from '../../core/rule-catalog.js';
import { formatOpenFindingsCsv, formatOpenFindingsTable } from '../report/format-open-findings.js';
import { createAlertStateStore } from '../../store/alert-state-store.js';
import { createActionStore } from '../../store/action-store.js';
import { EXIT } from './exit-codes.js';
import { writeJson } from '../report/json-chunks.js';
import { withRedis, type ReadIo } from './read-redis.js';
import { toOutput } from './output-file.js';

export interface FindingsFlags {
  readonly format: 'table' | 'wide' | 'json' | 'csv';
  readonly severity?: Severity;
  readonly rule?: RuleId;
  readonly account?: string;
  readonly owner?: string;
  readonly muted: boolean;
  readonly timeout: string;
  /** Write the list here (atomically) instead of stdout. */
  readonly output?: string;
}

/** The open findings the worker holds in Redis, one per finding id, most severe first. */
export async function findingsCommand(flags: FindingsFlags, io: ReadIo): Promise<number> {
  let clientId: number | undefined;
  if (flags.account !== undefined) {
    clientId = Number(flags.account);
    if (!/^\d{1,15}$/.test(flags.account) || clientId <= 0) {
      throw new UsageError(`--account: expected an account id (a positive integer), got ${JSON.stringify(flags.account.slice(0, 32))}`);
    }
  }
  const now = io.clock?.() ?? new Date();
  const { states, version, acks } = await withRedis(io, flags.timeout, async ({ client, prefix }) => ({
    ...(await createAlertStateStore(client, prefix).load()),
    acks: await createActionStore(client, prefix).acknowledged(now),
  }));
  if (version === 0) {
    // Nothing committed yet is not "no findings": say so, so nobody reads an empty list as a clean estate.
    io.stderr.write('gcore-token-audit: no run has been committed in this Redis under this QUEUE_PREFIX yet: no findings are known\n');
  }
  const filter = { severity: flags.severity, rule: flags.rule, clientId, owner: flags.owner };
  // Acknowledged from Slack: still open, shown with who acknowledged it and until when reminders skip it.
  const shown = openFindings(states.values(), { ...filter, muted: flags.muted }).map((f) => {
    const ack = acks.get(f.id);
    return ack === undefined ? f : { ...f, acknowledged: { by: ack.by, name: ack.name, at: ack.at, until: ack.until } };
  });
  await toOutput(flags.output, io.stdout, async (out) => {
    if (flags.format === 'json') {
      await writeJson(out, shown);
    } else if (flags.format === 'csv') {
      out.write(formatOpenFindingsCsv(shown));
    } else {
      const muted = flags.muted ? 0 : openFindings(states.values(), { ...filter, muted: true }).length;
      out.write(formatOpenFindingsTable(shown, { muted, showingMuted: flags.muted }, flags.format === 'wide'));
    }
  });
  return EXIT.ok;
}
