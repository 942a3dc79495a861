/**
 * Sessions and one-time login tokens, kept in memory: a login token is exchanged once for a session,
 * and a session lets its browser in until it expires. A restart forgets them all, which only means
 * logging in again. Both are bounded, oldest first out, so that no client can grow them without end.
 */
import { randomToken } from './security.js';

/** How long a login token can wait to be used. */
export const LOGIN_TOKEN_LIFETIME_MS = 60 * 60_000;
/** How long a session lasts after its login. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60_000;
const MAX_ENTRIES = 1000;

/** Secrets that expire, at most MAX_ENTRIES, the oldest dropped first. */
class ExpiringSet {
  readonly #expiries = new Map<string, number>();

  add(secret: string, lifetime: number, now = Date.now()): void {
    this.#prune(now);
    if (this.#expiries.size >= MAX_ENTRIES) this.#expiries.delete(this.#expiries.keys().next().value!);
    this.#expiries.set(secret, now + lifetime);
  }

  has(secret: string, now = Date.now()): boolean {
    const expiry = this.#expiries.get(secret);
    return expiry !== undefined && expiry > now;
  }

  /** True when `secret` was there and unexpired; it is gone either way. */
  take(secret: string, now = Date.now()): boolean {
    const valid = this.has(secret, now);
    this.#expiries.delete(secret);
    return valid;
  }

  #prune(now: number): void {
    for (const [secret, expiry] of this.#expiries) if (expiry <= now) this.#expiries.delete(secret);
  }
}

export class Sessions {
  readonly #tokens = new ExpiringSet();
  readonly #sessions = new ExpiringSet();

  /** A new login token, good for one login within `lifetime` ms. */
  createLoginToken(lifetime = LOGIN_TOKEN_LIFETIME_MS): string {
    const token = randomToken();
    this.#tokens.add(token, lifetime);
    return token;
  }

  /**
   * Exchanges a login token for a new session id; undefined when the token is unknown, used or expired.
   * Secrets are looked up by their own value in a Map, not compared one by one: the lookup's time says
   * nothing that helps guess one of 256 random bits.
   */
  login(token: string): string | undefined {
    if (!this.#tokens.take(token)) return undefined;
    const session = randomToken();
    this.#sessions.add(session, SESSION_LIFETIME_MS);
    return session;
  }

  isSession(id: string | undefined): boolean {
    return id !== undefined && this.#sessions.has(id);
  }
}
