import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startOnFreePort } from './redis-server.js';

const run = promisify(execFile);

export interface ClusterNode {
  readonly port: number;
  readonly child: ChildProcess;
}

export interface RedisCluster {
  readonly nodes: readonly ClusterNode[];
  /** REDIS_CLUSTER_NODES for the given nodes' ports (default: every node). */
  nodesEnv(ports?: readonly number[]): string;
  /** The port of the master that owns `slot` now, as `fromPort` sees the cluster. */
  ownerOf(slot: number, fromPort?: number): Promise<number>;
  slotOf(key: string): Promise<number>;
  masterPorts(): Promise<number[]>;
  /** Moves `slot` with its keys to the master on `toPort`, as `redis-cli --cluster reshard` does, in `batch`-key steps. */
  migrateSlot(slot: number, toPort: number, batch?: number): Promise<void>;
  /** Waits until every live node says cluster_state:ok and agrees on who owns `slot` (if given), and that it is not `notPort`. */
  waitOk(slot?: number, notPort?: number): Promise<void>;
  kill(port: number): Promise<void>;
  stop(): Promise<void>;
}

async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

function startNode(port: number, dir: string, nodeTimeoutMs: number): Promise<ClusterNode> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
     '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
     '--cluster-node-timeout', String(nodeTimeoutMs), '--maxmemory-policy', 'noeviction',
     // A failover must not wait for a replica that was a little behind.
     '--cluster-replica-validity-factor', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve({ port, child });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server (cluster node ${port}) exited (${code}): ${out.slice(-300)}`)));
  });
}

/**
 * A real Redis Cluster of `masters` masters with `replicas` replicas each, from redis-server on free loopback
 * ports, in a temporary directory; `nodeTimeoutMs` low so a failover takes seconds.
 */
export async function startRedisCluster(options: { masters?: number; replicas?: number; nodeTimeoutMs?: number } = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const ports: number[] = [];
  const nodes: ClusterNode[] = [];
  const clients = new Map<number, Redis>();
  const client = (port: number) => {
    let c = clients.get(port);
    if (!c) {
      c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: false });
      c.on('error', () => undefined);
      clients.set(port, c);
    }
    return c;
  };
  const alive = () => nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);

  const cluster: RedisCluster = {
    nodes,
    nodesEnv: (only) => (only ?? ports).map((p) => `127.0.0.1:${p}`).join(','),
    async slotOf(key) {
      return Number(await client(alive()[0]!.port).cluster('KEYSLOT', key));
    },
    async ownerOf(slot, fromPort) {
      const ranges = (await client(fromPort ?? alive()[0]!.port).cluster('SLOTS')) as unknown as [number, number, [string, number, string]][];
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (!range) {
        throw new Error(`no owner of slot ${slot}`);
      }
      return Number(range[2][1]);
    },
    async masterPorts() {
      const text = (await client(alive()[0]!.port).cluster('NODES')) as string;
      return text
        .split('\n')
        .filter((l) => / master /.test(` ${l.split(' ')[2]?.replace(/,/g, ' ')} `) && !l.includes('fail'))
        .map((l) => Number(/:(\d+)@/.exec(l)![1]));
    },
    async migrateSlot(slot, toPort, batch = 10) {
      const fromPort = await cluster.ownerOf(slot);
      const src = client(fromPort);
      const dst = client(toPort);
      const srcId = (await src.cluster('MYID'));
      const dstId = (await dst.cluster('MYID'));
      await dst.cluster('SETSLOT', slot, 'IMPORTING', srcId);
      await src.cluster('SETSLOT', slot, 'MIGRATING', dstId);
      for (;;) {
        const keys = (await src.cluster('GETKEYSINSLOT', slot, batch));
        if (keys.length === 0) {
          break;
        }
        await src.migrate('127.0.0.1', toPort, '', 0, 10_000, 'REPLACE', 'KEYS', ...keys);
        await new Promise((r) => setTimeout(r, 20)); // let the workers run between batches: a migration mid-run
      }
      await dst.cluster('SETSLOT', slot, 'NODE', dstId);
      await src.cluster('SETSLOT', slot, 'NODE', dstId);
      for (const port of await cluster.masterPorts()) {
        await client(port).cluster('SETSLOT', slot, 'NODE', dstId).catch(() => undefined);
      }
    },
    async waitOk(slot, notPort) {
      await waitFor(
        async () => {
          for (const n of alive()) {
            const info = (await client(n.port).cluster('INFO'));
            if (!info.includes('cluster_state:ok')) {
              return false;
            }
          }
          if (slot !== undefined) {
            const owners = new Set(await Promise.all(alive().map((n) => cluster.ownerOf(slot, n.port))));
            return owners.size === 1 && !owners.has(notPort ?? -1);
          }
          return true;
        },
        30_000,
        'cluster_state:ok on every node',
      );
    },
    async kill(port) {
      const node = nodes.find((n) => n.port === port)!;
      clients.get(port)?.disconnect();
      clients.delete(port);
      if (node.child.exitCode === null && node.child.signalCode === null) {
        node.child.removeAllListeners('exit');
        const exited = new Promise((r) => node.child.once('exit', r));
        node.child.kill('SIGKILL');
        await exited;
      }
    },
    async stop() {
      for (const c of clients.values()) {
        c.disconnect();
      }
      clients.clear();
      for (const n of nodes) {
        await cluster.kill(n.port);
      }
    },
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i += 1) {
      const node = await startOnFreePort((port) => startNode(port, dir, options.nodeTimeoutMs ?? 1000));
      ports.push(node.port);
      nodes.push(node);
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes']);
    await cluster.waitOk();
    if (replicas > 0) {
      // A failover needs replicas that are in sync with their masters.
      await waitFor(
        async () => {
          for (const port of await cluster.masterPorts()) {
            const info = await client(port).info('replication');
            if (!new RegExp(`connected_slaves:${replicas}`).test(info) || !/state=online/.test(info)) {
              return false;
            }
          }
          return true;
        },
        30_000,
        'replicas in sync',
      );
    }
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
