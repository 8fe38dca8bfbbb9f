/**
 * The bench's Gcore stand-in, in a process of its own so that serving requests never competes with the
 * process being measured. Prints its URL on stdout, then serves until stdin closes. Each line on stdin is a
 * command answered with one JSON line on stdout: `counts` (list, get and other API calls so far), `add <n>`
 * (n new tokens, one to each of the first n accounts, in the fixture's mix), for the sentinel's sweep case.
 */
import { createInterface } from 'node:readline';
import { startGcoreStandIn } from '../test/support/gcore-stand-in.js';
import { apiKeyOf, benchToken, BIG_ACCOUNT_ID, clientIdOf, TOKENS_PER_ACCOUNT } from './bench-fixture.js';

const accounts = Number(process.env.BENCH_ACCOUNTS ?? 20);
const gcore = await startGcoreStandIn();
gcore.latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 20);
function addAccount(clientId: number, count: number) {
  gcore.keys.set(apiKeyOf(clientId), clientId);
  const tokens = new Map<number, unknown>();
  for (let i = 0; i < count; i += 1) {
    const token = benchToken(clientId, i);
    tokens.set(token.id as number, token);
  }
  gcore.accounts.set(clientId, tokens);
}
for (let a = 0; a < accounts; a += 1) {
  addAccount(clientIdOf(a), TOKENS_PER_ACCOUNT);
}
const big = Number(process.env.BENCH_BIG_ACCOUNT_TOKENS ?? 0);
if (big > 0) {
  addAccount(BIG_ACCOUNT_ID, big);
}

// The stand-in keeps a log of requests for tests; the bench counts them and does not need it to grow for hours.
const counts = { list: 0, get: 0, other: 0 };
function tally() {
  for (const request of gcore.requests.splice(0)) {
    const m = /^GET \/iam(?:\/v2)?\/clients\/\d+\/tokens(\/\d+)?$/.exec(request);
    counts[m === null ? 'other' : m[1] === undefined ? 'list' : 'get'] += 1;
  }
  gcore.arrivals.splice(0);
}
setInterval(tally, 1000).unref();

let added = 0;
function addTokens(n: number) {
  for (let i = 0; i < n; i += 1) {
    const clientId = clientIdOf(i % accounts);
    const token = benchToken(clientId, TOKENS_PER_ACCOUNT + added);
    gcore.accounts.get(clientId)?.set(token.id as number, token);
    added += 1;
  }
}

process.stdout.write(`${JSON.stringify({ url: gcore.url })}\n`);
const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  const [command, arg] = line.trim().split(/\s+/);
  if (command === 'add') {
    addTokens(Number(arg));
  }
  tally();
  process.stdout.write(`${JSON.stringify(counts)}\n`);
});
commands.on('close', () => void gcore.close().then(() => process.exit(0)));
