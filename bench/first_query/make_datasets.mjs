// The DuckDB-written datasets of the first-query suite, from the generated one (SRC, 20 parts):
// the same rows repartitioned by user into 20 parts with DuckDB's defaults (SNAPPY, its row
// groups and encodings), as users' own files look:
//   OUT/duckdb_time    rows in time order;
//   OUT/duckdb_random  rows in a random (fixed) order.
// Each user in exactly one part (hash(user_id) % 20). Skips a dataset already written.
// Usage: node make_datasets.mjs SRC OUT
import { existsSync, mkdirSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [src, out] = process.argv.slice(2);
const parts = 20;
const conn = await (await DuckDBInstance.create(':memory:')).connect();
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
let loaded = false;
for (const [name, order] of [['duckdb_time', 'ts'], ['duckdb_random', 'hash(user_id, ts, url)']]) {
  const dir = `${out}/${name}`;
  if (existsSync(`${dir}/part-${String(parts - 1).padStart(5, '0')}.parquet`)) continue;
  if (!loaded) {
    await conn.run(`CREATE TABLE activity AS SELECT *, hash(user_id) % ${parts} AS part_of
                    FROM read_parquet(${quote(`${src}/*.parquet`)})`);
    loaded = true;
  }
  mkdirSync(dir, { recursive: true });
  for (let p = 0; p < parts; p++) {
    const file = `${dir}/part-${String(p).padStart(5, '0')}.parquet`;
    await conn.run(`COPY (SELECT * EXCLUDE (part_of) FROM activity WHERE part_of = ${p} ORDER BY ${order})
                    TO ${quote(file)} (FORMAT parquet)`);
  }
  console.error(`wrote ${dir}`);
}
