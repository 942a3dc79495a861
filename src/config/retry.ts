/** Messenger's retry strategy: how often and after how long a failing message is tried again. */
export interface RetryOptions {
  /** Tries after the first one; then the message goes to the failure store. Default 3. */
  maxRetries: number;
  /** Milliseconds before the first retry. Default 1000. */
  delay: number;
  /** Each retry waits this many times longer than the one before. Default 2. */
  multiplier: number;
  /** Longest wait in ms; 0 for no bound. Default 0. */
  maxDelay: number;
  /** Random spread of each wait, as a share of it (0.1 = ±10 %). Default 0.1. */
  jitter: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxRetries: 3,
  delay: 1000,
  multiplier: 2,
  maxDelay: 0,
  jitter: 0.1,
};
