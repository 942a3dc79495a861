import { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { PostgresListener } from '../../../src/bus/transports/database/postgres-listener.js';
import { dialectFor } from '../../../src/store/dialects/index.js';
import { describeEachDatabase } from '../../support/databases.js';
import { until } from '../../support/wait.js';
import { bodies, channelOf, drain, listening, useQueues, within, withPostgres } from './helpers.js';

describeEachDatabase(
  (database) => {
    const queues = useQueues(database);

    it('consumers claiming at the same time take disjoint sets of messages, together all of them', async () => {
      const at = queues.place();
      const sent = Array.from({ length: 2000 }, (_, i) => `message ${i}`);
      await (await queues.queue(at)).send(sent);
      const consumers = await Promise.all([1, 2, 3, 4].map(() => queues.queue(at)));

      const taken = await Promise.all(
        consumers.map(async (consumer) => (await drain(consumer, 25)).flatMap(bodies)),
      );

      const all = taken.flat();
      expect(new Set(all).size).toBe(all.length); // no message went to two consumers
      expect(all.sort()).toEqual([...sent].sort());
      expect(taken.map((set) => set.length > 0)).toEqual([true, true, true, true]);
    });

    it('a claim passes over rows another transaction holds locked instead of waiting for them', async () => {
      const at = queues.place();
      const consumer = await queues.queue(at);
      await consumer.send(['a', 'b', 'c', 'd']);
      const dialect = await dialectFor(at.url).createDialect(at.url, () => {});
      const other = new Kysely<any>({ dialect });
      try {
        const table = `${at.prefix}messages`;
        const rows = await other.selectFrom(table).select('id').where('body', 'in', ['a', 'c']).execute();
        await other.transaction().execute(async (trx) => {
          // One primary key at a time: InnoDB locks every row a scan reads, and on a table this small
          // it scans for `body = …` or `id in (…)`.
          for (const { id } of rows)
            await trx.selectFrom(table).select('id').where('id', '=', id).forUpdate().execute();
          expect(bodies(await within(5000, consumer.receive(10, 0)))).toEqual(['b', 'd']);
        });
      } finally {
        await other.destroy();
      }
      expect(bodies(await consumer.receive(10, 0))).toEqual(['a', 'c']);
    });
  },
  ['postgres', 'mysql'],
);

describeEachDatabase(
  (database) => {
    const queues = useQueues(database);

    it('wakes a waiting consumer with NOTIFY, long before its next poll', async () => {
      const at = queues.place();
      const consumer = await queues.queue(at, { pollInterval: '60000' });
      const producer = await queues.queue(at);
      const waiting = consumer.receive(10, 30_000); // the consumer listens from its first receive on
      await listening(at);
      await producer.send(['wake up']);
      expect(bodies(await within(5000, waiting))).toEqual(['wake up']);
      expect(queues.backgroundErrors).toEqual([]);
    });

    it('wakes only the consumers of the queue that was sent to', async () => {
      const at = queues.place();
      let wakeups = 0;
      const orders = new PostgresListener(
        at.url,
        channelOf(at),
        'orders',
        () => {
          wakeups += 1;
        },
        (error) => queues.backgroundErrors.push(error),
      );
      try {
        orders.listen();
        await listening(at);
        // One transaction: its notifications reach the listener together and in order, the one for orders
        // last, so when orders is woken every other queue's notification has been seen.
        await withPostgres(at.url, async (client) => {
          await client.query('begin');
          for (const queue of ['emails', 'invoices', 'orders'])
            await client.query('select pg_notify($1, $2)', [channelOf(at), queue]);
          await client.query('commit');
        });
        await until(() => wakeups > 0, { what: 'the wake-up of orders' });
        expect(wakeups).toBe(1);
      } finally {
        await orders.close();
      }
      expect(queues.backgroundErrors).toEqual([]);
    });
  },
  ['postgres'],
);
