import { describe, expect, it } from 'vitest';
import { createTransport } from '../../../src/bus/transports/database/index.js';
import { RouteperfError } from '../../../src/errors.js';
import { describeEachDatabase } from '../../support/databases.js';
import { bodies, context, drain, queueDsn, useQueues, within } from './helpers.js';

const numbered = (count: number, prefix = 'message') =>
  Array.from({ length: count }, (_, i) => `${prefix} ${i}`);

describeEachDatabase((database) => {
  const queues = useQueues(database);

  it('delivers a sent message once, and not again once acknowledged', async () => {
    const transport = await queues.queue(queues.place());
    await transport.send(['one', 'two', 'three']);

    const received = await transport.receive(10, 1000);
    expect(bodies(received)).toEqual(['one', 'two', 'three']);
    expect(received.map((message) => message.redeliveries)).toEqual([0, 0, 0]);
    expect(await transport.receive(10, 0)).toEqual([]);

    await transport.ack(received);
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
    expect(await transport.receive(10, 0)).toEqual([]);
  });

  it('keeps every body exactly as sent', async () => {
    const sent = [
      '{"type":"routeperf.record","v":1,"id":"a","body":{"path":"/caf\\u00e9"}}',
      'café · naïve · Ångström · ß · İı',
      '日本語のルート /ユーザー/:id',
      'עברית ومرحبا',
      'emoji 👍🏽 🏳️‍🌈 𝄞 (four-byte characters)',
      'e\u0301 and é (combining and precomposed)',
      '  leading and trailing spaces  ',
      'tabs\tnewlines\nreturns\r\nquotes \' " ` backslashes \\ \\\\ percent % underscore _',
      '',
      'x'.repeat(200_000),
    ];
    const transport = await queues.queue(queues.place());
    await transport.send(sent);
    expect(bodies(await transport.receive(100, 1000))).toEqual(sent);
  });

  it('delivers batches of at most `max`, oldest first, across sends larger than one statement', async () => {
    const transport = await queues.queue(queues.place());
    // More rows than one INSERT may carry bound parameters for, on every database.
    const first = numbered(25_000, 'first');
    const second = numbered(10, 'second');
    await transport.send(first);
    await transport.send(second);

    const batches = await drain(transport, 4000);
    expect(batches.map((batch) => batch.length)).toEqual([4000, 4000, 4000, 4000, 4000, 4000, 1010]);
    expect(batches.flatMap(bodies)).toEqual([...first, ...second]);
  });

  it('takes a send larger than MariaDB accepts in one statement (16 MB), whole and in order', async () => {
    const transport = await queues.queue(queues.place());
    const sent = Array.from({ length: 40 }, (_, i) => `${i}:${'y'.repeat(500_000)}`);
    await transport.send(sent);
    expect(bodies(await transport.receive(100, 1000))).toEqual(sent);
  });

  it('keeps the queues that share a table apart', async () => {
    const at = queues.place();
    const orders = await queues.queue(at, { queue: 'orders' });
    const emails = await queues.queue(at, { queue: 'emails' });
    const fallback = await queues.queue(at);
    await orders.send(['order 1', 'order 2']);
    await emails.send(['email 1']);

    expect(bodies(await emails.receive(10, 0))).toEqual(['email 1']);
    expect(await fallback.receive(10, 0)).toEqual([]);
    expect(await fallback.stats()).toEqual({ pending: 0, inFlight: 0 });
    expect(await orders.stats()).toEqual({ pending: 2, inFlight: 0 });
    expect(bodies(await orders.receive(10, 0))).toEqual(['order 1', 'order 2']);
  });

  it('counts waiting and in-flight messages', async () => {
    const transport = await queues.queue(queues.place());
    expect(await transport.stats()).toEqual({ pending: 0, inFlight: 0 });
    await transport.send(numbered(5));
    expect(await transport.stats()).toEqual({ pending: 5, inFlight: 0 });

    const [first, second] = await transport.receive(2, 0);
    expect(await transport.stats()).toEqual({ pending: 3, inFlight: 2 });
    await transport.ack([first!]);
    expect(await transport.stats()).toEqual({ pending: 3, inFlight: 1 });
    await transport.release([second!]);
    expect(await transport.stats()).toEqual({ pending: 4, inFlight: 0 });
  });

  it('makes released messages available again at once, counted as redelivered', async () => {
    const transport = await queues.queue(queues.place());
    await transport.send(['a', 'b', 'c']);
    const received = await transport.receive(2, 0);
    await transport.release(received);

    const again = await transport.receive(10, 0);
    expect(bodies(again)).toEqual(['a', 'b', 'c']);
    expect(again.map((message) => message.redeliveries)).toEqual([1, 1, 0]);
  });

  it("redelivers a dead consumer's messages once the receiver's redelivery timeout has passed, not before", async () => {
    const at = queues.place();
    const crashed = await queues.queue(at);
    await crashed.send(['a', 'b']);
    expect(bodies(await crashed.receive(10, 0))).toEqual(['a', 'b']);
    await crashed.close(); // never acknowledged

    const patient = await queues.queue(at, { redeliveryTimeout: '600000' });
    expect(await patient.receive(10, 0)).toEqual([]);
    expect(await patient.stats()).toEqual({ pending: 0, inFlight: 2 });

    const eager = await queues.queue(at, { redeliveryTimeout: '200' });
    const redelivered = await eager.receive(10, 5000);
    expect(bodies(redelivered)).toEqual(['a', 'b']);
    expect(redelivered.map((message) => message.redeliveries)).toEqual([1, 1]);
    await eager.ack(redelivered);
    expect(await eager.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('receives a message sent while it waits', async () => {
    const at = queues.place();
    const consumer = await queues.queue(at);
    const producer = await queues.queue(at);
    const waiting = consumer.receive(10, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await producer.send(['late']);
    expect(bodies(await waiting)).toEqual(['late']);
  });

  it('sets up idempotently, also from several transports at once', async () => {
    const at = queues.place();
    const transports = await Promise.all([1, 2, 3, 4].map(() => queues.open(queueDsn(at))));
    await Promise.all(transports.map((transport) => transport.setup()));
    await transports[0]!.send(['kept']);
    await transports[1]!.setup();
    expect(bodies(await transports[2]!.receive(10, 0))).toEqual(['kept']);
  });

  it('close() ends a waiting receive with nothing, and may be called again', async () => {
    const transport = await queues.queue(queues.place());
    const waiting = transport.receive(10, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await within(5000, transport.close());
    expect(await within(1000, waiting)).toEqual([]);
    await transport.close();
    await expect(transport.send(['after close'])).rejects.toThrow(/is closed/);
  });
});

describe('database transport DSN', () => {
  const store = { url: 'sqlite:/tmp/routeperf-store.sqlite', prefix: 'app_' };
  const open = (dsn: string) => createTransport(new URL(dsn), context(store));

  it.each([
    ['database://other', /expected database:\/\/default/],
    ['sqlite:/tmp/queue.sqlite?tablePrefix=1bad', /tablePrefix: expected letters/],
    ['sqlite::memory:', /sqlite::memory: is private to one connection/],
    [`sqlite:/tmp/queue.sqlite?queue=${'q'.repeat(129)}`, /queue: expected a name of 128 characters at most/],
    ['sqlite:/tmp/queue.sqlite?redeliveryTimeout=soon', /redeliveryTimeout: expected a whole number/],
    ['sqlite:/tmp/queue.sqlite?pollInterval=0', /pollInterval: expected a whole number of at least 1/],
  ])('%s is a configuration error', async (dsn, message) => {
    const failure = open(dsn);
    await expect(failure).rejects.toBeInstanceOf(RouteperfError);
    await expect(failure).rejects.toMatchObject({ code: 'ROUTEPERF_CONFIG_INVALID' });
    await expect(failure).rejects.toThrow(message);
  });

  it('describes itself without the password', async () => {
    const transport = await open('postgres://app:secret@db.example:5432/app?queue=q');
    expect(transport.description).toBe('postgres://app:***@db.example:5432/app?queue=q');
    expect(transport.durable).toBe(true);
    await transport.close();
  });
});
