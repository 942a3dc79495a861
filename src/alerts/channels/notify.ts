import type { AlertNotification } from '../notification.js';
import { abortable } from './abortable.js';
import type { AlertChannel } from './channel.js';

/**
 * Calls the user's own function. A throw or a rejection fails the attempt, and so does the signal: the
 * function cannot be cancelled, so on a timeout it runs on while the attempt is counted as failed (and a
 * retry may call it again before it ends).
 */
export function notifyChannel(
  notify: (notification: AlertNotification) => unknown,
): Pick<AlertChannel, 'send' | 'close'> {
  return {
    send: async (notification, signal) => {
      // A copy: the other channels send the same notification at the same time, whatever this one does to it.
      const own = structuredClone(notification);
      await abortable(new Promise((resolve) => resolve(notify(own))), signal);
    },
    close: async () => {},
  };
}
