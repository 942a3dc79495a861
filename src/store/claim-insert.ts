import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { BulkColumn, BulkInsert } from './bulk-insert.js';
import type { ClaimMethod, StoreDialect } from './dialects/dialect.js';
import { Slot, StatementsBySize, slots } from './statement-template.js';
import type { Database } from './tables.js';

/**
 * An INSERT of many rows that skips those whose key is stored already and tells which keys it added: how
 * deduplicated ingestion claims message ids. A row another transaction is inserting at the same moment
 * makes it wait for that one's commit, then counts as stored already.
 */
export interface ClaimInsert {
  /** Inserts `rows` (`values` gives a row's values in the order of the columns) and returns the keys added. */
  run<Row>(
    trx: Transaction<Database>,
    rows: readonly Row[],
    values: (row: Row) => readonly unknown[],
  ): Promise<Set<string>>;
}

/** Tables whose rows are claimed by a text key. */
export type ClaimTable = 'processed_messages' | 'access_records';

/**
 * The dialect's claiming insert into `table`, keyed by `key`, one of `columns`: INSERT … RETURNING where
 * the server has it, else a claim token (see TokenClaim).
 */
export function claimInsert(
  method: ClaimMethod,
  dialect: StoreDialect,
  db: Kysely<Database>,
  table: ClaimTable,
  columns: readonly BulkColumn[],
  key: string,
): ClaimInsert {
  if (method === 'returning') {
    const insert = dialect.bulkInsert(db, table, columns, (rows) =>
      dialect.insertIgnoringDuplicates(rows, [key]).returning(key as never),
    );
    return new ReturningClaim(insert, key);
  }
  const insert = dialect.bulkInsert(db, table, [...columns, ['claim', 'bigint']], (rows) =>
    dialect.insertIgnoringDuplicates(rows, [key]),
  );
  const keyIndex = columns.findIndex(([name]) => name === key);
  return new TokenClaim(insert, new ClaimedKeysQuery(db, table, key, dialect.maxParameters), keyIndex);
}

class ReturningClaim implements ClaimInsert {
  constructor(
    private readonly insert: BulkInsert,
    private readonly key: string,
  ) {}

  async run<Row>(trx: Transaction<Database>, rows: readonly Row[], values: (row: Row) => readonly unknown[]) {
    const added = new Set<string>();
    for (const row of await this.insert.run<Row, Record<string, string>>(trx, rows, values))
      added.add(row[this.key]!);
    return added;
  }
}

/**
 * For MySQL, which has no INSERT … RETURNING: every row carries a token drawn for this statement, in the
 * `claim` column, and the keys then read back with that token are the ones it added. A row stored
 * before — by an earlier transaction, or by one this statement waited for — keeps that one's token.
 */
class TokenClaim implements ClaimInsert {
  constructor(
    private readonly insert: BulkInsert,
    private readonly claimed: ClaimedKeysQuery,
    private readonly keyIndex: number,
  ) {}

  async run<Row>(trx: Transaction<Database>, rows: readonly Row[], values: (row: Row) => readonly unknown[]) {
    if (rows.length === 0) return new Set<string>();
    // 48 random bits: two statements claiming one key at once with one token is not worth a thought.
    const token = randomBytes(6).readUIntBE(0, 6);
    const keys: unknown[] = [];
    await this.insert.run(trx, rows, (row) => {
      const rowValues = values(row);
      keys.push(rowValues[this.keyIndex]);
      return [...rowValues, token];
    });
    return this.claimed.run(trx, token, keys);
  }
}

/**
 * `SELECT key FROM table WHERE claim = ? AND key IN (?, …)`, compiled once per number of keys asked (see
 * StatementsBySize). The keys are looked up by their unique index; the token needs none.
 */
class ClaimedKeysQuery {
  readonly #statements: StatementsBySize;
  readonly #key: string;

  constructor(db: Kysely<Database>, table: ClaimTable, key: string, maxParameters: number) {
    this.#statements = new StatementsBySize(
      (keys) =>
        db
          .selectFrom(table)
          .select(key as never)
          .where('claim', '=', new Slot(0) as never)
          .where(key as never, 'in', slots(keys, 1) as never),
      maxParameters - 1,
    );
    this.#key = key;
  }

  async run(trx: Transaction<Database>, token: number, keys: readonly unknown[]): Promise<Set<string>> {
    const claimed = new Set<string>();
    for (const { statement, start, end } of this.#statements.slices(keys.length)) {
      const query = statement.bind([token, ...keys.slice(start, end)]);
      for (const row of (await trx.executeQuery<Record<string, string>>(query)).rows)
        claimed.add(row[this.#key]!);
    }
    return claimed;
  }
}
