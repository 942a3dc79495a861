import type { AlertNotification } from '../notification.js';
import type { AlertChannel } from './channel.js';
import { postJson } from './http-post.js';

/** Slack refuses a message whose header is longer than this (`invalid_blocks`). */
const HEADER_CHARS = 150;
/** …or whose section text is longer than this. */
const SECTION_CHARS = 3000;

/** Posts to a Slack incoming webhook (https://hooks.slack.com/services/…). */
export function slackChannel(url: string): Pick<AlertChannel, 'send' | 'close'> {
  return {
    send: (notification, signal) => postJson(url, JSON.stringify(slackMessage(notification)), {}, signal),
    close: async () => {},
  };
}

/**
 * `text` is what notifications and clients without blocks show; the blocks show the title, the figures
 * and the status. Plain text throughout: a route such as `/a/<id>` would be markup in mrkdwn.
 */
function slackMessage(notification: AlertNotification) {
  return {
    text: notification.title,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(notification.title, HEADER_CHARS) } },
      { type: 'section', text: { type: 'plain_text', text: cut(notification.text, SECTION_CHARS) } },
      { type: 'context', elements: [{ type: 'plain_text', text: statusOf(notification) }] },
    ],
  };
}

function statusOf({ status, repeat, rule, environment }: AlertNotification): string {
  const state = status === 'resolved' ? 'Resolved' : repeat ? 'Still firing' : 'Firing';
  return `${state} · rule ${rule} · ${environment}`;
}

function cut(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}
