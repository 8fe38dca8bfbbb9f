import type { RedisServer } from './redis-server.js';
import type { WorkerProcess } from './worker-process.js';
import type { Harness } from './worker-harness.js';

/** What a process-level test started, stopped after it whatever happened. */
export interface Started {
  h?: Harness | undefined;
  procs: WorkerProcess[];
  redis?: RedisServer | undefined;
}

export async function stopAll(started: Started): Promise<void> {
  for (const p of started.procs) {
    if (p.child.exitCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
  started.procs = [];
  await started.h?.close();
  started.h = undefined;
  await started.redis?.stop('SIGKILL');
  started.redis = undefined;
}
