import pg from 'pg';
import { POSTGRES_URL, uniquePrefix, unreachable } from '../support/databases.js';

/** Why PostgreSQL cannot be reached, or undefined when it can: for `describeWithService`. */
export const postgresUnreachable = await unreachable(
  new URL(POSTGRES_URL).hostname,
  Number(new URL(POSTGRES_URL).port),
);

/** The connections each ORM's pool may open: fewer than the 100 concurrent requests of the tests. */
export const POOL_SIZE = 10;

/** A PostgreSQL schema of one test file, with the tables every ORM test uses. */
export interface OrmSchema {
  readonly name: string;
  drop(): Promise<void>;
}

/**
 * Creates a schema of its own with plain pg: `authors`, `books` (each of an author) and `naps`, whose
 * inserts wait `ms` milliseconds in the database (a trigger sleeps), so that a model's insert takes as
 * long as the test asks, as `select pg_sleep(…)` does for raw SQL.
 */
export async function createOrmSchema(): Promise<OrmSchema> {
  const name = uniquePrefix().slice(0, -1);
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`
      create schema ${name};
      create table ${name}.authors (id serial primary key, name text not null);
      create table ${name}.books (
        id serial primary key,
        title text not null,
        author_id integer not null references ${name}.authors (id)
      );
      create table ${name}.naps (id serial primary key, ms integer not null);
      create function ${name}.nap() returns trigger language plpgsql as $$
        begin perform pg_sleep(new.ms / 1000.0); return new; end
      $$;
      create trigger nap before insert on ${name}.naps for each row execute function ${name}.nap();
    `);
  } finally {
    await client.end();
  }
  return {
    name,
    async drop() {
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      try {
        await admin.query(`drop schema if exists ${name} cascade`);
      } finally {
        await admin.end();
      }
    },
  };
}
