import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../core/errors.js';
import type { Config } from './config.js';
import { configSource, parseConfig } from './load-config.js';

/** What the thread posts: the document, or the problems of its ConfigError. */
export type ThreadAnswer = { readonly document: object | null } | { readonly problems: readonly string[] };

/**
 * configDocument, read in a short-lived thread, for the long-lived worker. The `yaml` parser allocates about 800
 * bytes per byte of the file (39 MB for 1,000 accounts): in the worker's own heap that garbage grows the heap
 * for good, 10 MB of RSS more at 1,000 accounts than at 200 before any run (README "Performance"). The thread's
 * heap goes with the thread; the worker receives only the parsed document. It resolves once the thread has
 * exited, so its memory is given back before the worker loads anything else. About 60 ms more than reading in
 * place, so the one-shot commands read in place.
 */
async function configDocumentInThread(path: string): Promise<object | null> {
  // No environment: the thread reads one file and needs none of the secrets.
  const thread = new Worker(new URL('./config-document-thread.js', import.meta.url), { workerData: path, env: {} });
  let answer: ThreadAnswer | undefined;
  let failure: Error | undefined;
  thread.once('message', (message: ThreadAnswer) => (answer = message));
  thread.once('error', (error: Error) => (failure = error));
  // Node delivers every message the thread posted before 'exit'.
  const [code] = (await once(thread, 'exit')) as [number];
  if (failure !== undefined) {
    throw failure;
  }
  if (answer === undefined) {
    throw new Error(`the thread reading ${path} exited (code ${code}) without an answer`);
  }
  if ('problems' in answer) {
    throw new ConfigError(answer.problems);
  }
  return answer.document;
}

/**
 * loadConfigOrDefaults for the long-lived worker: the file is parsed in a thread of its own, whose memory is
 * given back when it ends (configDocumentInThread); validated here, as for every command.
 */
export async function loadConfigOrDefaultsInThread(flag: string | undefined, env: NodeJS.ProcessEnv): Promise<{ config: Config; path: string | null }> {
  const path = configSource(flag, env);
  return { config: parseConfig(path === null ? {} : await configDocumentInThread(path), env), path };
}
