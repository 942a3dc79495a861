import { expect, it } from 'vitest';
import type { Transport } from '../../../src/bus/transport.js';
import { RouteperfError } from '../../../src/errors.js';
import {
  AMQP_HOST,
  AMQP_PORT,
  amqpDsn,
  describeWithRabbitMQ,
  FreezingProxy,
  useAmqp,
} from '../../support/amqp.js';
import { deferAfterEach } from '../../support/cleanup.js';
import { closedPort } from '../../support/reachability.js';
import { TcpProxy } from '../../support/tcp-proxy.js';

/** What `call` rejected with; fails the test when it resolved. */
async function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

/** The codes along the error's chain of causes, outermost first: none may be invented. */
function codesOf(error: unknown): unknown[] {
  const codes: unknown[] = [];
  for (let at = error; at instanceof Error; at = at.cause) codes.push((at as { code?: unknown }).code);
  return codes;
}

describeWithRabbitMQ('amqp transport errors: what they mean', () => {
  const amqp = useAmqp();
  const defer = deferAfterEach();

  it("a broker that refuses the credentials is a configuration mistake, with amqplib's reason kept", async () => {
    const transport = await amqp.open(`amqp://guest:wrong@${AMQP_HOST}:${AMQP_PORT}?queue=nowhere`);
    const error = await rejection(transport.setup());
    expect(error).toBeInstanceOf(RouteperfError);
    expect(error).toMatchObject({
      code: 'ROUTEPERF_TRANSPORT_REFUSED',
      errorCause: 'config',
      message: expect.stringMatching(
        /^RabbitMQ refused the connection to amqp:\/\/guest:\*\*\*@.*ACCESS_REFUSED/,
      ),
      cause: { message: expect.stringMatching(/^Handshake terminated by server: 403/) },
    });
    expect(transport.causeOf(error)).toBe('config');
  });

  it('a port nothing listens on is unreachable, the socket error kept as it came', async () => {
    const transport = await amqp.open(amqpDsn('nowhere', {}, await closedPort()));
    const error = await rejection(transport.send(['a']));
    expect(error).toMatchObject({ code: 'ROUTEPERF_TRANSPORT_UNREACHABLE', errorCause: 'unreachable' });
    expect(codesOf(error)).toEqual(['ROUTEPERF_TRANSPORT_UNREACHABLE', 'ECONNREFUSED']);
    expect(transport.causeOf(error)).toBe('unreachable');
  });

  it('a broker that drops the connection during the handshake is unreachable, with no code invented', async () => {
    const proxy = await TcpProxy.start({ host: AMQP_HOST, port: AMQP_PORT });
    defer(() => proxy.close());
    proxy.cut();
    const transport = await amqp.open(amqpDsn('nowhere', {}, proxy.port));
    const error = await rejection(transport.receive(10, 50));
    expect(error).toMatchObject({
      code: 'ROUTEPERF_TRANSPORT_UNREACHABLE',
      message: expect.stringMatching(/^cannot connect to amqp:\/\//),
    });
    // amqplib's "Socket closed abruptly during opening handshake" has no socket code, and gets none.
    expect(codesOf(error)).toEqual(['ROUTEPERF_TRANSPORT_UNREACHABLE', undefined]);
    expect(transport.causeOf(error)).toBe('unreachable');
  });

  it('a send the broker does not confirm in time is unreachable: it is sent again later', async () => {
    const proxy = await FreezingProxy.start();
    defer(() => proxy.close());
    const queue = amqp.queue();
    const transport = await amqp.open(
      amqpDsn(queue, { sendTimeout: '200', connectTimeout: '200' }, proxy.port),
    );
    await transport.setup();
    await transport.send(['before']); // the confirm channel is open: only the confirm is waited for
    proxy.freeze();
    const error = await rejection(transport.send(['late']));
    expect(error).toMatchObject({ code: 'ROUTEPERF_TRANSPORT_UNREACHABLE', errorCause: 'unreachable' });
    expect(codesOf(error)).toEqual(['ROUTEPERF_TRANSPORT_UNREACHABLE']);
  });

  it('a queue that does not exist, met by receive, is a configuration mistake (setup() declares it)', async () => {
    const transport = await amqp.open(amqpDsn(amqp.queue()));
    const error = await rejection(transport.receive(10, 1000));
    expect(error).toMatchObject({ code: 404 });
    expect(transport.causeOf(error)).toBe('config');
  });

  it('a send the broker cannot route is waited out: the next send declares the queue again', async () => {
    const queue = amqp.queue();
    const transport = await amqp.open(amqpDsn(queue));
    await transport.setup();
    await (await amqp.rawChannel()).deleteQueue(queue);
    const error = await rejection(transport.send(['lost']));
    expect(error).toMatchObject({ name: 'UnroutableError' });
    expect(transport.causeOf(error)).toBe('unreachable');
  });

  it('an error of no known kind is a bug', async () => {
    const transport: Transport = await amqp.open(amqpDsn('nowhere'));
    expect(transport.causeOf(new TypeError('undefined is not a function'))).toBe('bug');
    await transport.close();
    expect(transport.causeOf(await rejection(transport.send(['after close'])))).toBe('bug');
  });
});
