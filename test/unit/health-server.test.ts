import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { startHealthServer, type HealthServer, type Verdict } from '../../src/app/health/health-server.js';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${server?.port}${path}`, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.json() };
}

/** The real server on a free port, its probes counted. */
async function serve(probes: { healthy: () => Promise<Verdict>; ready?: () => Promise<Verdict> }) {
  const calls = { healthy: 0, ready: 0 };
  server = await startHealthServer({
    port: 0,
    host: '127.0.0.1',
    registry: new Registry(),
    healthy: () => ((calls.healthy += 1), probes.healthy()),
    ready: probes.ready && (() => ((calls.ready += 1), probes.ready?.() ?? Promise.resolve({ ok: true }))),
  });
  return calls;
}

const redisDown = () => Promise.resolve({ ok: false, reason: 'Redis does not answer' });

describe('health server: /livez and /readyz', () => {
  it('/livez is 200 while Redis is down, without asking Redis; /readyz is 503 naming why', async () => {
    const calls = await serve({ healthy: redisDown, ready: redisDown });
    expect(await get('/livez')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(calls).toEqual({ healthy: 0, ready: 0 });
    expect(await get('/readyz')).toEqual({ status: 503, body: { status: 'unready', reason: 'Redis does not answer' } });
    expect(calls).toEqual({ healthy: 0, ready: 1 });
    expect((await get('/healthz')).status).toBe(503);
  });

  it('/readyz is 200 when ready() holds, while /healthz keeps its own answer (a Gcore pause)', async () => {
    await serve({ healthy: () => Promise.resolve({ ok: false, reason: 'Gcore asked to pause' }), ready: () => Promise.resolve({ ok: true }) });
    expect(await get('/readyz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await get('/healthz')).status).toBe(503);
  });

  it('/readyz whose check never answers is 503 within its bound, and /livez still answers', async () => {
    await serve({ healthy: redisDown, ready: () => new Promise<Verdict>(() => undefined) });
    expect(await get('/readyz')).toEqual({ status: 503, body: { status: 'unready', reason: 'readiness check timed out' } });
    expect((await get('/livez')).status).toBe(200);
  });

  it('/readyz falls back to the /healthz check when no readiness check is given', async () => {
    const calls = await serve({ healthy: redisDown });
    expect(await get('/readyz')).toEqual({ status: 503, body: { status: 'unready', reason: 'Redis does not answer' } });
    expect(calls.healthy).toBe(1);
  });
});
