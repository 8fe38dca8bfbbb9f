import type { ButtonOptions } from '../alerts/actions/action-kind.js';
import type { Config } from './config.js';

/**
 * The buttons the worker's messages carry: none unless both Slack app tokens are set (then a click reaches the
 * worker's socket); Request revocation only with remediation on. `audit --notify` has no worker to answer a
 * click and never asks.
 */
export function buttonOptionsOf(config: Config): ButtonOptions | undefined {
  return config.actions?.interactive === true ? { remediation: config.remediation?.enabled === true } : undefined;
}
