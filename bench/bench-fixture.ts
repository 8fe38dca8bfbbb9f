import { gcoreToken } from '../test/support/gcore-stand-in.js';

/** The bench's accounts: client ids from 10001, 100 tokens each (Gcore's maximum per account). */
export const TOKENS_PER_ACCOUNT = 100;

export const clientIdOf = (account: number) => 10_001 + account;
export const apiKeyOf = (clientId: number) => `bench-key-${clientId}`;
export const apiKeyEnvOf = (clientId: number) => `BENCH_GCORE_KEY_${clientId}`;
/** The one big account (`--one-account <tokens>`, issue 13's case), apart from the accounts of 100. */
export const BIG_ACCOUNT_ID = 90_001;

/**
 * A realistic mix, as of the bench's fixed instant: most tokens are healthy, three in ten break a rule
 * (a never-expiring admin token, a stale one, one never used), so reports and alert state carry findings.
 */
export function benchToken(clientId: number, index: number): Record<string, unknown> {
  const id = clientId * 1000 + index;
  // Each token its own instants, as Gcore's are (to the microsecond): within the same day as before, so every
  // rule decides as it did; a run's memory must not depend on texts every token shares.
  // The time of day and the microseconds are the token's own, computed once: the stand-in answers every get with
  // this, on the cores the measured processes use.
  const seconds = id % 86_400;
  const time = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60].map((n) => String(n).padStart(2, '0')).join(':');
  const micros = String(Math.floor(id / 86_400) % 1_000_000).padStart(6, '0');
  const at = (day: string, gcoreFormat = false) => (gcoreFormat ? `${day} ${time}+00:00` : `${day}T${time}.${micros}Z`);
  const own = { created: at('2026-09-01'), last_usage: at('2026-11-28'), exp_date: at('2027-06-01') };
  switch (index % 10) {
    case 0:
      return gcoreToken(id, { ...own, exp_date: null, client_user: { ...issuer(clientId), role: { id: 1, name: 'Administrators' } } }, clientId);
    case 1:
      return gcoreToken(id, { ...own, last_usage: at('2026-03-01'), client_user: issuer(clientId) }, clientId);
    case 2:
      return gcoreToken(id, { ...own, last_usage: null, created: at('2026-06-01', true), client_user: issuer(clientId) }, clientId);
    default:
      return gcoreToken(id, { ...own, name: `service-${id}`, client_user: issuer(clientId) }, clientId);
  }
}

function issuer(clientId: number) {
  return {
    role: { id: 2, name: 'Users' },
    deleted: false,
    user_id: 7,
    user_name: 'Ops Robot',
    user_email: 'ops@example.com',
    client_id: clientId,
  };
}

/** The instant every bench audit evaluates at, so findings do not drift with the calendar. */
export const BENCH_NOW = '2026-11-29T12:00:00Z';
