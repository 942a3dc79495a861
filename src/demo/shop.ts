import Database from 'better-sqlite3';
import { trackBetterSqlite3 } from '../trackers/better-sqlite3/index.js';

export interface UserOrders {
  user: { id: number; name: string };
  orders: { id: number; total: number; items: { product: string; quantity: number }[] }[];
}

/** Users 1..50 exist; other ids get a 404 from the route. */
export const USER_IDS = Array.from({ length: 50 }, (_, i) => i + 1);

const SCHEMA = `
  create table users (id integer primary key, name text not null);
  create table orders (id integer primary key, user_id integer not null, total real not null);
  create table items (order_id integer not null, product text not null, quantity integer not null);
  create index orders_user on orders (user_id);
  create index items_order on items (order_id);
`;

/**
 * The demo's own data: a small shop in an in-memory SQLite database, apart from routeperf's store. Its
 * queries are counted by the better-sqlite3 tracker, as an app's would be (`routeperf/better-sqlite3`).
 */
export class Shop {
  readonly #db = trackBetterSqlite3(new Database(':memory:'));
  readonly #select;

  constructor() {
    this.#db.exec(SCHEMA);
    this.#seed();
    this.#select = {
      user: this.#db.prepare<[number], UserOrders['user']>('select id, name from users where id = ?'),
      orders: this.#db.prepare<[number], { id: number; total: number }>(
        'select id, total from orders where user_id = ? order by id',
      ),
      items: this.#db.prepare<[number], { product: string; quantity: number }>(
        'select product, quantity from items where order_id = ?',
      ),
    };
  }

  /**
   * One query for the user, one for the orders, then one per order for its items: the N+1 pattern that
   * makes a route query-heavy, here on purpose. Users with more than 5 orders make it an N+1 that the
   * report flags.
   */
  userOrders(userId: number): UserOrders | undefined {
    const user = this.#select.user.get(userId);
    if (!user) return undefined;
    const orders = this.#select.orders.all(userId);
    return {
      user,
      orders: orders.map((order) => ({ ...order, items: this.#select.items.all(order.id) })),
    };
  }

  close(): void {
    this.#db.close();
  }

  #seed() {
    const products = ['keyboard', 'mouse', 'monitor', 'cable', 'lamp', 'chair'];
    const insertUser = this.#db.prepare('insert into users (id, name) values (?, ?)');
    const insertOrder = this.#db.prepare('insert into orders (user_id, total) values (?, ?)');
    const insertItem = this.#db.prepare('insert into items (order_id, product, quantity) values (?, ?, ?)');
    this.#db.transaction(() => {
      for (const id of USER_IDS) {
        insertUser.run(id, `user ${id}`);
        // 2 to 9 orders per user, so the query count varies between requests.
        for (let n = 0; n < 2 + (id % 8); n++) {
          const orderId = Number(insertOrder.run(id, 10 + ((id * 7 + n * 13) % 90)).lastInsertRowid);
          insertItem.run(orderId, products[(id + n) % products.length], 1 + (n % 3));
        }
      }
    })();
  }
}
