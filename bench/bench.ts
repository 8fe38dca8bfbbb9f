/**
 * `npm run bench`: audit throughput against the floor, peak memory and scale-out, measured side by side
 * against a local Gcore stand-in with a fixed latency and a real redis-server. Prints a Markdown table.
 * Not a test: it asserts that every token was audited, never a timing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { startRedisServer } from '../test/support/redis-server.js';
import { startSlackStandIn } from '../test/support/slack-stand-in.js';
import { CLI, spawnWorker } from '../test/support/worker-process.js';
import { apiKeyEnvOf, apiKeyOf, BENCH_NOW, clientIdOf, TOKENS_PER_ACCOUNT } from './bench-fixture.js';

const MAX_RSS = './dist/bench/max-rss.js';

interface Options {
  accounts: number;
  largeAccounts: number;
  latency: number;
  concurrency: number;
  replicas: number[];
  /** Where to keep the workers' logs (JSON lines), if anywhere. */
  logs: string | undefined;
}

interface Row {
  readonly scenario: string;
  readonly tokens: number;
  readonly wallMs: number;
  readonly floorMs: number | null;
  readonly rssKb: number | null;
  /** CPU time of the measured process(es), user and system. */
  readonly cpuMs: number | null;
  readonly redisBytesPerToken: number | null;
}

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
  readonly rssKb: number | null;
  readonly cpuMs: number | null;
}

interface Usage {
  readonly rssKb: number;
  readonly cpuMs: number;
}

const log = (text: string) => process.stderr.write(`bench: ${text}\n`);

// Whatever happens (a failed check throws), no stand-in or worker outlives the bench.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) {
    child.kill('SIGKILL');
  }
});

function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-'));
let files = 0;

function rssFile(): string {
  files += 1;
  return join(dir, `rss-${files}`);
}

function readUsage(file: string): Usage | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Usage;
  } catch {
    return null;
  }
}

/** CPU time a running process has used so far (Linux /proc; the kernel counts in 100 Hz ticks). */
function procCpuMs(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime
}

async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const value = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (value('used_cpu_user') + value('used_cpu_sys')) * 1000;
}

/** Runs `node --import max-rss <args>` to its end; wall time from spawn to exit, as a user would see it. */
function runNode(args: string[], env: Record<string, string>): Promise<Finished> {
  const rss = rssFile();
  const started = performance.now();
  const child = track(spawn(process.execPath, ['--import', MAX_RSS, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env, BENCH_RSS_FILE: rss },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const usage = readUsage(rss);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr, wallMs: performance.now() - started, rssKb: usage?.rssKb ?? null, cpuMs: usage?.cpuMs ?? null });
    });
  });
}

function check(condition: boolean, what: string, result?: Finished): asserts condition {
  if (!condition) {
    throw new Error(`${what}${result ? ` (exit ${result.code}; stderr: ${result.stderr.slice(-1500)})` : ''}`);
  }
}

async function startGcore(accounts: number, latencyMs: number) {
  const child = track(spawn(process.execPath, ['dist/bench/gcore-server.js'], {
    env: { PATH: process.env.PATH ?? '', BENCH_ACCOUNTS: String(accounts), BENCH_LATENCY_MS: String(latencyMs) },
    stdio: ['pipe', 'pipe', 'inherit'],
  }));
  let onExit: (code: number | null) => void = () => undefined;
  const line = await new Promise<string>((resolve, reject) => {
    onExit = (code) => reject(new Error(`the Gcore stand-in exited (${code})`));
    child.once('exit', onExit);
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  child.off('exit', onExit);
  const { url } = JSON.parse(line) as { url: string };
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.stdin.end();
    });
  return { url, stop, cpuMs: () => procCpuMs(child.pid) };
}

function accountsEnv(accounts: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (let a = 0; a < accounts; a += 1) {
    env[apiKeyEnvOf(clientIdOf(a))] = apiKeyOf(clientIdOf(a));
  }
  return env;
}

