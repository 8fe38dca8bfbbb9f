/**
 * `node --import ./test/support/module-trace.js …`: writes every module the process loaded, one URL or path a
 * line, to the file MODULE_TRACE_FILE names, when the process exits. ES modules are seen by a resolve hook
 * (it runs off the main thread, so it appends as it goes); CommonJS files (ioredis is one) are read from
 * require's cache at exit, since a require() inside a CommonJS package never reaches an ES module hook.
 * Plain JavaScript: node loads it before anything is compiled.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.MODULE_TRACE_FILE;
if (file) {
  writeFileSync(file, '');
  register('./module-trace-hooks.js', import.meta.url, { data: { file } });
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => appendFileSync(file, Object.keys(cache).map((path) => `${path}\n`).join('')));
}
