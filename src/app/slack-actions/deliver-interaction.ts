import type { Logger } from 'pino';
import type { InteractionClaim } from '../../store/socket-lease-store.js';
import type { Interaction, InteractionHandler } from './interaction.js';
import { interactionKey } from './interaction-key.js';

/** One envelope as the SDK hands it over: its id, its payload (untrusted) and how to acknowledge it. */
export interface Envelope {
  readonly envelopeId: string;
  readonly body: unknown;
  ack(response?: Record<string, unknown>): Promise<void>;
}

/**
 * What became of an envelope: `applied` (acknowledged, then its work done), `failed` (acknowledged; the
 * handler or its work failed, logged), `duplicate` (delivered before: acknowledged, nothing done), `ignored`
 * (not an interaction we act on: acknowledged), `not-holder` (this replica no longer holds the lease: not
 * acknowledged, so Slack does not count it handled, and nothing done).
 */
export type Delivery = 'applied' | 'failed' | 'duplicate' | 'ignored' | 'not-holder';

export interface DeliveryDeps {
  readonly handler: InteractionHandler;
  /** Takes the interaction under this replica's lease (claim-interaction.lua): fenced and once only. */
  claim(key: string): Promise<InteractionClaim>;
  readonly logger: Logger;
  readonly redact: (text: string) => string;
}

const TYPES = new Set<string>(['block_actions', 'view_submission']);

/**
 * Claims, decides, acknowledges, then works: Slack wants the acknowledgement within 3 s, so nothing slow
 * comes before it (the claim and the handler's decision are a Redis call or two); the slow work (`after`)
 * runs once the acknowledgement is sent, and its failure is logged redacted, never thrown at Slack.
 */
export async function deliverInteraction(envelope: Envelope, deps: DeliveryDeps): Promise<{ delivery: Delivery; interaction: Interaction | null }> {
  const type = typeof envelope.body === 'object' && envelope.body !== null ? (envelope.body as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !TYPES.has(type)) {
    await envelope.ack();
    return { delivery: 'ignored', interaction: null };
  }
  const interaction: Interaction = { type: type as Interaction['type'], payload: envelope.body };
  const claim = await deps.claim(interactionKey(interaction) ?? `envelope-${envelope.envelopeId}`);
  if (claim === 'not-holder') {
    return { delivery: 'not-holder', interaction };
  }
  if (claim === 'duplicate') {
    await envelope.ack();
    return { delivery: 'duplicate', interaction };
  }
  let outcome;
  try {
    outcome = await deps.handler(interaction);
  } catch (error) {
    await envelope.ack();
    deps.logger.warn({ err: redactedError(error, deps.redact), interaction: type }, 'Slack interaction: the action handler failed; acknowledged, nothing done');
    return { delivery: 'failed', interaction };
  }
  await envelope.ack(outcome.ack ? { ...outcome.ack } : undefined);
  if (outcome.after) {
    try {
      await outcome.after();
    } catch (error) {
      deps.logger.warn({ err: redactedError(error, deps.redact), interaction: type }, 'Slack interaction: the work after the acknowledgement failed');
      return { delivery: 'failed', interaction };
    }
  }
  return { delivery: 'applied', interaction };
}

/** An error as the log keeps it: its class and message, the message redacted (an SDK error may quote a request). */
function redactedError(error: unknown, redact: (text: string) => string): Error {
  const out = new Error(redact(error instanceof Error ? error.message : String(error)));
  out.name = error instanceof Error ? error.name : 'Error';
  return out;
}
