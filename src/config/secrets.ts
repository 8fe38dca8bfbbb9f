import { SecretError, SecretNotSetError } from '../core/errors.js';
import { readSmallFile, UnreadableFileError } from './read-small-file.js';

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
          const why = error instanceof UnreadableFileError ? error.reason : 'unreadable';
          // Never the path: a key pasted into NAME_FILE would be printed back.
          throw new SecretError(`${name}_FILE names a file that cannot be read (${why})`);
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
