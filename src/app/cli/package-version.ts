import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version in package.json, found upwards from this file (src/app/cli/ when run by tests, dist/src/app/cli/ when built). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'gcore-token-audit' && pkg.version) {
        return pkg.version;
      }
    } catch {
      // not here: look further up
    }
    const up = dirname(dir);
    if (up === dir) {
      return 'unknown';
    }
    dir = up;
  }
}
