// isLoopbackHost is pure and lives in core (alerts checks webhooks with it too); re-exported for existing imports.
export { isLoopbackHost } from '../core/loopback-host.js';
