import { type Compilable, CompiledQuery } from 'kysely';

/** A value of a statement compiled ahead of its values: the `index`-th of the values it is bound to. */
export class Slot {
  constructor(readonly index: number) {}
}

/** `count` Slots numbered from `first`. */
export function slots(count: number, first = 0): Slot[] {
  return Array.from({ length: count }, (_, i) => new Slot(first + i));
}

/**
 * A statement Kysely compiled once, with Slots where its values go, then bound to new values for every run:
 * building and compiling Kysely's operation tree for every value of every batch would cost more than the
 * database's work. Kysely places each Slot among the parameters; the SQL text is never looked into.
 */
export class StatementTemplate {
  readonly sql: string;
  /** Per parameter: the index of the bound value it takes, or the parameter itself, which is no Slot. */
  readonly #sources: readonly (number | { fixed: unknown })[];
  /** True when parameter i is Slot i for every i: the bound values are the parameters as they are. */
  readonly #inOrder: boolean;

  constructor(statement: Compilable) {
    const { sql, parameters } = statement.compile();
    this.sql = sql;
    this.#sources = parameters.map((parameter) =>
      parameter instanceof Slot ? parameter.index : { fixed: parameter },
    );
    this.#inOrder = this.#sources.every((source, i) => source === i);
  }

  /** How many parameters the statement holds: what the dialect's parameter limit is about. */
  get parameterCount(): number {
    return this.#sources.length;
  }

  bind(values: readonly unknown[]): CompiledQuery {
    const parameters = this.#inOrder
      ? values
      : this.#sources.map((source) => (typeof source === 'number' ? values[source] : source.fixed));
    return CompiledQuery.raw(this.sql, parameters as unknown[]);
  }
}

/**
 * Parameters the cached templates of one statement hold together by default: a few as wide as a
 * dialect's parameter limit allows, or hundreds of narrow ones.
 */
const CACHED_PARAMETERS = 250_000;

/**
 * A statement holds a multiple of this many rows (or keys), or fewer than it. A batch's row count varies
 * from one batch to the next; were every count compiled, batches would keep paying for compiling, or
 * the templates would fill memory. With these sizes, a batch takes one statement more than the parameter
 * limit asks for at most, and a few hundred templates at most serve every batch.
 */
const SIZE_STEP = 64;

/** A template and the slice of the items (rows, keys) it takes. */
export interface StatementSlice {
  statement: StatementTemplate;
  start: number;
  end: number;
}

/**
 * One statement for any number of rows (or keys): its templates are compiled on first use and kept while
 * their parameters fit the budget (least recently used out).
 */
export class StatementsBySize {
  readonly #templates = new Map<number, StatementTemplate>();
  readonly #largest: number;
  #cachedParameters = 0;

  /**
   * @param build the statement for `size` rows or keys, its values given as Slots
   * @param maxSize the most rows or keys one statement may take (the dialect's parameter limit)
   * @param budget parameters the cached templates may hold together
   */
  constructor(
    private readonly build: (size: number) => Compilable,
    maxSize: number,
    private readonly budget = CACHED_PARAMETERS,
  ) {
    this.#largest = maxSize >= SIZE_STEP ? maxSize - (maxSize % SIZE_STEP) : Math.max(1, maxSize);
  }

  /** The statements that take `count` items, in order, each with the slice it takes. */
  slices(count: number): StatementSlice[] {
    const slices: StatementSlice[] = [];
    let start = 0;
    const take = (size: number) => {
      slices.push({ statement: this.of(size), start, end: start + size });
      start += size;
    };
    while (count - start >= this.#largest) take(this.#largest);
    const rest = count - start;
    if (rest >= SIZE_STEP) take(rest - (rest % SIZE_STEP));
    if (count > start) take(count - start);
    return slices;
  }

  /** The template for `size` items. */
  of(size: number): StatementTemplate {
    let template = this.#templates.get(size);
    if (template) this.#templates.delete(size);
    else {
      template = new StatementTemplate(this.build(size));
      this.#cachedParameters += template.parameterCount;
      for (const [cachedSize, cached] of this.#templates) {
        if (this.#cachedParameters <= this.budget) break;
        this.#templates.delete(cachedSize);
        this.#cachedParameters -= cached.parameterCount;
      }
    }
    this.#templates.set(size, template);
    return template;
  }
}
