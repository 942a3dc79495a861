import { createHmac } from 'node:crypto';
import type { AlertChannel } from './channel.js';
import { postJson } from './http-post.js';

/**
 * Posts the notification as JSON (dates as ISO strings) to any URL. With a secret, the receiver can check
 * that the body comes from routeperf and is recent: `X-Routeperf-Signature` is {@link signatureOf} the
 * secret, `X-Routeperf-Timestamp` (Unix seconds) and the raw body. The timestamp is signed too, so that
 * an old request cannot be replayed with a fresh one; each attempt is signed anew.
 */
export function webhookChannel(config: {
  url: string;
  secret?: string;
  headers?: Record<string, string>;
}): Pick<AlertChannel, 'send' | 'close'> {
  return {
    send: (notification, signal) => {
      const body = JSON.stringify(notification);
      const headers = { ...config.headers };
      if (config.secret !== undefined) {
        const timestamp = Math.floor(Date.now() / 1000);
        headers['X-Routeperf-Timestamp'] = String(timestamp);
        headers['X-Routeperf-Signature'] = signatureOf(config.secret, timestamp, body);
      }
      return postJson(config.url, body, headers, signal);
    },
    close: async () => {},
  };
}

/**
 * The `X-Routeperf-Signature` of a body: `sha256=` and the hex HMAC-SHA256, keyed by the secret, of
 * `<timestamp>.<body>`. A receiver recomputes it from the raw body and compares in constant time
 * (`crypto.timingSafeEqual`).
 */
export function signatureOf(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
