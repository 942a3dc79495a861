import { MysqlDialect } from 'kysely';
import type { DialectConnection } from '../dialect.js';
import { importDriver } from '../shared/import-driver.js';
import { sslOption, withoutRouteperfOptions } from './mysql-options.js';

export const mysqlConnection: DialectConnection = {
  async createDialect(url, onConnectionError) {
    const mysql = await importDriver<typeof import('mysql2')>('mysql2', 'A mysql: database');
    const ssl = sslOption(url);
    const pool = mysql.createPool({
      uri: withoutRouteperfOptions(url).replace(/^mariadb:/, 'mysql:'),
      ...(ssl && { ssl }),
      connectTimeout: 5000,
      connectionLimit: 10,
      decimalNumbers: true,
      // mysql2 parses a number of up to 17 characters digit by digit, which rounds those with 16 or 17
      // significant digits to a neighbouring double; JavaScript's parsing of the same text is exact, so a
      // time is read back bit for bit as it was written.
      typeCast(field, next) {
        if (field.type !== 'DOUBLE' && field.type !== 'NEWDECIMAL') return next();
        const text = field.string();
        return text === null ? null : Number(text);
      },
    });
    // mysql2's pool listens for one 'error' of each connection only; a connection the server killed can
    // emit another, which unheard would crash the app. The failed query rejects on its own.
    pool.on('connection', (connection) => connection.on('error', onConnectionError));
    return new MysqlDialect({ pool });
  },
};
