import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ConfigError } from '../../core/errors.js';
import { withTimeout } from '../../core/with-timeout.js';

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/** A probe's answer: ok, or why not (said in the 503's body). */
export interface Verdict {
  ok: boolean;
  reason?: string;
  /** Go into the JSON body as they are (both verdicts): what an operator should see without failing the check. */
  details?: Record<string, unknown>;
}

/**
 * `GET /healthz`: 200 when `healthy()` resolves true within a second, else 503. `GET /metrics`: Prometheus text.
 * `GET /livez` (Kubernetes' liveness probe) and `GET /readyz` (readiness): see `answerProbe`.
 */
export async function startHealthServer(options: {
  port: number;
  host?: string;
  healthy: () => Promise<Verdict>;
  /** /readyz; without it /readyz answers as /healthz does. */
  ready?: () => Promise<Verdict>;
  registry: Registry;
}): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.method === 'GET' && req.url === '/healthz') {
          const verdict = await withinASecond(options.healthy(), 'health check timed out');
          res.writeHead(verdict.ok ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify(verdict.ok ? { status: 'ok', ...verdict.details } : { status: 'unhealthy', reason: verdict.reason, ...verdict.details }));
        } else if (req.method === 'GET' && (req.url === '/livez' || req.url === '/readyz')) {
          await answerProbe(res, req.url, options.ready ?? options.healthy);
        } else if (req.method === 'GET' && req.url === '/metrics') {
          const body = await options.registry.metrics();
          res.writeHead(200, { 'content-type': options.registry.contentType });
          res.end(body);
        } else {
          res.writeHead(404).end();
        }
      } catch {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'unhealthy', reason: 'check failed' }));
      }
    })();
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ConfigError([
          error.code === 'EADDRINUSE'
            ? `HEALTH_PORT: port ${options.port} is already in use`
            : `HEALTH_PORT: cannot listen on port ${options.port} (${error.code ?? error.message})`,
        ]),
      ),
    );
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * `/livez` asks only "is this process's event loop alive": it answers 200 without calling anything, so
 * Redis being away or Gcore pausing the queue (which /healthz reports) never restarts a pod that a restart
 * would not help. A blocked loop answers nothing, and the kubelet counts the timeout as a failure. No lag
 * bound on top: building a large run's report holds the loop for seconds while the worker is alive and
 * working, and a restart then would only redo that work.
 * `/readyz` asks "can this replica do its work now": `ready()` within a second, else 503 with the reason.
 */
async function answerProbe(res: ServerResponse, path: '/livez' | '/readyz', ready: () => Promise<Verdict>): Promise<void> {
  let verdict: Verdict = { ok: true };
  if (path === '/readyz') {
    verdict = await withinASecond(ready(), 'readiness check timed out');
  }
  res.writeHead(verdict.ok ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify(verdict.ok ? { status: 'ok' } : { status: 'unready', reason: verdict.reason }));
}

/** A probe's check, or `{ ok: false, reason }` when it has not answered within a second (an orchestrator waits no longer). */
function withinASecond(check: Promise<Verdict>, reason: string): Promise<Verdict> {
  return withTimeout(check, 1000, (): Verdict => ({ ok: false, reason }), { unref: true });
}
