import { POSTGRES_URL, unreachable } from '../support/databases.js';

const server = new URL(POSTGRES_URL);

/** Why the PostgreSQL of the tests cannot be reached, or undefined when it can. */
export const postgresUnreachable = await unreachable(server.hostname, Number(server.port || 5432));
