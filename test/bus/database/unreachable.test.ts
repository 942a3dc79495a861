import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../support/databases.js';
import { closedPort } from '../../support/reachability.js';
import { useQueues, within } from './helpers.js';

describeEachDatabase(
  (database) => {
    const queues = useQueues(database);

    it('opens while the server is down, and every call then fails within seconds', async () => {
      const url = new URL(database.url());
      url.port = String(await closedPort());
      const transport = await within(1000, queues.open(url));

      await expect(within(6000, transport.send(['lost']))).rejects.toThrow(/ECONNREFUSED/);
      await expect(within(6000, transport.setup())).rejects.toThrow(/ECONNREFUSED/);
      await expect(within(6000, transport.receive(10, 100))).rejects.toThrow(/ECONNREFUSED/);
      await expect(within(6000, transport.stats())).rejects.toThrow(/ECONNREFUSED/);
      await within(6000, transport.close());
    });
  },
  ['postgres', 'mysql'],
);

describeEachDatabase(
  (database) => {
    const queues = useQueues(database);

    it('opens on a file that cannot be created, and every call then fails at once', async () => {
      const transport = await queues.open('sqlite:/dev/null/queue.sqlite');
      await expect(within(1000, transport.send(['lost']))).rejects.toThrow(/dev\/null/);
      await expect(within(1000, transport.receive(10, 100))).rejects.toThrow(/dev\/null/);
      await within(1000, transport.close());
    });
  },
  ['sqlite'],
);
