/** The prototypes `trackBetterSqlite3` replaces methods on. */
export interface BetterSqlite3Prototypes {
  /** Where `exec` is found: a Database, or the Database class's prototype. */
  database: object;
  /** The prototype every prepared statement shares. */
  statement: object;
}

type Candidate = Record<string, unknown>;

/** What a better-sqlite3 Database has, and node:sqlite's or another driver's database has not all of. */
function hasDatabaseMethods(value: unknown): value is Candidate {
  const candidate = value as Candidate | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    ['prepare', 'exec', 'pragma', 'transaction'].every((name) => typeof candidate[name] === 'function')
  );
}

/** Whether `value` is a better-sqlite3 Database, as a library built on it (Drizzle) holds one. */
export function isBetterSqlite3Database(value: unknown): value is Candidate {
  return hasDatabaseMethods(value);
}

type DatabaseClass = (new (filename: string) => Candidate) & { prototype: object };

/** The better-sqlite3 module, as `import Database from 'better-sqlite3'` gives it: the Database class. */
function isDatabaseClass(value: unknown): value is DatabaseClass {
  return typeof value === 'function' && hasDatabaseMethods(value.prototype);
}

/** The statements' prototype is the addon's, reachable only from a statement. */
function statementPrototypeOf(database: Candidate): object {
  const statement = (database.prepare as (sql: string) => object).call(database, 'select 1');
  return Object.getPrototypeOf(statement) as object;
}

/**
 * What `trackBetterSqlite3` reaches from `target`, or undefined when it is neither the better-sqlite3
 * module nor a Database. From the module, or a database closed already, a database in memory is opened
 * (and closed) to reach the statements' prototype.
 */
export function betterSqlite3PrototypesOf(target: unknown): BetterSqlite3Prototypes | undefined {
  const isDatabase = isBetterSqlite3Database(target);
  if (isDatabase && target.open !== false)
    return { database: target, statement: statementPrototypeOf(target) };
  const DatabaseClass = isDatabase
    ? (Object.getPrototypeOf(target) as { constructor: unknown }).constructor
    : target;
  if (!isDatabaseClass(DatabaseClass)) return undefined;
  const probe = new DatabaseClass(':memory:');
  try {
    return { database: DatabaseClass.prototype, statement: statementPrototypeOf(probe) };
  } finally {
    (probe.close as () => void).call(probe);
  }
}
