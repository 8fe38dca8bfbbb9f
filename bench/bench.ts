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
import { Queue, QueueEvents } from 'bullmq';
import { Command } from 'commander';
import { RUNS_QUEUE } from '../src/store/job-catalogue.js';
import { startSlackStandIn } from '../test/support/slack-stand-in.js';
import { CLI, spawnWorker, until } from '../test/support/worker-process.js';
import { apiKeyEnvOf, apiKeyOf, BENCH_NOW, BIG_ACCOUNT_ID, clientIdOf, TOKENS_PER_ACCOUNT } from './bench-fixture.js';
import { keptState, oneRedis, redisCluster, redisCpuMs, usedMemory, type RedisTarget } from './redis-target.js';

const MAX_RSS = './dist/bench/max-rss.js';

interface Options {
  accounts: number;
  /** Each a large case of its own, in this order (empty: none). */
  largeAccounts: number[];
  latency: number;
  concurrency: number;
  /** Worker replica counts at --accounts on one Redis, and on a 3-master cluster. */
  replicas: number[];
  clusterReplicas: number[];
  /** The same at --large-accounts. */
  largeReplicas: number[];
  largeClusterReplicas: number[];
  /** Tokens of the one big account run through one worker (0: skip). */
  oneAccount: number;
  /** Accounts for the sentinel's sweep case (0: skip), and the tokens added before its second sweep. */
  sweepAccounts: number;
  sweepNewTokens: number;
  /** Where to keep the workers' logs (JSON lines), if anywhere. */
  logs: string | undefined;
  /** false: no floor, got or `audit` row (a memory run of the workers alone, with no × floor). */
  baselines: boolean;
  /**
   * The measured run on replicas started after the first run (which are stopped): its peak RSS is then the quiet
   * run's own, not what the first run (every finding new) left in the process.
   */
  freshReplicas: boolean;
}

