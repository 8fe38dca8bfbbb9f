import { UsageError } from '../../core/errors.js';
import { showValue } from '../../config/format-issues.js';
import { within } from '../../core/within.js';
import { createAuditQueues } from '../../store/audit-queues.js';
import { writeJson } from '../report/json-chunks.js';
import { createOutboxStore, type DeadLetter } from '../../store/outbox-store.js';
import { EXIT } from './exit-codes.js';
import { withRedis, type ReadIo } from './read-redis.js';
import { textTable } from './text-table.js';

export interface DeadLettersFlags {
  readonly route?: string;
  readonly format: 'table' | 'json';
  readonly timeout: string;
}

export interface ResendFlags {
  readonly all: boolean;
  readonly route?: string;
  readonly timeout: string;
}

/** The shape of a route's name in the configuration (and `default`): anything else cannot hold dead letters. */
const ROUTE_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

function routeFlag(route: string | undefined): string | undefined {
  if (route !== undefined && !ROUTE_NAME.test(route)) {
    throw new UsageError(`--route: expected a route's name (lowercase letters, digits, - and _; or default), got ${showValue(route)}`);
  }
  return route;
}

const clip = (text: string, n: number) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/** `deliveries dead-letters`: the messages Slack refused for good, oldest first, per route. */
export async function deadLettersCommand(flags: DeadLettersFlags, io: ReadIo): Promise<number> {
  const route = routeFlag(flags.route);
  const letters = await withRedis(io, flags.timeout, ({ client, prefix }) => createOutboxStore(client, prefix).deadLetters(route));
  if (flags.format === 'json') {
    await writeJson(io.stdout, letters);
    return EXIT.ok;
  }
  if (letters.length === 0) {
    io.stdout.write(`No dead letters${route === undefined ? '' : ` on route ${route}`}.\n`);
    return EXIT.ok;
  }
  io.stdout.write(
    textTable(
      ['ID', 'ROUTE', 'REFUSED', 'SLACK SAID', 'RUN', 'MESSAGE'],
      letters.map((l) => [l.id, l.route, l.at.slice(0, 19).replace('T', ' '), `HTTP ${l.status} ${l.answer}`, l.run, clip(l.message.text, 50)]),
    ),
  );
  io.stdout.write(`\n${letters.length} dead letter(s): \`gcore-token-audit deliveries resend ID\` (or --all) once the cause is fixed\n`);
  return EXIT.ok;
}

/**
 * `deliveries resend ID|--all [--route R]`: puts dead letters back in their routes' outboxes and asks a worker
 * to deliver now. One refused again becomes a dead letter again (with a new id): nothing is lost.
 */
export async function resendCommand(id: string | undefined, flags: ResendFlags, io: ReadIo): Promise<number> {
  const route = routeFlag(flags.route);
  if ((id === undefined) === !flags.all) {
    throw new UsageError('deliveries resend: name one dead letter by its id (`deliveries dead-letters` lists them), or --all');
  }
  return withRedis(io, flags.timeout, async ({ client, prefix }) => {
    const outbox = createOutboxStore(client, prefix);
    const letters: DeadLetter[] = (await outbox.deadLetters(route)).filter((l) => id === undefined || l.id === id);
    if (id !== undefined && letters.length === 0) {
      throw new UsageError(`no dead letter ${showValue(id)}${route === undefined ? '' : ` on route ${route}`} (\`deliveries dead-letters\` lists them)`);
    }
    const requeued: DeadLetter[] = [];
    for (const letter of letters) {
      if (await outbox.requeue(letter.route, letter.id)) {
        requeued.push(letter);
      }
    }
    if (requeued.length === 0) {
      io.stdout.write('No dead letters to resend.\n');
      return EXIT.ok;
    }
    const queues = createAuditQueues(client, prefix);
    try {
      await queues.requestDelivery();
    } finally {
      await within(queues.close(), 1000); // with Redis gone it may never settle
    }
    for (const l of requeued) {
      io.stdout.write(`requeued ${l.id} on route ${l.route}: a worker delivers it now\n`);
    }
    return EXIT.ok;
  });
}
