/**
 * Deletes what a benchmark run created on the shared brokers, and nothing else: its own stream, its own
 * queues and exchange. Never a flush.
 */

/** Deletes one Redis stream (its consumer groups go with it). */
export async function deleteRedisStream(url: string, stream: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.del(stream);
  } finally {
    client.disconnect();
  }
}

/** The number of entries of a Redis stream (0 when it does not exist). */
export async function redisStreamLength(url: string, stream: string): Promise<number> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.xlen(stream);
  } finally {
    client.disconnect();
  }
}

/** Deletes the queue the amqp:// transport declared for `queue`, its failure queue and dead-letter exchange. */
export async function deleteAmqpQueue(url: string, queue: string): Promise<void> {
  const { connect } = await import('amqplib');
  const connection = await connect(url);
  connection.on('error', () => {});
  try {
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue);
    await channel.deleteQueue(`${queue}.failed`);
    await channel.deleteExchange(`${queue}.dlx`);
    await channel.close();
  } finally {
    await connection.close();
  }
}
