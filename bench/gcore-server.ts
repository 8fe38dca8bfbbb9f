/**
 * The bench's Gcore stand-in, in a process of its own so that serving requests never competes with the
 * process being measured. Prints its URL on stdout, then serves until stdin closes.
 */
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
// The stand-in keeps a log of requests for tests; the bench does not need it to grow for hours.
setInterval(() => gcore.requests.splice(0), 1000).unref();
process.stdout.write(`${JSON.stringify({ url: gcore.url })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void gcore.close().then(() => process.exit(0)));
