import type { AlertNotification } from '../notification.js';
import type { AlertChannel } from './channel.js';
import { postJson } from './http-post.js';

/**
 * Posts to a Microsoft Teams channel through a Workflows webhook (the "Send webhook alerts to a channel"
 * template, or "When a Teams webhook request is received"), which takes an Adaptive Card in a message.
 * The retired Office 365 connectors took another format (MessageCard) and are not supported.
 */
export function teamsChannel(url: string): Pick<AlertChannel, 'send' | 'close'> {
  return {
    send: (notification, signal) => postJson(url, JSON.stringify(teamsMessage(notification)), {}, signal),
    close: async () => {},
  };
}

/** A card with the title in the colour of the status, the text, and the figures as facts. */
function teamsMessage(notification: AlertNotification) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            {
              type: 'TextBlock',
              text: notification.title,
              weight: 'Bolder',
              size: 'Medium',
              color: notification.status === 'firing' ? 'Attention' : 'Good',
              wrap: true,
            },
            { type: 'TextBlock', text: notification.text, wrap: true },
            { type: 'FactSet', facts: factsOf(notification) },
          ],
        },
      },
    ],
  };
}

function factsOf(notification: AlertNotification) {
  const { rule, environment, method, route, metric, comparison, threshold, value, window } = notification;
  return [
    { title: 'Rule', value: rule },
    { title: 'Environment', value: environment },
    { title: 'Route', value: route === null ? 'every route' : `${method} ${route}` },
    { title: 'Value', value: `${metric} ${figure(value)}` },
    { title: 'Threshold', value: `${comparison} ${figure(threshold)}` },
    { title: 'Window', value: window },
  ];
}

/** Six significant digits at most: an error rate of 0.0123 keeps its digits, 812.4567 ms loses noise. */
const figure = (n: number) => n.toLocaleString('en-US', { maximumSignificantDigits: 6, useGrouping: false });