interface Row {
  readonly scenario: string;
  readonly tokens: number;
  readonly wallMs: number;
  /** The floor's wall time at this size; null: no floor measured for it. */
  readonly floorMs: number | null;
  readonly rssKb: number | null;
  /**
   * Workers only: the highest peak RSS of a replica during the measured run alone (nothing new to tell), where
   * rssKb is over both runs, the first posting every finding. null: not a worker row, or not Linux.
   */
  readonly steadyRssKb?: number | null;
  /** CPU time of the measured process(es), user and system. */
  readonly cpuMs: number | null;
  /** `INFO memory` used_memory over the masters after the runs, minus before, per token. */
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

/** API calls the Gcore stand-in served: token lists, token gets, anything else. */
interface ApiCalls {
  readonly list: number;
  readonly get: number;
  readonly other: number;
}

type Gcore = Awaited<ReturnType<typeof startGcore>>;

async function startGcore(accounts: number, bigAccountTokens: number, latencyMs: number) {
  const child = track(spawn(process.execPath, ['dist/bench/gcore-server.js'], {
    env: { PATH: process.env.PATH ?? '', BENCH_ACCOUNTS: String(accounts), BENCH_BIG_ACCOUNT_TOKENS: String(bigAccountTokens), BENCH_LATENCY_MS: String(latencyMs) },
    stdio: ['pipe', 'pipe', 'inherit'],
  }));
  // Its stdout is one JSON line per answer: its URL first, then one per command written to its stdin.
  const lines = createInterface({ input: child.stdout });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the Gcore stand-in exited (${code})`));
      child.once('exit', onExit);
      lines.once('line', (line) => {
        child.off('exit', onExit);
        resolve(line);
      });
    });
  const { url } = JSON.parse(await next()) as { url: string };
  /** `counts`, or `add <n>` new tokens: the API calls served so far. */
  const command = async (text: string): Promise<ApiCalls> => {
    const answer = next();
    child.stdin.write(`${text}\n`);
    return JSON.parse(await answer) as ApiCalls;
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.stdin.end();
    });
  return { url, stop, command, cpuMs: () => procCpuMs(child.pid) };
}

const clientIds = (accounts: number) => Array.from({ length: accounts }, (_, a) => clientIdOf(a));

function accountsEnv(ids: readonly number[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const id of ids) {
    env[apiKeyEnvOf(id)] = apiKeyOf(id);
  }
  return env;
}

function writeConfig(name: string, ids: readonly number[], gcore: string, more: readonly string[] = []): string {
  const lines = [`gcore: ${gcore}`, ...more, 'accounts:'];
  for (const id of ids) {
    lines.push(`  - { clientId: ${id}, apiKeyEnv: ${apiKeyEnvOf(id)} }`);
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
  const config = writeConfig(`audit-${accounts}`, clientIds(accounts), `{ concurrency: ${o.concurrency} }`);
  const r = await runNode([CLI, 'audit', '--config', config, '--format', 'json', '--now', BENCH_NOW], {
    GCORE_API_URL: url,
    ...accountsEnv(clientIds(accounts)),
  });
  check(r.code === 0, 'audit failed', r);
  const { summary } = JSON.parse(r.stdout) as Summary;
  check(summary.tokensAudited === accounts * TOKENS_PER_ACCOUNT && summary.failed === 0, `audit: ${JSON.stringify(summary)}`, r);
  return r;
}

interface WorkerCase {
  readonly replicas: number;
  readonly ids: readonly number[];
  readonly tokens: number;
  /** Extra `gcore:` settings, e.g. maxTokensPerAccount for the big account. */
  readonly gcore?: string;
}

async function workers(gcore: { url: string; cpuMs: () => number }, target: RedisTarget, c: WorkerCase, o: Options, slackUrl: string) {
  const { replicas, tokens } = c;
  const prefix = target.prefix(`bench${replicas}x${Date.now().toString(36)}`);
  // The same per-replica concurrency for any number of replicas; the global cap is not what is measured.
  const cap = o.concurrency * Math.max(1, ...o.replicas, ...o.clusterReplicas, ...o.largeReplicas, ...o.largeClusterReplicas);
  const config = writeConfig(`worker-${replicas}-${files}`, c.ids, `{ concurrency: ${cap}, concurrencyPerWorker: ${o.concurrency}${c.gcore ? `, ${c.gcore}` : ''} }`);
  const env = { GCORE_API_URL: gcore.url, ...target.env, QUEUE_PREFIX: prefix, SLACK_WEBHOOK_URL: slackUrl, ...accountsEnv(c.ids) };
  const memoryBefore = await usedMemory(target);

  const spawnReplicas = () => Promise.all(
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
  let procs = await spawnReplicas();
  const stopAll = async (all: typeof procs) => {
    for (const p of all) {
      p.child.kill('SIGTERM');
    }
    const codes = await Promise.all(all.map((p) => p.exited));
    check(
      codes.every((code) => code === 0),
      `a worker did not exit 0 on SIGTERM: ${codes.join(', ')}`,
    );
  };
  const trigger = async () => {
    const r = await runNode([CLI, 'trigger', '--config', config, '--wait', '--timeout', '1800'], env);
    check(r.code === 0, `trigger --wait with ${replicas} worker(s) failed; worker stderr: ${procs[0]?.stderr().slice(-1500)}`, r);
    const { summary } = JSON.parse(r.stdout) as Summary;
    check(summary.tokensAudited === tokens && summary.failed === 0, `worker run: ${JSON.stringify(summary)}`, r);
    return r;
  };
  // The first run alerts on every finding: its time is mostly Slack's pace of one message a second.
  const first = await trigger();
  log(`  first run (posts every finding): ${(first.wallMs / 1000).toFixed(2)} s`);
  // The second run is every later day's run: same tokens, nothing new to say. This one is measured, its peak
  // RSS too: Linux's high-water mark of each replica is reset before it and read after it.
  // Read first: the reset also lowers what the process reports as its peak at exit (getrusage reads the same mark).
  const firstPeakKb = procs.map((p) => peakRssKb(p.child.pid));
  const firstProcs = procs;
  if (o.freshReplicas) {
    await stopAll(procs);
    procs = await spawnReplicas();
  }
  const steadyPeak = procs.map((p) => o.freshReplicas || resetPeakRss(p.child.pid));
  // What the process holds as the measured run starts (with fresh replicas: their start-up alone).
  const startKb = procs.map((p) => currentRssKb(p.child.pid));
  log(`  RSS as the measured run starts: ${startKb.map((kb) => (kb === null ? '–' : `${Math.round(kb / 1024)} MB`)).join(', ')}${o.freshReplicas ? ' (fresh replicas)' : ''}`);
  const cpuBefore = { workers: procs.map((p) => procCpuMs(p.child.pid)), redis: await redisCpuMs(target), gcore: gcore.cpuMs() };
  const steady = await trigger();
  const cpu = {
    workers: procs.reduce((sum, p, i) => sum + procCpuMs(p.child.pid) - (cpuBefore.workers[i] ?? 0), 0),
    redis: (await redisCpuMs(target)) - cpuBefore.redis,
    gcore: gcore.cpuMs() - cpuBefore.gcore,
    trigger: steady.cpuMs ?? 0,
  };
  const steadyKb = procs.map((p, i) => (steadyPeak[i] ? peakRssKb(p.child.pid) : null));
  await stopAll(procs);
  // After the workers are gone, so that their connections' buffers do not count.
  const memory = (await usedMemory(target)) - memoryBefore;
  const state = await keptState(target, prefix);
  const rss = [...new Set([...firstProcs, ...procs])].map((p) => Math.max(readUsage(p.rss)?.rssKb ?? 0, firstPeakKb[firstProcs.indexOf(p)] ?? 0));
  const steadyRssKb = steadyKb.every((kb): kb is number => kb !== null) ? Math.max(...steadyKb) : null;
  return { first, steady, state, memory, cpu, rssKb: Math.max(...rss), steadyRssKb };
}

/** Resets the process's peak RSS (VmHWM) to its current RSS (Linux: clear_refs 5); false where that cannot be done. */
function resetPeakRss(pid: number | undefined): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** A memory figure of the process in KiB from /proc (VmRSS: now; VmHWM: peak since start or resetPeakRss); null where it cannot be read. */
function statusKb(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

const currentRssKb = (pid: number | undefined) => statusKb(pid, 'VmRSS');
const peakRssKb = (pid: number | undefined) => statusKb(pid, 'VmHWM');

interface SweepRow {
  readonly sweep: string;
  readonly newTokens: number;
  /** The worker's own figure: the `ms` of its "sentinel sweep done" line. */
  readonly sweepMs: number;
  /** From enqueueing the sweep job to BullMQ reporting it completed (with its delivery); null: scheduler-started. */
  readonly jobMs: number | null;
  readonly calls: ApiCalls;
}

const diff = (a: ApiCalls, b: ApiCalls): ApiCalls => ({ list: b.list - a.list, get: b.get - a.get, other: b.other - a.other });

/**
 * The sentinel at `--sweep-accounts` accounts, one worker on one Redis: the first sweep (BullMQ runs a new
 * `every` scheduler at once) only records every account; then `--sweep-new-tokens` tokens are added and a
 * second sweep is enqueued here (the scheduler's next is a day away), which reads and evaluates them.
 */
async function sweeps(gcore: Gcore, o: Options, slackUrl: string): Promise<SweepRow[]> {
  const n = o.sweepAccounts;
  const ids = clientIds(n);
  const target = await oneRedis();
  const prefix = target.prefix(`sweep${Date.now().toString(36)}`);
  const config = writeConfig(`sweep-${n}`, ids, `{ concurrency: ${o.concurrency} }`, ['sentinel: { everySeconds: 86400 }']);
  const env = { GCORE_API_URL: gcore.url, ...target.env, QUEUE_PREFIX: prefix, SLACK_WEBHOOK_URL: slackUrl, ...accountsEnv(ids) };
  const url = new URL(target.env.REDIS_URL ?? '');
  const connection = { host: url.hostname, port: Number(url.port) };
  const queue = new Queue(RUNS_QUEUE, { connection, prefix });
  const events = new QueueEvents(RUNS_QUEUE, { connection, prefix });
  try {
    await events.waitUntilReady();
    const start = await gcore.command('counts');
    const worker = await spawnWorker(env, config, {
      onSpawn: (child) => {
        track(child);
        if (o.logs) {
          const logs = o.logs;
          child.stderr?.on('data', (b: Buffer) => appendFileSync(join(logs, `worker-sweep-${child.pid}.log`), b));
        }
      },
    });
    const done = () =>
      worker
        .stderr()
        .split('\n')
        .filter((line) => line.includes('"sentinel sweep done"'))
        .map((line) => JSON.parse(line) as { ms: number; seeded: number; newTokens: number; listFailed: number });
    await until(() => Promise.resolve(done().length >= 1), 600_000, 'the first sweep');
    const first = done()[0];
    check(first !== undefined && first.seeded === n && first.listFailed === 0, `first sweep: ${JSON.stringify(first)}`);
    const afterFirst = await gcore.command('counts');

    const added = await gcore.command(`add ${o.sweepNewTokens}`);
    const started = performance.now();
    const job = await queue.add('sweep', {}, { attempts: 1 });
    const result = (await job.waitUntilFinished(events, 600_000)) as { outcome: string };
    const jobMs = performance.now() - started;
    await until(() => Promise.resolve(done().length >= 2), 10_000, "the second sweep's log line");
    const second = done()[1];
    check(result.outcome === 'ok' && second !== undefined && second.newTokens === o.sweepNewTokens, `second sweep: ${JSON.stringify({ result, second })}`);
    const afterSecond = await gcore.command('counts');

    worker.child.kill('SIGTERM');
    check((await worker.exited) === 0, 'the sweep worker did not exit 0 on SIGTERM');
    return [
      { sweep: 'first (records every account)', newTokens: 0, sweepMs: first.ms, jobMs: null, calls: diff(start, afterFirst) },
      { sweep: `second (${o.sweepNewTokens} new tokens)`, newTokens: o.sweepNewTokens, sweepMs: second.ms, jobMs, calls: diff(added, afterSecond) },
    ];
  } finally {
    await events.close();
    await queue.close();
    await target.stop();
  }
}

function sweepTable(accounts: number, rows: SweepRow[]): string {
  const lines = [
    `Sentinel sweep, ${accounts.toLocaleString('en-US')} accounts of ${TOKENS_PER_ACCOUNT} tokens, one worker, one Redis:`,
    '',
    '| sweep | sweep time (worker) | enqueued → completed | list calls | get calls | other calls |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.sweep} | ${(r.sweepMs / 1000).toFixed(2)} s | ${r.jobMs === null ? '–' : `${(r.jobMs / 1000).toFixed(2)} s`} | ${r.calls.list.toLocaleString('en-US')} | ${r.calls.get.toLocaleString('en-US')} | ${r.calls.other.toLocaleString('en-US')} |`);
  }
  return lines.join('\n');
}

