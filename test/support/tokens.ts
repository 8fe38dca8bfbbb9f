import type { Token } from '../../src/core/token.js';
import type { TokenRef } from '../../src/core/token-ref.js';

export const NOW = new Date('2026-11-29T12:00:00.000Z');
export const DAY = 86_400_000;
export const daysBefore = (n: number) => new Date(NOW.getTime() - n * DAY);
export const daysAfter = (n: number) => new Date(NOW.getTime() + n * DAY);

/** A healthy, active Users token: breaks no rule under the default policy. */
export function token(overrides: Partial<Token> = {}): Token {
  return {
    id: 101,
    name: 'ci',
    description: null,
    expDate: daysAfter(100),
    expired: false,
    deleted: false,
    created: daysBefore(200),
    lastUsage: daysBefore(1),
    issuer: { deleted: false, userId: 1, name: 'John Doe', email: 'john@example.com', clientId: 456 },
    role: { id: 2, name: 'Users' },
    ...overrides,
  };
}

export const ADMIN = { id: 1, name: 'Administrators' };

/** A ref as a listing gives it: account 456's key, no inventory, no name (overrides for the rest). */
export function tokenRef(clientId: number, tokenId: number, overrides: Partial<TokenRef> = {}): TokenRef {
  return {
    clientId,
    tokenId,
    apiKeyEnv: 'GCORE_API_KEY',
    owner: null,
    listedName: null,
    inInventory: false,
    inventoryDeclared: false,
    failure: null,
    ...overrides,
  };
}
