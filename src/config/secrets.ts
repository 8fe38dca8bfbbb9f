import { SecretError, SecretNotSetError } from '../core/errors.js';
import { readSmallFile, type UnreadableFileError } from './read-small-file.js';

/**
 * Reads secrets from the environment: `NAME`, or `NAME_FILE` naming a file that holds it (Docker secrets).
 * Every value read is remembered so the logger can scrub it from anything it writes. A `_FILE` is read only
 * when it is a regular file of at most 1 MB (a FIFO or a device is refused, never waited on).
 */
export interface Secrets {
  get(name: string): string;
  /** Values read so far. */
  known(): readonly string[];
}

export function createSecrets(env: NodeJS.ProcessEnv): Secrets {
  const cache = new Map<string, string>();
  return {
    get(name) {
      const cached = cache.get(name);
      if (cached !== undefined) {
        return cached;
      }
      const direct = env[name];
      const file = env[`${name}_FILE`];
      if (direct && file) {
        throw new SecretError(`both ${name} and ${name}_FILE are set: set only one`);
      }
      let value: string | undefined = direct;
      if (file) {
        try {
          value = readSmallFile(file).trim();
        } catch (error) {
          // Never the path: a key pasted into NAME_FILE would be printed back. readSmallFile throws nothing else.
          throw new SecretError(`${name}_FILE names a file that cannot be read (${(error as UnreadableFileError).reason})`);
        }
      }
      if (file && !value) {
        throw new SecretError(`${name}_FILE names an empty file`);
      }
      if (!value) {
        throw new SecretNotSetError(name);
      }
      cache.set(name, value);
      return value;
    },
    known: () => [...cache.values()],
  };
}

/** The Slack app's two tokens: the app-level one opens the socket, the bot one calls the Web API. */
export const SLACK_APP_TOKEN_NAMES = ['SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN'] as const;

const given = (env: NodeJS.ProcessEnv, name: string) => Boolean(env[name] || env[`${name}_FILE`]);

/** Both Slack app tokens are set (each as itself or its _FILE): the worker acts from Slack. Their values are not read here. */
export function slackAppTokensSet(env: NodeJS.ProcessEnv): boolean {
  return SLACK_APP_TOKEN_NAMES.every((name) => given(env, name));
}

/** One Slack app token without the other is a mistake, not "no actions": the problem names the missing one. */
export function slackAppTokensProblem(env: NodeJS.ProcessEnv): string | null {
  const [app, bot] = SLACK_APP_TOKEN_NAMES;
  const set = SLACK_APP_TOKEN_NAMES.filter((name) => given(env, name));
  if (set.length !== 1) {
    return null;
  }
  const missing = set[0] === app ? bot : app;
  return `${missing}: not set, but ${set[0]} is: acting from Slack needs both (or neither, for no buttons)`;
}

/** The two tokens' values, when both are set; null when neither is. Thrown like any secret (SecretError). */
export function readSlackAppTokens(secrets: Secrets, env: NodeJS.ProcessEnv): { appToken: string; botToken: string } | null {
  if (!slackAppTokensSet(env)) {
    return null;
  }
  return { appToken: secrets.get('SLACK_APP_TOKEN'), botToken: secrets.get('SLACK_BOT_TOKEN') };
}