const mb = (kb: number | null) => (kb === null ? '–' : (kb / 1024).toFixed(0));

function table(rows: Row[]): string {
  const header = '| scenario | tokens | wall time | tokens/s | × floor | CPU | peak RSS (MB) | measured run alone (MB) | Redis kept / token |';
  const lines = [header, '|---|---:|---:|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.tokens.toLocaleString('en-US')} | ${(r.wallMs / 1000).toFixed(2)} s | ${Math.round((r.tokens * 1000) / r.wallMs).toLocaleString('en-US')} | ${
        r.floorMs === null ? '–' : (r.wallMs / r.floorMs).toFixed(2)
      } | ${r.cpuMs === null ? '–' : `${(r.cpuMs / 1000).toFixed(2)} s`} | ${mb(r.rssKb)} | ${mb(r.steadyRssKb ?? null)} | ${r.redisBytesPerToken === null ? '–' : `${Math.round(r.redisBytesPerToken)} B`} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Issue 22's reading of the table: each scenario measured at more than one size, its peak RSS at each and how
 * much the largest grew over the smallest (a worker's memory should follow what changed, not the tokens).
 */
function memoryBySize(rows: readonly Row[]): string[] {
  const sizes = new Map<string, Row[]>();
  for (const r of rows) {
    sizes.set(r.scenario, [...(sizes.get(r.scenario) ?? []), r]);
  }
  const growth = (label: string, measured: readonly Row[], kb: (r: Row) => number | null) => {
    const first = measured[0] as Row;
    const last = measured[measured.length - 1] as Row;
    const each = measured.map((r) => `${mb(kb(r))} MB at ${r.tokens.toLocaleString('en-US')} tokens`).join(', ');
    const percent = (((kb(last) ?? 0) / (kb(first) ?? 1) - 1) * 100).toFixed(0);
    return `${label} ${each} (${Number(percent) >= 0 ? '+' : ''}${percent}% from the smallest to the largest)`;
  };
  return [...sizes]
    .map(([scenario, all]) => [scenario, all.filter((r) => r.rssKb !== null).sort((x, y) => x.tokens - y.tokens)] as const)
    .filter(([, measured]) => new Set(measured.map((r) => r.tokens)).size > 1)
    .map(([scenario, measured]) => {
      const both = growth('peak RSS', measured, (r) => r.rssKb);
      // Issue 22's figure for a worker: the run with nothing new to tell, the estate's every later day.
      const steady = measured.every((r) => (r.steadyRssKb ?? null) !== null) ? `; ${growth('in the measured run alone', measured, (r) => r.steadyRssKb ?? null)}` : '';
      return `${scenario}: ${both}${steady}`;
    });
}

async function main(o: Options): Promise<void> {
  const biggest = Math.max(o.accounts, ...o.largeAccounts, o.sweepAccounts);
  const gcore = await startGcore(biggest, o.oneAccount, o.latency);
  const slack = await startSlackStandIn();
  const rows: Row[] = [];
  const notes: string[] = [];
  let sweepRows: SweepRow[] = [];
  const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const add = (row: Row) => {
    rows.push(row);
    log(`  ${table([row]).split('\n')[2]}`);
  };

  const workerRows = async (target: RedisTarget, c: WorkerCase, floorMs: number | null, scenario: string) => {
    log(`${scenario}, ${c.tokens} tokens (two runs)`);
    const w = await workers(gcore, target, c, o, slack.webhookUrl);
    add({ scenario, tokens: c.tokens, wallMs: w.steady.wallMs, floorMs, rssKb: w.rssKb, steadyRssKb: w.steadyRssKb, cpuMs: w.cpu.workers, redisBytesPerToken: w.memory / c.tokens });
    const top = Object.entries(w.state.groups)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 4)
      .map(([g, b]) => `${g} ${(b / 1024).toFixed(0)} KiB`)
      .join(', ');
    notes.push(
      `${scenario}, ${c.tokens.toLocaleString('en-US')} tokens: first run (alerts on every finding, paced for Slack) ${sec(w.first.wallMs)}; measured run used CPU: workers ${sec(w.cpu.workers)}, Redis ${sec(w.cpu.redis)}, Gcore stand-in ${sec(w.cpu.gcore)}, \`trigger\` ${sec(w.cpu.trigger)}; Redis used_memory +${(w.memory / 1024).toFixed(0)} KiB, of which ${w.state.keys.toLocaleString('en-US')} keys of the prefix ${(w.state.bytes / 1024).toFixed(0)} KiB (${top})`,
    );
  };
  const onTargets = async (cases: { target: () => Promise<RedisTarget>; replicas: number[] }[], each: (target: RedisTarget, replicas: number) => Promise<void>) => {
    for (const { target, replicas } of cases.filter((x) => x.replicas.length > 0)) {
      const t = await target();
      try {
        for (const r of replicas) {
          await each(t, r);
        }
      } finally {
        await t.stop();
      }
    }
  };

  try {
    for (const [accounts, replicas, clusterReplicas] of [
      [o.accounts, o.replicas, o.clusterReplicas],
      ...o.largeAccounts.map((n) => [n, o.largeReplicas, o.largeClusterReplicas] as const),
    ] as const) {
      if (accounts === 0) {
        continue;
      }
      const tokens = accounts * TOKENS_PER_ACCOUNT;
      let floorMs: number | null = null;
      if (o.baselines) {
        log(`floor, ${tokens} tokens`);
        const f = await floor(gcore.url, accounts, o);
        floorMs = f.wallMs;
        add({ scenario: `floor (bare HTTP loop)`, tokens, wallMs: f.wallMs, floorMs: f.wallMs, rssKb: f.rssKb, cpuMs: f.cpuMs, redisBytesPerToken: null });
        log(`the same loop through got, ${tokens} tokens`);
        const g = await floor(gcore.url, accounts, o, 'got');
        add({ scenario: 'the same loop through got', tokens, wallMs: g.wallMs, floorMs: f.wallMs, rssKb: g.rssKb, cpuMs: g.cpuMs, redisBytesPerToken: null });
        log(`audit, ${tokens} tokens`);
        const before = await gcore.command('counts');
        const a = await audit(gcore.url, accounts, o);
        const calls = diff(before, await gcore.command('counts'));
        add({ scenario: '`audit`', tokens, wallMs: a.wallMs, floorMs: f.wallMs, rssKb: a.rssKb, cpuMs: a.cpuMs, redisBytesPerToken: null });
        // What reading the people costs a run: /iam/clients/me and the /iam/users pages are the "other" calls.
        notes.push(
          `\`audit\` of ${accounts} accounts: ${calls.list} list, ${calls.get} get and ${calls.other} other calls (the people: /iam/clients/me and /iam/users pages, ${(calls.other / accounts).toFixed(1)} an account); ` +
            `at ${o.concurrency} in flight and ${o.latency} ms a call they add about ${((calls.other / o.concurrency) * o.latency / 1000).toFixed(2)} s of waiting on Gcore to the run`,
        );
      }

      await onTargets(
        [
          { target: oneRedis, replicas: [...replicas] },
          { target: () => redisCluster(3), replicas: [...clusterReplicas] },
        ],
        (target, r) => workerRows(target, { replicas: r, ids: clientIds(accounts), tokens }, floorMs, `worker ×${r}, ${target.label}, \`trigger --wait\``),
      );
    }
    if (o.oneAccount > 0) {
      await onTargets([{ target: oneRedis, replicas: [1] }], (target, r) =>
        workerRows(
          target,
          { replicas: r, ids: [BIG_ACCOUNT_ID], tokens: o.oneAccount, gcore: `maxTokensPerAccount: ${o.oneAccount}` },
          null,
          `one account, worker ×${r}, ${target.label}, \`trigger --wait\``,
        ),
      );
    }
    if (o.sweepAccounts > 0) {
      log(`sentinel sweeps, ${o.sweepAccounts} accounts`);
      sweepRows = await sweeps(gcore, o, slack.webhookUrl);
      log(`  ${JSON.stringify(sweepRows)}`);
    }
  } finally {
    await slack.close();
    await gcore.stop();
  }
  if (rows.length > 0) {
    process.stdout.write(
      `Gcore stand-in latency ${o.latency} ms, concurrency ${o.concurrency} (per worker replica), ${TOKENS_PER_ACCOUNT} tokens per account, ${cpus().length} CPUs; wall time from process start to exit; CPU: user + system time of the measured process(es); Redis / token: \`INFO memory\` used_memory over the masters after the runs, minus before.\n\n${table(rows)}\n\n${[...notes, ...memoryBySize(rows)].map((n) => `- ${n}`).join('\n')}\n`,
    );
  }
  if (sweepRows.length > 0) {
    process.stdout.write(`\nGcore stand-in latency ${o.latency} ms, concurrency ${o.concurrency}, ${cpus().length} CPUs. ${sweepTable(o.sweepAccounts, sweepRows)}\n`);
  }
}

const program = new Command('bench')
  .option('--accounts <n>', 'accounts of 100 tokens for the throughput runs', '20')
  .option('--large-accounts <list>', 'accounts for the large floor/audit runs, comma-separated, each a case (0 or empty: skip)', '200')
  .option('--latency <ms>', "the Gcore stand-in's latency per request", '20')
  .option('--concurrency <n>', 'requests in flight (per worker replica)', '16')
  .option('--replicas <list>', 'worker replica counts on one Redis at --accounts, comma-separated (empty: skip)', '1,3')
  .option('--cluster-replicas <list>', 'worker replica counts on a 3-master Redis Cluster at --accounts', '3')
  .option('--large-replicas <list>', 'worker replica counts on one Redis at --large-accounts', '')
  .option('--large-cluster-replicas <list>', 'worker replica counts on a 3-master Redis Cluster at --large-accounts', '')
  .option('--one-account <tokens>', 'one account of this many tokens through one worker on one Redis (0: skip)', '0')
  .option('--sweep-accounts <n>', "the sentinel's sweep at this many accounts of 100 tokens: time and API calls (0: skip)", '0')
  .option('--sweep-new-tokens <n>', 'tokens added before the second, measured sweep', '10')
  .option('--logs <dir>', "keep the workers' logs in this directory")
  .option('--no-baselines', 'no floor, got or `audit` row: the workers alone (a memory run; no × floor)')
  .option('--fresh-replicas', 'the measured run on replicas started after the first run: its peak RSS is its own, not the first run\'s residue')
  .parse();
const raw = program.opts<Record<string, string>>();
const int = (name: string) => {
  const n = Number(raw[name]);
  check(Number.isInteger(n) && n >= 0, `--${name}: expected a whole number, got ${JSON.stringify(raw[name])}`);
  return n;
};
const list = (name: string) =>
  (raw[name] ?? '')
    .split(',')
    .filter(Boolean)
    .map((v) => {
      const n = Number(v);
      check(Number.isInteger(n) && n >= 1, `--${name}: expected whole numbers ≥ 1, comma-separated, got ${JSON.stringify(raw[name])}`);
      return n;
    });
await main({
  accounts: int('accounts'),
  largeAccounts: (raw.largeAccounts ?? '')
    .split(',')
    .filter((v) => v !== '' && v !== '0')
    .map((v) => {
      const n = Number(v);
      check(Number.isInteger(n) && n >= 1, `--large-accounts: expected whole numbers, comma-separated, got ${JSON.stringify(raw.largeAccounts)}`);
      return n;
    }),
  latency: int('latency'),
  concurrency: Math.max(1, int('concurrency')),
  replicas: list('replicas'),
  clusterReplicas: list('clusterReplicas'),
  largeReplicas: list('largeReplicas'),
  largeClusterReplicas: list('largeClusterReplicas'),
  oneAccount: int('oneAccount'),
  sweepAccounts: int('sweepAccounts'),
  sweepNewTokens: int('sweepNewTokens'),
  logs: raw.logs === undefined ? undefined : (mkdirSync(raw.logs, { recursive: true }), raw.logs),
  baselines: program.opts<{ baselines: boolean }>().baselines,
  freshReplicas: program.opts<{ freshReplicas?: boolean }>().freshReplicas === true,
});
