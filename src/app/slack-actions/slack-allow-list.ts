import type { Logger } from 'pino';
import { toError } from '../../core/errors.js';
import type { SlackWeb } from './interaction.js';

/** A user group's members are asked of Slack at most this often: a click must not wait on usergroups.users.list. */
export const GROUP_CACHE_MS = 60_000;

/**
 * Whether a Slack user may act: listed in actions.allowed.users, or a member of one of its userGroups. A group
 * Slack cannot list (an error, a revoked scope) admits nobody: the check fails closed.
 */
export function makeAllowList(
  allowed: { readonly users: readonly string[]; readonly userGroups: readonly string[] },
  web: Pick<SlackWeb, 'userGroupMembers'>,
  clock: () => Date,
  logger: Logger,
  cacheMs = GROUP_CACHE_MS,
): (userId: string) => Promise<boolean> {
  const cache = new Map<string, { members: ReadonlySet<string>; at: number }>();
  const members = async (group: string): Promise<ReadonlySet<string>> => {
    const now = clock().getTime();
    const known = cache.get(group);
    if (known !== undefined && now - known.at < cacheMs) {
      return known.members;
    }
    try {
      const fresh = new Set(await web.userGroupMembers(group));
      cache.set(group, { members: fresh, at: now });
      return fresh;
    } catch (error) {
      logger.warn({ group, err: { message: toError(error).message } }, 'a user group of actions.allowed could not be listed: its members are refused');
      return new Set();
    }
  };
  return async (userId) => {
    if (allowed.users.includes(userId)) {
      return true;
    }
    for (const group of allowed.userGroups) {
      if ((await members(group)).has(userId)) {
        return true;
      }
    }
    return false;
  };
}
