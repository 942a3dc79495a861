import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { Slot, StatementsBySize, StatementTemplate, slots } from '../../src/store/statement-template.js';
import type { Database } from '../../src/store/tables.js';

// Compiling needs no connection.
const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: {} as never }) });

describe('a statement template', () => {
  it('binds each value where Kysely compiled its Slot, whatever the order', () => {
    const template = new StatementTemplate(
      db
        .selectFrom('routes')
        .select('id')
        .where('route', '=', new Slot(1) as never)
        .where('environment', '=', new Slot(0) as never),
    );
    const query = template.bind(['production', '/users']);
    expect(query.sql).toBe('select "id" from "routes" where "route" = ? and "environment" = ?');
    expect(query.parameters).toEqual(['/users', 'production']);
  });

  it('keeps a parameter of its own that is no Slot', () => {
    const template = new StatementTemplate(
      db
        .insertInto('status_counts')
        .values({
          route_id: new Slot(0),
          bucket: new Slot(1),
          status_code: new Slot(2),
          count: new Slot(3),
        } as never)
        .onConflict((conflict) =>
          conflict.columns(['route_id', 'bucket', 'status_code']).doUpdateSet({ count: 7 }),
        ),
    );
    expect(template.parameterCount).toBe(5);
    expect(template.bind([1, 0, 200, 1]).parameters).toEqual([1, 0, 200, 1, 7]);
  });
});

describe('statements by size', () => {
  /** `select … where id in (?, …)` for `size` ids; `built` lists the sizes compiled. */
  function idLookup(maxSize: number, budget?: number) {
    const built: number[] = [];
    const statements = new StatementsBySize(
      (size) => {
        built.push(size);
        return db
          .selectFrom('routes')
          .select('route')
          .where('id', 'in', slots(size) as never);
      },
      maxSize,
      budget,
    );
    const sizes = (count: number) => statements.slices(count).map(({ start, end }) => [start, end]);
    return { statements, built, sizes };
  }

  it('covers any count with statements of the largest size, then a multiple of 64, then the rest', () => {
    const { sizes } = idLookup(1000);
    expect(sizes(0)).toEqual([]);
    expect(sizes(5)).toEqual([[0, 5]]);
    expect(sizes(64)).toEqual([[0, 64]]);
    expect(sizes(130)).toEqual([
      [0, 128],
      [128, 130],
    ]);
    // 1000 rounds down to 960, a multiple of 64.
    expect(sizes(2000)).toEqual([
      [0, 960],
      [960, 1920],
      [1920, 1984],
      [1984, 2000],
    ]);
    expect(idLookup(10).sizes(25)).toEqual([
      [0, 10],
      [10, 20],
      [20, 25],
    ]);
  });

  it('compiles the statement for each size once', () => {
    const { statements, built } = idLookup(1000);
    for (const count of [3, 1, 3, 3, 1, 70]) {
      for (const { statement, start, end } of statements.slices(count)) {
        expect(statement.bind(slots(end - start).map((slot) => slot.index)).parameters).toHaveLength(
          end - start,
        );
      }
    }
    expect(built).toEqual([3, 1, 64, 6]);
    expect(statements.of(2).sql).toBe('select "route" from "routes" where "id" in (?, ?)');
  });

  it('drops the least recently used templates once their parameters exceed the budget', () => {
    const { statements, built } = idLookup(1000, 5);
    statements.of(2);
    statements.of(3);
    statements.of(2); // now the most recently used: 3 goes first
    statements.of(1); // 6 parameters cached: over the budget
    statements.of(2);
    statements.of(3);
    expect(built).toEqual([2, 3, 1, 3]);
  });
});
