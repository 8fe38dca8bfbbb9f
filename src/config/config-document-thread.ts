/**
 * A thread's entry point: reads the configuration file named by workerData and posts its document back (see
 * loadConfigOrDefaultsInThread). A ConfigError is posted as its problems; anything else is thrown, so the thread
 * fails with it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from '../core/errors.js';
import { configDocument } from './config-document.js';
import type { ThreadAnswer } from './load-config-in-thread.js';

function answer(path: string): ThreadAnswer {
  try {
    return { document: configDocument(path) };
  } catch (error) {
    if (error instanceof ConfigError) {
      return { problems: error.problems };
    }
    throw error;
  }
}

parentPort?.postMessage(answer(workerData as string));
