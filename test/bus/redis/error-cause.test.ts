import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisUnreachableError, redisErrorCause } from '../../../src/bus/transports/redis/connection.js';

describe("the Redis transport's reading of its errors", () => {
  it('reads a Redis that cannot be reached as unreachable, with or without a socket error code', () => {
    const refused = new RedisUnreachableError('Redis at 127.0.0.1:1 cannot be reached', 'ECONNREFUSED', null);
    const timedOut = new RedisUnreachableError('Redis at 127.0.0.1:1 cannot be reached', undefined, null);
    expect([refused, timedOut].map(redisErrorCause)).toEqual(['unreachable', 'unreachable']);
  });

  it.each([
    ['OOM command not allowed when used memory > maxmemory.', 'overloaded'],
    ["READONLY You can't write against a read only replica.", 'readOnly'],
    ['LOADING Redis is loading the dataset in memory', 'unreachable'],
    ['MASTERDOWN Link with MASTER is down', 'unreachable'],
    ['BUSY Redis is busy running a script.', 'overloaded'],
    ['ERR wrong number of arguments', 'badMessage'],
  ])('reads the reply %j as %s', (reply, cause) => {
    expect(redisErrorCause(new ReplyError(reply))).toBe(cause);
  });

  it('reads an error it does not know as a bug', () => {
    expect(redisErrorCause(new TypeError('x is not a function'))).toBe('bug');
  });
});
