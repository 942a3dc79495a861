import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newMessageId } from '../../src/core/request-id.js';

/** A UUIDv7: 48 bits of time, version 7, variant 10. */
const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const REQUEST_ID_MODULE = fileURLToPath(new URL('../../src/core/request-id.ts', import.meta.url));

const timeOf = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
const processPartOf = (id: string) => id.slice(24);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('message ids', () => {
  it('are UUIDv7-shaped, carry the clock, and sort in the order they were made, without repeating', () => {
    const before = Date.now();
    const ids = Array.from({ length: 100_000 }, newMessageId);
    expect(ids.every((id) => MESSAGE_ID.test(id))).toBe(true);
    expect(timeOf(ids[0]!)).toBeGreaterThanOrEqual(before);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
  });

  it('keep sorting and never repeat when the clock goes back', () => {
    const now = Date.now() + 60_000;
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now);
    const ahead = Array.from({ length: 10 }, newMessageId);
    clock.mockReturnValue(now - 5_000);
    const behind = Array.from({ length: 10 }, newMessageId);
    const ids = [...ahead, ...behind];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
  });

  it('differ between processes, by the random part each draws when it starts', () => {
    const script = `import { newMessageId } from ${JSON.stringify(REQUEST_ID_MODULE)}; console.log(newMessageId());`;
    const idOfAnotherProcess = () =>
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
      }).trim();
    const parts = new Set([
      processPartOf(newMessageId()),
      processPartOf(idOfAnotherProcess()),
      processPartOf(idOfAnotherProcess()),
    ]);
    expect(parts.size).toBe(3);
  });
});
