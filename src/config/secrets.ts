import { readFileSync } from 'node:fs';
import { SecretError } from '../core/errors.js';

/**
 * Reads secrets from the environment: `NAME`, or `NAME_FILE` naming a file that holds it (Docker secrets).
 * Every value read is remembered so the logger can scrub it from anything it writes.
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
          value = readFileSync(file, 'utf8').trim();
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
          throw new SecretError(`${name}_FILE names a file that cannot be read (${code}): ${file}`);
        }
      }
      if (!value) {
        throw new SecretError(`${name} is not set (nor ${name}_FILE)`);
      }
      cache.set(name, value);
      return value;
    },
    known: () => [...cache.values()],
  };
}
