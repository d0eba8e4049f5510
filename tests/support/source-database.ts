import pg from "pg";
import { adminQuery } from "./databases";
import { postgresUrl, uniqueSuffix } from "./services";

/** A throwaway PostgreSQL database to back up and restore; `url` carries a password trust auth ignores. */
export interface SourceDatabase {
  name: string;
  /** postgres://postgres:<password>@host/name: the password is there so tests can look for leaks. */
  url: string;
  password: string;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string): Promise<R[]>;
  /** Row count and an md5 of every row of every table, for comparing before and after. */
  fingerprint(): Promise<Record<string, { rows: number; md5: string }>>;
  drop(): Promise<void>;
}

export async function createSourceDatabase(prefix = "cloudops_bk"): Promise<SourceDatabase> {
  if (!postgresUrl) throw new Error("DATABASE_URL does not name a PostgreSQL server");
  const name = `${prefix}_${uniqueSuffix()}`.toLowerCase();
  await adminQuery(`create database "${name}"`);
  const password = `pw-${uniqueSuffix()}-secret`;
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  url.password = password;
  const client = new pg.Client({ connectionString: url.toString() });
  client.on("error", () => undefined);
  await client.connect();
  const query = async <R extends pg.QueryResultRow>(text: string) => (await client.query<R>(text)).rows;
  return {
    name,
    url: url.toString(),
    password,
    query,
    async fingerprint() {
      const tables = await query<{ t: string }>(
        "select quote_ident(schemaname) || '.' || quote_ident(tablename) as t from pg_tables where schemaname = 'public' order by 1",
      );
      const out: Record<string, { rows: number; md5: string }> = {};
      for (const { t } of tables) {
        const [row] = await query<{ n: string; md5: string | null }>(
          `select count(*) as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as md5 from ${t} x`,
        );
        out[t] = { rows: Number(row?.n ?? 0), md5: row?.md5 ?? "" };
      }
      return out;
    },
    async drop() {
      await client.end().catch(() => undefined);
      await adminQuery(`drop database if exists "${name}" with (force)`);
    },
  };
}

/** Tables, 10,000 rows, an index and a view: what the round trip must bring back. */
export async function fillShop(db: SourceDatabase): Promise<void> {
  await db.query(`
    create table customers (id int primary key, name text not null, email text not null);
    create table orders (id int primary key, customer_id int not null references customers(id),
                         amount numeric(10,2) not null, placed_at timestamptz not null);
    create table notes (id int primary key, body text);
    insert into customers select i, 'customer ' || i, 'c' || i || '@example.com' from generate_series(1, 2000) i;
    insert into orders select i, 1 + (i % 2000), (i % 997) * 1.25, timestamptz '2026-01-01' + i * interval '1 minute'
      from generate_series(1, 7000) i;
    insert into notes select i, repeat('note ', i % 20) from generate_series(1, 1000) i;
    create index orders_customer_idx on orders (customer_id);
    create view customer_totals as
      select c.id, c.name, sum(o.amount) as total from customers c join orders o on o.customer_id = c.id group by c.id, c.name;
  `);
}
