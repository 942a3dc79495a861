/**
 * The alert channels as their receivers see them: real HTTP servers and a real SMTP server on loopback
 * sockets, and `deliver` with its timeouts, retries and outcomes, told apart by the order of events.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertChannel, ChannelConfig } from '../../src/alerts/channels/channel.js';
import { openChannel } from '../../src/alerts/channels/index.js';
import { signatureOf } from '../../src/alerts/channels/webhook.js';
import { type DeliveryOutcome, deliver } from '../../src/alerts/delivery.js';
import type { AlertNotification } from '../../src/alerts/notification.js';
import { closeServer, listen } from '../support/http.js';
import { capturingLogger } from '../support/logger.js';
import { until } from '../support/wait.js';

const firing: AlertNotification = {
  status: 'firing',
  repeat: false,
  rule: 'slow orders',
  environment: 'production',
  method: 'GET',
  route: '/orders/:id',
  metric: 'p95',
  comparison: 'above',
  threshold: 500,
  value: 812.4567,
  requests: 1200,
  window: '5m',
  since: new Date('2026-01-02T03:04:05.000Z'),
  at: new Date('2026-01-02T03:09:05.000Z'),
  title: 'slow orders: p95 812 ms above 500 ms on GET /orders/:id',
  text: 'slow orders: p95 812 ms above 500 ms on GET /orders/:id\nproduction, 1200 requests in the last 5m',
};
const resolved: AlertNotification = { ...firing, status: 'resolved', title: 'resolved: slow orders' };
/** The path of a Slack webhook URL: whoever knows it can post to the channel. */
const SECRET_PATH = '/services/T000/B000/SECRETTOKEN';
const FAST = { backoffMs: 10 };

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const servers: Server[] = [];
const channels: AlertChannel[] = [];
afterEach(async () => {
  await Promise.all(channels.splice(0).map((channel) => channel.close()));
  await Promise.all(servers.splice(0).map(closeServer));
});

/** An HTTP server that keeps every request it receives and answers with `answer` (never, if it does nothing). */
async function receiver(answer: (response: ServerResponse) => void = (response) => response.end('ok')) {
  const received: Received[] = [];
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received.push({ path: request.url!, headers: request.headers, body });
    answer(response);
  });
  servers.push(server);
  return { url: await listen(server), received };
}

function open(config: ChannelConfig, name: string = config.type): AlertChannel {
  const channel = openChannel(config, name);
  channels.push(channel);
  return channel;
}

function refusing(status: number, body: string) {
  return (response: ServerResponse) => {
    response.statusCode = status;
    response.end(body);
  };
}

