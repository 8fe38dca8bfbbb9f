// TokenRef lives in core (job data that store, run and jobs share); re-exported here for existing imports.
export type { TokenRef } from '../core/token-ref.js';
