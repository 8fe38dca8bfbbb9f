import type { Config } from '../../config/config.js';
import type { AuditQueues } from '../../store/audit-queues.js';
import { SCHEDULER_ID, SWEEP_SCHEDULER_ID } from '../../store/job-catalogue.js';

/** Declares this configuration's job schedulers (the audit's, the sentinel's sweeps if on); the ids /readyz then asks for. */
export async function declareSchedulers(queues: Pick<AuditQueues, 'declareSchedule' | 'declareSweeps'>, config: Config): Promise<string[]> {
  await queues.declareSchedule(config.schedule);
  await queues.declareSweeps(config.sentinel);
  return config.sentinel === null ? [SCHEDULER_ID] : [SCHEDULER_ID, SWEEP_SCHEDULER_ID];
}
