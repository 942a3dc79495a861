import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

type Row = Model<Record<string, unknown>, Record<string, unknown>>;

export interface OrmModels {
  Author: ModelStatic<Row>;
  Book: ModelStatic<Row>;
  /** Inserting a nap waits `ms` milliseconds in the database. */
  Nap: ModelStatic<Row>;
}

/** Defines the models of support-orms-postgres.ts's tables, in `schema`, on `sequelize`. */
export function defineModels(sequelize: Sequelize, schema: string): OrmModels {
  const options = { schema, timestamps: false };
  const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true };
  const Author = sequelize.define(
    'Author',
    { id, name: { type: DataTypes.TEXT, allowNull: false } },
    { ...options, tableName: 'authors' },
  );
  const Book = sequelize.define(
    'Book',
    { id, title: { type: DataTypes.TEXT, allowNull: false } },
    { ...options, tableName: 'books' },
  );
  Author.hasMany(Book, { foreignKey: 'author_id' });
  Book.belongsTo(Author, { foreignKey: 'author_id' });
  const Nap = sequelize.define(
    'Nap',
    { id, ms: { type: DataTypes.INTEGER, allowNull: false } },
    { ...options, tableName: 'naps' },
  );
  return { Author, Book, Nap };
}
