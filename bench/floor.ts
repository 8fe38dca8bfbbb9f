/**
 * The floor: a bare HTTP loop that lists each account, then gets each token, at the given concurrency,
 * doing nothing else (no validation, no rules, no report). Whatever `audit` takes beyond this is our cost.
 * With BENCH_CLIENT=got the same loop goes through got, configured as the audit's client was until it read
 * Gcore over `node:http` itself (src/gcore/http-get.ts): the difference between the two is got's own cost.
 */
import { Agent, request } from 'node:http';
import { apiKeyOf, clientIdOf } from './bench-fixture.js';

const base = new URL(process.env.BENCH_GCORE_URL ?? '');
const accounts = Number(process.env.BENCH_ACCOUNTS);
const concurrency = Number(process.env.BENCH_CONCURRENCY);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

// Loaded only for the got loop, so the bare loop stays bare.
const client =
  process.env.BENCH_CLIENT === 'got'
    ? (await import('got')).default.extend({ prefixUrl: base.href, responseType: 'json', timeout: { request: 10_000 }, retry: { limit: 3 } })
    : null;

function get(path: string, key: string): Promise<unknown> {
  return client ? getWithGot(client, path, key) : getBare(path, key);
}

async function getWithGot(got: NonNullable<typeof client>, path: string, key: string): Promise<unknown> {
  return (await got.get(path.slice(1), { headers: { authorization: `APIKey ${key}` } })).body;
}

function getBare(path: string, key: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, agent, headers: { authorization: `APIKey ${key}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))) : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function pool<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const pull = async () => {
    while (next < items.length) {
      await fn(items[next++] as T);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, pull));
}

const gets: { clientId: number; id: number }[] = [];
await pool(
  Array.from({ length: accounts }, (_, a) => clientIdOf(a)),
  async (clientId) => {
    const list = (await get(`/iam/v2/clients/${clientId}/tokens`, apiKeyOf(clientId))) as { id: number }[];
    gets.push(...list.map((t) => ({ clientId, id: t.id })));
  },
);
await pool(gets, async ({ clientId, id }) => {
  await get(`/iam/v2/clients/${clientId}/tokens/${id}`, apiKeyOf(clientId));
});
process.stdout.write(`${JSON.stringify({ tokens: gets.length })}\n`);
agent.destroy();