function writeConfig(name: string, accounts: number, gcore: string): string {
  const lines = [`gcore: ${gcore}`, 'accounts:'];
  for (let a = 0; a < accounts; a += 1) {
    lines.push(`  - { clientId: ${clientIdOf(a)}, apiKeyEnv: ${apiKeyEnvOf(clientIdOf(a))} }`);
  }
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

interface Summary {
  readonly summary: { tokensAudited: number; failed: number; findings: number };
}

async function floor(url: string, accounts: number, o: Options, client: 'bare' | 'got' = 'bare'): Promise<Finished> {
  const r = await runNode(['dist/bench/floor.js'], {
    BENCH_GCORE_URL: url,
    BENCH_ACCOUNTS: String(accounts),
    BENCH_CONCURRENCY: String(o.concurrency),
    BENCH_CLIENT: client,
  });
  check(r.code === 0, 'the floor loop failed', r);
  check((JSON.parse(r.stdout) as { tokens: number }).tokens === accounts * TOKENS_PER_ACCOUNT, 'the floor loop missed tokens', r);
  return r;
}

async function audit(url: string, accounts: number, o: Options): Promise<Finished> {
  const config = writeConfig(`audit-${accounts}`, accounts, `{ concurrency: ${o.concurrency} }`);
  const r = await runNode([CLI, 'audit', '--config', config, '--format', 'json', '--now', BENCH_NOW], {
    GCORE_API_URL: url,
    ...accountsEnv(accounts),
  });
  check(r.code === 0, 'audit failed', r);
  const { summary } = JSON.parse(r.stdout) as Summary;
  check(summary.tokensAudited === accounts * TOKENS_PER_ACCOUNT && summary.failed === 0, `audit: ${JSON.stringify(summary)}`, r);
  return r;
}

/** The kept state of one queue prefix: the sum of MEMORY USAGE over its keys, and the biggest groups. */
async function redisState(redis: Redis, prefix: string): Promise<{ bytes: number; groups: Record<string, number> }> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const pipeline = redis.pipeline();
  for (const key of keys) {
    pipeline.memory('USAGE', key, 'SAMPLES', '0');
  }
  const sizes = ((await pipeline.exec()) ?? []).map(([, size]) => Number(size ?? 0));
  const groups: Record<string, number> = {};
  keys.forEach((key, i) => {
    // token-audit:audit-tokens:123 → audit-tokens:*; token-audit:alert:abc → alert:*
    const group = key.slice(prefix.length + 1).replace(/:[^:]*\d[^:]*$/, ':*');
    groups[group] = (groups[group] ?? 0) + (sizes[i] ?? 0);
  });
  return { bytes: sizes.reduce((a, b) => a + b, 0), groups };
}

async function workers(gcore: { url: string; cpuMs: () => number }, replicas: number, o: Options, redisUrl: string, slackUrl: string) {
  const url = gcore.url;
  const accounts = o.accounts;
  const tokens = accounts * TOKENS_PER_ACCOUNT;
  const prefix = `bench${replicas}x${Date.now().toString(36)}`;
  // The same per-replica concurrency for any number of replicas; the global cap is not what is measured.
  const config = writeConfig(`worker-${replicas}`, accounts, `{ concurrency: ${o.concurrency * Math.max(...o.replicas)}, concurrencyPerWorker: ${o.concurrency} }`);
  const env = { GCORE_API_URL: url, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, SLACK_WEBHOOK_URL: slackUrl, ...accountsEnv(accounts) };

  const procs = await Promise.all(
    Array.from({ length: replicas }, async () => {
      const rss = rssFile();
      const worker = await spawnWorker({ ...env, BENCH_RSS_FILE: rss }, config, {
        nodeArgs: ['--import', MAX_RSS],
        onSpawn: (child) => {
          track(child);
          if (o.logs) {
            const logs = o.logs;
            child.stderr?.on('data', (b: Buffer) => appendFileSync(join(logs, `worker-${replicas}x-${child.pid}.log`), b));
          }
        },
      });
      return { ...worker, rss };
    }),
  );
  const trigger = async () => {
    const r = await runNode([CLI, 'trigger', '--config', config, '--wait', '--timeout', '900'], env);
    check(r.code === 0, `trigger --wait with ${replicas} worker(s) failed; worker stderr: ${procs[0]?.stderr().slice(-1500)}`, r);
    const { summary } = JSON.parse(r.stdout) as Summary;
    check(summary.tokensAudited === tokens && summary.failed === 0, `worker run: ${JSON.stringify(summary)}`, r);
    return r;
  };
  // The first run alerts on every finding: its time is mostly Slack's pace of one message a second.
  const first = await trigger();
  // The second run is every later day's run: same tokens, nothing new to say. This one is measured.
  const redis = new Redis(redisUrl);
  const cpuBefore = { workers: procs.map((p) => procCpuMs(p.child.pid)), redis: await redisCpuMs(redis), gcore: gcore.cpuMs() };
  const steady = await trigger();
  const cpu = {
    workers: procs.reduce((sum, p, i) => sum + procCpuMs(p.child.pid) - (cpuBefore.workers[i] ?? 0), 0),
    redis: (await redisCpuMs(redis)) - cpuBefore.redis,
    gcore: gcore.cpuMs() - cpuBefore.gcore,
    trigger: steady.cpuMs ?? 0,
  };
  const state = await redisState(redis, prefix);
  await redis.quit();
  for (const p of procs) {
    p.child.kill('SIGTERM');
  }
  const codes = await Promise.all(procs.map((p) => p.exited));
  check(
    codes.every((c) => c === 0),
    `a worker did not exit 0 on SIGTERM: ${codes.join(', ')}`,
  );
  const rss = procs.map((p) => readUsage(p.rss)?.rssKb ?? 0);
  return { first, steady, state, cpu, rssKb: Math.max(...rss) };
}

const mb = (kb: number | null) => (kb === null ? '–' : (kb / 1024).toFixed(0));

