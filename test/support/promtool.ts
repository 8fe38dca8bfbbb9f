import { spawnSync } from 'node:child_process';

/**
 * Runs Prometheus's `promtool` (Debian package `prometheus`; .ci/run installs it). A missing promtool is a
 * failure, never a skip: these checks are the point of the tests that call it.
 */
export function promtool(args: string[], input?: string): { code: number | null; output: string } {
  const run = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 30_000 });
  if (run.error) {
    throw new Error(`cannot run promtool (install Debian's "prometheus" package, as .ci/run does): ${run.error.message}`);
  }
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}
