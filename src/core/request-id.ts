import { randomUUID } from 'node:crypto';

const SANE_TOKEN = /^[A-Za-z0-9._:@+=/-]{8,128}$/;

/** The incoming id when it is a sane token (8 to 128 safe characters), else a fresh UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_TOKEN.test(header) ? header : randomUUID();
}

/**
 * A uniform number in [0, 1) derived from the request id (FNV-1a), so that one request is sampled in or
 * out the same way in every process that sees it.
 */
export function sampleKey(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return (hash >>> 0) / 0x1_0000_0000;
}
