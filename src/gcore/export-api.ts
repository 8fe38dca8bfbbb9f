import { GcoreNotFoundError } from '../core/errors.js';
import type { GcoreApi } from './gcore-api.js';

/** A saved export: the list endpoint's array, or `{ "clientId": 456, "tokens": [...] }`. */
export interface TokenExport {
  /** The account ids the export covers, in order of appearance. */
  readonly clientIds: number[];
  readonly api: GcoreApi;
}

function clientIdOf(entry: unknown): number | null {
  const id = (entry as { client_user?: { client_id?: unknown } } | null)?.client_user?.client_id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * Serves a saved export through the same interface as the live API, so `--input` runs the same pipeline.
 * Entries are returned raw: each is validated by the same parser as a live response.
 */
export function createExportApi(document: unknown): TokenExport {
  let entries: unknown[];
  let fixedClientId: number | null = null;
  if (Array.isArray(document)) {
    entries = document;
  } else if (document !== null && typeof document === 'object' && Array.isArray((document as { tokens?: unknown }).tokens)) {
    const { clientId, tokens } = document as { clientId?: unknown; tokens: unknown[] };
    if (typeof clientId !== 'number' || !Number.isSafeInteger(clientId) || clientId <= 0) {
      throw new TypeError('the export\'s "clientId" must be a positive whole number');
    }
    fixedClientId = clientId;
    entries = tokens;
  } else {
    throw new TypeError('expected the list endpoint\'s array, or { "clientId": 456, "tokens": [...] }');
  }

  const byClient = new Map<number, unknown[]>();
  entries.forEach((entry, i) => {
    const clientId = fixedClientId ?? clientIdOf(entry);
    if (clientId === null) {
      throw new TypeError(`entry [${i}] has no client_user.client_id: use { "clientId": ..., "tokens": [...] }`);
    }
    const list = byClient.get(clientId) ?? [];
    list.push(entry);
    byClient.set(clientId, list);
  });
  if (fixedClientId !== null && !byClient.has(fixedClientId)) {
    byClient.set(fixedClientId, []);
  }

  const idOf = (entry: unknown) => (entry as { id?: unknown } | null)?.id;
  return {
    clientIds: [...byClient.keys()],
    api: {
      getAccountId: () => {
        const [only, ...rest] = byClient.keys();
        return only !== undefined && rest.length === 0
          ? Promise.resolve(only)
          : Promise.reject(new TypeError('the export holds several accounts: give each account its clientId'));
      },
      listTokens: (clientId) => Promise.resolve(byClient.get(clientId) ?? []),
      getToken: (clientId, tokenId) => {
        const found = (byClient.get(clientId) ?? []).find((e) => idOf(e) === tokenId);
        return found === undefined
          ? Promise.reject(new GcoreNotFoundError(`token ${tokenId} is not in the export`))
          : Promise.resolve(found);
      },
    },
  };
}
