import type { Transporter } from 'nodemailer';
import { importDriver } from '../../store/dialects/shared/import-driver.js';
import type { AlertNotification } from '../notification.js';
import { abortable } from './abortable.js';
import type { AlertChannel } from './channel.js';

type Nodemailer = typeof import('nodemailer');

/**
 * Sends a plain-text mail through an SMTP server (`smtp://user:password@host:587`, `smtps://…` for TLS
 * from the start; nodemailer's URL parameters such as `?pool=true` apply). Nodemailer is an optional
 * peer dependency, imported on the first send, so that an app without email channels needs none.
 */
export function emailChannel(
  config: { url: string; from: string; to: readonly string[] },
  timeout: number,
): Pick<AlertChannel, 'send' | 'close'> {
  let transport: Promise<Transporter> | undefined;
  const opened = () => {
    transport ??= openTransport(config.url, timeout);
    return transport;
  };
  return {
    send: async (notification: AlertNotification, signal: AbortSignal) => {
      // Nodemailer 10.5 and later close the SMTP connection when the signal aborts; older versions ignore
      // it, so the wait ends at the abort all the same, and the timeouts below end their connection.
      await abortable(
        opened().then((mailer) =>
          mailer.sendMail({
            from: config.from,
            to: [...config.to],
            subject: notification.title,
            text: notification.text,
            signal,
          }),
        ),
        signal,
      );
    },
    close: async () => {
      (await transport?.catch(() => undefined))?.close();
    },
  };
}

async function openTransport(url: string, timeout: number): Promise<Transporter> {
  const nodemailer = await importDriver<Nodemailer>('nodemailer', 'An email alert channel');
  return nodemailer.default.createTransport(withTimeouts(url, timeout));
}

/**
 * A hanging server is given one attempt's time at each step, not nodemailer's minutes. Set as parameters
 * of the URL, which every nodemailer version reads: before version 10, the other keys of an options
 * object with a `url` were ignored. Timeouts that the URL sets itself are kept.
 */
function withTimeouts(url: string, timeout: number): string {
  const parsed = new URL(url);
  for (const name of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) {
    if (!parsed.searchParams.has(name)) parsed.searchParams.set(name, String(timeout));
  }
  return parsed.href;
}