describe('slack, teams and webhook channels', () => {
  it('posts a Slack message: the title as text, and blocks with the title, the text and the status', async () => {
    const slack = await receiver();
    const outcomes = await deliver(
      firing,
      [open({ type: 'slack', url: `${slack.url}${SECRET_PATH}` })],
      FAST,
    );

    expect(outcomes).toMatchObject([{ channel: 'slack', outcome: 'sent', attempts: 1, error: null }]);
    const [request] = slack.received;
    expect(request!.path).toBe(SECRET_PATH);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toEqual({
      text: firing.title,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: firing.title } },
        { type: 'section', text: { type: 'plain_text', text: firing.text } },
        {
          type: 'context',
          elements: [{ type: 'plain_text', text: 'Firing · rule slow orders · production' }],
        },
      ],
    });
  });

  it('posts a Teams Adaptive Card coloured by the status, with the figures as facts', async () => {
    const teams = await receiver();
    const channel = open({ type: 'teams', url: teams.url });
    await deliver(firing, [channel], FAST);
    await deliver({ ...resolved, method: null, route: null }, [channel], FAST);

    const [alert, resolution] = teams.received.map((request) => JSON.parse(request.body));
    expect(teams.received[0]!.headers['content-type']).toBe('application/json');
    expect(alert).toMatchObject({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }],
    });
    expect(alert.attachments[0].content).toEqual({
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.4',
      body: [
        {
          type: 'TextBlock',
          text: firing.title,
          weight: 'Bolder',
          size: 'Medium',
          color: 'Attention',
          wrap: true,
        },
        { type: 'TextBlock', text: firing.text, wrap: true },
        {
          type: 'FactSet',
          facts: [
            { title: 'Rule', value: 'slow orders' },
            { title: 'Environment', value: 'production' },
            { title: 'Route', value: 'GET /orders/:id' },
            { title: 'Value', value: 'p95 812.457' },
            { title: 'Threshold', value: 'above 500' },
            { title: 'Window', value: '5m' },
          ],
        },
      ],
    });
    const [title, , facts] = resolution.attachments[0].content.body;
    expect(title).toMatchObject({ text: 'resolved: slow orders', color: 'Good' });
    expect(facts.facts).toContainEqual({ title: 'Route', value: 'every route' });
  });

  it('posts the notification as JSON to a webhook, with its extra headers and no signature without a secret', async () => {
    const hook = await receiver();
    const headers = { 'X-Api-Key': 'key-1', Authorization: 'Bearer token-1' };
    await deliver(firing, [open({ type: 'webhook', url: `${hook.url}/hook`, headers })], FAST);

    const [request] = hook.received;
    expect(JSON.parse(request!.body)).toEqual({
      ...firing,
      since: '2026-01-02T03:04:05.000Z',
      at: '2026-01-02T03:09:05.000Z',
    });
    expect(request!.headers).toMatchObject({ 'x-api-key': 'key-1', authorization: 'Bearer token-1' });
    expect(request!.headers['x-routeperf-signature']).toBeUndefined();
    expect(request!.headers['x-routeperf-timestamp']).toBeUndefined();
  });

  it('signs a webhook body with HMAC-SHA256 of "<timestamp>.<body>" when it has a secret', async () => {
    const hook = await receiver();
    const before = Math.floor(Date.now() / 1000);
    await deliver(firing, [open({ type: 'webhook', url: hook.url, secret: 's3cret' })], FAST);

    const [{ headers, body }] = hook.received as [Received];
    const timestamp = headers['x-routeperf-timestamp'] as string;
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(timestamp)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    const expected = createHmac('sha256', 's3cret').update(`${timestamp}.${body}`).digest('hex');
    expect(headers['x-routeperf-signature']).toBe(`sha256=${expected}`);
    expect(signatureOf('s3cret', timestamp, body)).toBe(`sha256=${expected}`);
    expect(signatureOf('other', timestamp, body)).not.toBe(`sha256=${expected}`);
  });

  it('sends the user and password of a URL as Basic authentication, not in the URL', async () => {
    const hook = await receiver();
    const url = hook.url.replace('http://', 'http://alerts:p%40ss@');
    const [outcome] = await deliver(firing, [open({ type: 'webhook', url: `${url}/hook` })], FAST);

    expect(outcome!.outcome).toBe('sent');
    expect(hook.received[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from('alerts:p@ss').toString('base64')}`,
    );
  });
});

describe('deliver', () => {
  it('tries a refusing receiver 1 + retries times, then reports it failed with the status', async () => {
    const failing = await receiver(refusing(500, 'boom'));
    const { logger, lines } = capturingLogger();
    const [outcome] = await deliver(
      firing,
      [open({ type: 'webhook', url: failing.url, retries: 2 }, 'ops')],
      {
        ...FAST,
        logger,
      },
    );

    expect(failing.received).toHaveLength(3);
    expect(outcome).toMatchObject({ channel: 'ops', outcome: 'failed', attempts: 3 });
    expect(outcome!.error).toContain('500 Internal Server Error: boom');
    expect(lines.warn).toEqual([
      `Alert "slow orders" (firing) for GET /orders/:id (production) could not be sent to channel "ops" (3 attempts): ${outcome!.error}`,
    ]);
    expect(lines.info).toEqual([]);
  });

  it('tries only once with retries 0', async () => {
    const failing = await receiver(refusing(503, 'down'));
    const [outcome] = await deliver(firing, [open({ type: 'slack', url: failing.url, retries: 0 })], FAST);

    expect(failing.received).toHaveLength(1);
    expect(outcome).toMatchObject({ outcome: 'failed', attempts: 1 });
    expect(outcome!.error).toContain('503');
  });

  it('cuts a receiver that never answers at its timeout and retries it, without holding back the others', async () => {
    const hanging = await receiver(() => {});
    const good = await receiver();
    const events: string[] = [];
    const { logger, lines } = capturingLogger();
    const outcomes = await deliver(
      firing,
      [
        open({ type: 'webhook', url: hanging.url, timeout: 300, retries: 1 }, 'hanging'),
        open({ type: 'slack', url: good.url }, 'good'),
      ],
      { ...FAST, logger, onOutcome: (outcome) => events.push(`${outcome.channel} ${outcome.outcome}`) },
    );

    expect(events).toEqual(['good sent', 'hanging failed']);
    expect(outcomes.map((outcome) => outcome.channel)).toEqual(['hanging', 'good']);
    expect(outcomes[0]).toMatchObject({ outcome: 'failed', attempts: 2, error: 'no answer within 300 ms' });
    expect(good.received).toHaveLength(1);
    await until(() => hanging.received.length === 2, { what: 'the retry reaching the hanging receiver' });
    expect(lines.info).toEqual([
      'Alert "slow orders" (firing) for GET /orders/:id (production) sent to channel "good" (1 attempt)',
    ]);
    expect(lines.warn).toHaveLength(1);
  });

  it('cuts a channel that ignores its signal at its timeout', async () => {
    const deaf: AlertChannel = {
      name: 'deaf',
      timeout: 200,
      retries: 0,
      send: () => new Promise(() => {}),
      close: async () => {},
    };
    const [outcome] = await deliver(firing, [deaf], FAST);

    expect(outcome).toMatchObject({ outcome: 'failed', attempts: 1, error: 'no answer within 200 ms' });
  });

  it('never names the path of a webhook URL in an error or a log line', async () => {
    const echoing = await receiver(refusing(403, `invalid token in ${SECRET_PATH}?x=1`));
    const closed = await receiver();
    await closeServer(servers.pop()!);
    const { logger, lines } = capturingLogger();
    const outcomes = await deliver(
      firing,
      [
        open({ type: 'slack', url: `${echoing.url}${SECRET_PATH}?x=1`, retries: 0 }, 'refused'),
        open({ type: 'teams', url: `${closed.url}${SECRET_PATH}`, retries: 0 }, 'unreachable'),
      ],
      { ...FAST, logger },
    );

    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['failed', 'failed']);
    expect(outcomes[0]!.error).toBe(`POST to ${echoing.url} answered 403 Forbidden: invalid token in /…`);
    expect(outcomes[1]!.error).toMatch(new RegExp(`^POST to ${closed.url} failed: .*ECONNREFUSED`));
    expect(lines.warn).toHaveLength(2);
    for (const text of [...outcomes.map((outcome) => outcome.error), ...lines.warn]) {
      expect(text).not.toContain('SECRETTOKEN');
      expect(text).not.toContain('/services/');
    }
  });
});

describe('notify channel', () => {
  it('calls the function with the notification, and a throwing one fails alone', async () => {
    const seen: AlertNotification[] = [];
    const good = await receiver();
    const { logger, lines } = capturingLogger();
    const outcomes = await deliver(
      firing,
      [
        open({ type: 'notify', notify: (notification) => void seen.push(notification) }, 'own'),
        open(
          {
            type: 'notify',
            retries: 1,
            notify: () => {
              throw new Error('pager down');
            },
          },
          'throws',
        ),
        open({ type: 'notify', notify: async () => Promise.reject(new Error('rejected')) }, 'rejects'),
        open({ type: 'slack', url: good.url }, 'slack'),
      ],
      { ...FAST, logger },
    );

    expect(seen).toEqual([firing]);
    expect(outcomes).toMatchObject([
      { channel: 'own', outcome: 'sent', attempts: 1 },
      { channel: 'throws', outcome: 'failed', attempts: 2, error: 'pager down' },
      { channel: 'rejects', outcome: 'failed', attempts: 3, error: 'rejected' },
      { channel: 'slack', outcome: 'sent' },
    ]);
    expect(good.received).toHaveLength(1);
    expect(lines.warn.join('\n')).toContain('could not be sent to channel "throws" (2 attempts): pager down');
  });

  it('waits for the promise it returns, and fails the attempt when it outlasts the timeout', async () => {
    const done: string[] = [];
    const outcomes: DeliveryOutcome[] = await deliver(
      firing,
      [
        open(
          {
            type: 'notify',
            notify: () => new Promise((resolve) => setTimeout(resolve, 20)).then(() => done.push('quick')),
          },
          'quick',
        ),
        open({ type: 'notify', timeout: 100, retries: 0, notify: () => new Promise(() => {}) }, 'stuck'),
      ],
      FAST,
    );

    expect(done).toEqual(['quick']);
    expect(outcomes).toMatchObject([
      { outcome: 'sent', error: null },
      { outcome: 'failed', error: 'no answer within 100 ms' },
    ]);
  });
});

describe('email channel', () => {
  it('sends the title as subject and the text as body, from and to the configured addresses', async () => {
    const mails: { from: string; to: string[]; raw: string }[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => {
          raw += chunk.toString('utf8');
        });
        stream.on('end', () => {
          const from = session.envelope.mailFrom;
          mails.push({
            from: from ? from.address : '',
            to: session.envelope.rcptTo.map((to) => to.address),
            raw,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const { port } = smtp.server.address() as AddressInfo;
    try {
      const email = open({
        type: 'email',
        url: `smtp://127.0.0.1:${port}`,
        from: 'routeperf@example.com',
        to: ['ops@example.com', 'dev@example.com'],
      });
      const [outcome] = await deliver(firing, [email], FAST);

      expect(outcome).toMatchObject({ outcome: 'sent', attempts: 1 });
      expect(mails).toHaveLength(1);
      const [{ from, to, raw }] = mails as [(typeof mails)[number]];
      expect(from).toBe('routeperf@example.com');
      expect(to).toEqual(['ops@example.com', 'dev@example.com']);
      const [head, ...body] = raw.split('\r\n\r\n');
      const headers = head!.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
      expect(headers).toContain(`Subject: ${firing.title}`);
      expect(headers).toContain('From: routeperf@example.com');
      expect(headers).toContain('To: ops@example.com, dev@example.com');
      expect(body.join('\r\n\r\n').replace(/\r\n/g, '\n')).toContain(firing.text);
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });

  it('gives up on an SMTP server that never greets at the timeout, and tries it again', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const email = open({
        type: 'email',
        url: `smtp://127.0.0.1:${port}`,
        from: 'routeperf@example.com',
        to: ['ops@example.com'],
        timeout: 300,
        retries: 1,
      });
      const [outcome] = await deliver(firing, [email], FAST);

      expect(outcome).toMatchObject({ outcome: 'failed', attempts: 2 });
      expect(sockets).toHaveLength(2);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
