import type { Kysely, Transaction } from 'kysely';
import type { StoreDialect } from './dialects/index.js';
import type { Database } from './tables.js';

/**
 * A transaction the server could not take now (it lost a race, or ran short of a resource for a moment)
 * runs again at once, this many times in all, before its error goes to the caller.
 */
const OVERLOADED_ATTEMPTS = 5;

/** Runs `work` in a transaction, again after a short pause when the server says it was overloaded. */
export async function transact<T>(
  db: Kysely<Database>,
  dialect: StoreDialect,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (attempt >= OVERLOADED_ATTEMPTS || dialect.classifyError(error) !== 'overloaded') throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10 * attempt));
    }
  }
}
