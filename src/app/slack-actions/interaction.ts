/**
 * The seam between the Socket Mode listener (transport: the socket, its lease, acknowledging envelopes) and
 * the action handler (what a click or a modal submission does). Both sides are written against these types.
 */

/** An envelope's payload as Slack sent it over the socket: untrusted until the handler has checked it. */
export interface Interaction {
  readonly type: 'block_actions' | 'view_submission';
  readonly payload: unknown;
}

/** What the listener acknowledges the envelope with (Slack wants it within 3 s), and the work done after it. */
export interface InteractionOutcome {
  /** The acknowledgement's body; for a view_submission, `{ response_action: 'errors', errors }` keeps the modal open. */
  readonly ack?: Readonly<Record<string, unknown>>;
  /** Run after the acknowledgement is sent; a failure is logged (redacted) by the listener, never thrown at Slack. */
  readonly after?: () => Promise<void>;
}

/** Decides fast (no Gcore call, at most a Redis read) what to acknowledge with; the slow work goes in `after`. */
export type InteractionHandler = (interaction: Interaction) => Promise<InteractionOutcome>;

/** The Web API calls the actions need; implemented over @slack/web-api's WebClient with the bot token. */
export interface SlackWeb {
  /** chat.update: the message the button was on, rewritten in place. */
  updateMessage(channel: string, ts: string, text: string, blocks: readonly unknown[]): Promise<void>;
  /** views.open with the click's trigger_id (valid for 3 s). */
  openView(triggerId: string, view: Readonly<Record<string, unknown>>): Promise<void>;
  /** chat.postEphemeral: a line only the clicking user sees ("you are not allowed to …"). */
  postEphemeral(channel: string, user: string, text: string): Promise<void>;
  /** usergroups.users.list: the user ids of a user group (for `actions.allowed.userGroups`). */
  userGroupMembers(groupId: string): Promise<readonly string[]>;
}
