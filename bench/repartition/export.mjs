// The inputs of the repartition benchmark, from the generated dataset (SRC, partitioned by
// user): the same rows as users' exports look — partitioned by time, 20 files of consecutive
// time ranges, rows in time order — once as Parquet (DuckDB's defaults) and once as CSV with a
// header. Skips what is already written.
// Usage: node export.mjs SRC OUT   (writes OUT/export_parquet, OUT/export_csv)
import { existsSync, mkdirSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [src, out] = process.argv.slice(2);
const files = 20;
const conn = await (await DuckDBInstance.create(':memory:')).connect();
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const name = (i, ext) => `slice-${String(i).padStart(2, '0')}.${ext}`;
let loaded = false;
for (const [dir, ext, options] of [['export_parquet', 'parquet', 'FORMAT parquet'],
                                   ['export_csv', 'csv', 'FORMAT csv, HEADER true']]) {
  const target = `${out}/${dir}`;
  if (existsSync(`${target}/${name(files - 1, ext)}`)) continue;
  if (!loaded) {
    await conn.run(`CREATE TABLE activity AS SELECT * FROM read_parquet(${quote(`${src}/*.parquet`)})`);
    await conn.run(`CREATE TABLE bounds AS SELECT min(ts) AS lo, max(ts) + 1 AS hi FROM activity`);
    loaded = true;
  }
  mkdirSync(target, { recursive: true });
  for (let i = 0; i < files; i++) {
    await conn.run(`COPY (SELECT a.* FROM activity a, bounds b
                          WHERE a.ts >= b.lo + (b.hi - b.lo) * ${i} // ${files}
                            AND a.ts < b.lo + (b.hi - b.lo) * ${i + 1} // ${files}
                          ORDER BY a.ts)
                    TO ${quote(`${target}/${name(i, ext)}`)} (${options})`);
  }
  console.error(`wrote ${target}`);
}
