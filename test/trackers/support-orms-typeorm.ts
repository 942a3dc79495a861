import { EntitySchema } from 'typeorm';

export interface Author {
  id: number;
  name: string;
  books?: Book[];
}

export interface Book {
  id: number;
  title: string;
  author?: Author;
}

export interface Nap {
  id: number;
  ms: number;
}

/** The entities of support-orms-postgres.ts's tables, as EntitySchemas: no decorators needed. */
export const AuthorEntity = new EntitySchema<Author>({
  name: 'Author',
  tableName: 'authors',
  columns: { id: { type: Number, primary: true, generated: true }, name: { type: String } },
  relations: { books: { type: 'one-to-many', target: 'Book', inverseSide: 'author' } },
});

export const BookEntity = new EntitySchema<Book>({
  name: 'Book',
  tableName: 'books',
  columns: { id: { type: Number, primary: true, generated: true }, title: { type: String } },
  relations: { author: { type: 'many-to-one', target: 'Author', joinColumn: { name: 'author_id' } } },
});

/** Inserting a nap waits `ms` milliseconds in the database. */
export const NapEntity = new EntitySchema<Nap>({
  name: 'Nap',
  tableName: 'naps',
  columns: { id: { type: Number, primary: true, generated: true }, ms: { type: Number } },
});

export const ENTITIES = [AuthorEntity, BookEntity, NapEntity];
