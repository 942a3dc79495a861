import type { AlertChannel, ChannelConfig } from './channel.js';
import { emailChannel } from './email.js';
import { notifyChannel } from './notify.js';
import { slackChannel } from './slack.js';
import { teamsChannel } from './teams.js';
import { webhookChannel } from './webhook.js';

/** Milliseconds one attempt of a channel may take when its config does not say. */
export const DEFAULT_CHANNEL_TIMEOUT_MS = 10_000;
/** Attempts after a failed first one when a channel's config does not say. */
export const DEFAULT_CHANNEL_RETRIES = 2;

/** The channel a config describes; nothing connects before its first message. */
export function openChannel(config: ChannelConfig, fallbackName: string): AlertChannel {
  const timeout = config.timeout ?? DEFAULT_CHANNEL_TIMEOUT_MS;
  return {
    name: config.name ?? fallbackName,
    timeout,
    retries: config.retries ?? DEFAULT_CHANNEL_RETRIES,
    ...transportOf(config, timeout),
  };
}

function transportOf(config: ChannelConfig, timeout: number): Pick<AlertChannel, 'send' | 'close'> {
  switch (config.type) {
    case 'email':
      return emailChannel(config, timeout);
    case 'slack':
      return slackChannel(config.url);
    case 'teams':
      return teamsChannel(config.url);
    case 'webhook':
      return webhookChannel(config);
    case 'notify':
      return notifyChannel(config.notify);
  }
}