function table(rows: Row[]): string {
  const header = '| scenario | tokens | wall time | tokens/s | × floor | CPU | peak RSS (MB) | Redis kept / token |';
  const lines = [header, '|---|---:|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.tokens.toLocaleString('en-US')} | ${(r.wallMs / 1000).toFixed(2)} s | ${Math.round((r.tokens * 1000) / r.wallMs).toLocaleString('en-US')} | ${
        r.floorMs === null ? '1.00' : (r.wallMs / r.floorMs).toFixed(2)
      } | ${r.cpuMs === null ? '–' : `${(r.cpuMs / 1000).toFixed(2)} s`} | ${mb(r.rssKb)} | ${r.redisBytesPerToken === null ? '–' : `${Math.round(r.redisBytesPerToken)} B`} |`,
    );
  }
  return lines.join('\n');
}

async function main(o: Options): Promise<void> {
  const biggest = Math.max(o.accounts, o.largeAccounts);
  const gcore = await startGcore(biggest, o.latency);
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    for (const accounts of [o.accounts, o.largeAccounts].filter((a) => a > 0)) {
      const tokens = accounts * TOKENS_PER_ACCOUNT;
      log(`floor, ${tokens} tokens`);
      const f = await floor(gcore.url, accounts, o);
      rows.push({ scenario: `floor (bare HTTP loop)`, tokens, wallMs: f.wallMs, floorMs: null, rssKb: f.rssKb, cpuMs: f.cpuMs, redisBytesPerToken: null });
      log(`the same loop through got, ${tokens} tokens`);
      const g = await floor(gcore.url, accounts, o, 'got');
      rows.push({ scenario: 'the same loop through got', tokens, wallMs: g.wallMs, floorMs: f.wallMs, rssKb: g.rssKb, cpuMs: g.cpuMs, redisBytesPerToken: null });
      log(`audit, ${tokens} tokens`);
      const a = await audit(gcore.url, accounts, o);
      rows.push({ scenario: '`audit`', tokens, wallMs: a.wallMs, floorMs: f.wallMs, rssKb: a.rssKb, cpuMs: a.cpuMs, redisBytesPerToken: null });

      if (accounts === o.accounts && o.replicas.length > 0) {
        const redis = await startRedisServer({ appendfsync: 'everysec' });
        const slack = await startSlackStandIn();
        try {
          for (const replicas of o.replicas) {
            log(`worker ×${replicas}, ${tokens} tokens (two runs)`);
            const w = await workers(gcore, replicas, o, redis.url, slack.webhookUrl);
            rows.push({
              scenario: `worker ×${replicas}, \`trigger --wait\``,
              tokens,
              wallMs: w.steady.wallMs,
              floorMs: f.wallMs,
              rssKb: w.rssKb,
              cpuMs: w.cpu.workers,
              redisBytesPerToken: w.state.bytes / tokens,
            });
            const top = Object.entries(w.state.groups)
              .sort((x, y) => y[1] - x[1])
              .slice(0, 4)
              .map(([g, b]) => `${g} ${(b / 1024).toFixed(0)} KiB`)
              .join(', ');
            const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
            notes.push(
              `worker ×${replicas}: measured run used CPU: workers ${sec(w.cpu.workers)}, Redis ${sec(w.cpu.redis)}, Gcore stand-in ${sec(w.cpu.gcore)}, \`trigger\` ${sec(w.cpu.trigger)}; first run (alerts on every finding, paced for Slack) ${(w.first.wallMs / 1000).toFixed(2)} s; Redis kept ${(w.state.bytes / 1024).toFixed(0)} KiB (${top})`,
            );
          }
        } finally {
          await slack.close();
          await redis.stop();
        }
      }
    }
  } finally {
    await gcore.stop();
  }
  process.stdout.write(
    `Gcore stand-in latency ${o.latency} ms, concurrency ${o.concurrency} (per worker replica), ${TOKENS_PER_ACCOUNT} tokens per account, ${cpus().length} CPUs; wall time from process start to exit; CPU: user + system time of the measured process(es).\n\n${table(rows)}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`,
  );
}

const program = new Command('bench')
  .option('--accounts <n>', 'accounts of 100 tokens for the throughput runs', '20')
  .option('--large-accounts <n>', 'accounts for the large floor/audit run (0: skip)', '200')
  .option('--latency <ms>', "the Gcore stand-in's latency per request", '20')
  .option('--concurrency <n>', 'requests in flight (per worker replica)', '16')
  .option('--replicas <list>', 'worker replica counts to run, comma-separated (empty: skip)', '1,3')
  .option('--logs <dir>', "keep the workers' logs in this directory")
  .parse();
const raw = program.opts<Record<string, string>>();
const int = (name: string) => {
  const n = Number(raw[name]);
  check(Number.isInteger(n) && n >= 0, `--${name}: expected a whole number, got ${JSON.stringify(raw[name])}`);
  return n;
};
await main({
  accounts: int('accounts'),
  largeAccounts: int('largeAccounts'),
  latency: int('latency'),
  concurrency: Math.max(1, int('concurrency')),
  replicas: (raw.replicas ?? '').split(',').filter(Boolean).map(Number),
  logs: raw.logs === undefined ? undefined : (mkdirSync(raw.logs, { recursive: true }), raw.logs),
});
