// checkWebhookUrl is pure and lives in core (alerts checks webhooks with it too); re-exported for existing imports.
export { checkWebhookUrl, DEFAULT_WEBHOOK_HOSTS } from '../core/check-webhook-url.js';
