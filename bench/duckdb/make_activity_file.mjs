// Writes the benchmark's user-activity file with DuckDB: 1,000,000 rows, int64 user id,
// int64 millisecond timestamp (rows in time order, users interleaved), low-cardinality
// strings, a high-cardinality URL, doubles with nulls; SNAPPY unless told otherwise.
// Usage: node make_activity_file.mjs OUT.parquet [ROWS] [CODEC]
import { DuckDBInstance } from '@duckdb/node-api';

const [out, rowsArg, codecArg] = process.argv.slice(2);
const rows = Number(rowsArg ?? 1000000);
const codec = codecArg ?? 'snappy';
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
await conn.run(`
  COPY (
    SELECT
      (hash(i // 3) % 40000)::BIGINT + 1000000 AS user_id,
      1704067200000 + i * 7 AS ts,
      (['pageview','pageview','pageview','click','search','addtocart','purchase','campaign_click'])
        [1 + (hash(i * 3) % 8)::INTEGER] AS event_type,
      (['US','GB','DE','FR','IL','JP','BR','IN','CA','AU'])[1 + (hash(i * 5) % 10)::INTEGER] AS country,
      (['chrome','safari','firefox','edge'])[1 + (hash(i * 13) % 4)::INTEGER] AS browser,
      'https://shop.example.com/p/' || (hash(i * 7) % 5000000)::VARCHAR || '?ref=' || (i % 97)::VARCHAR AS url,
      CASE WHEN i % 5 = 0 THEN NULL ELSE (hash(i * 11) % 100000) / 100.0 END AS price
    FROM range(${rows}) t(i)
  ) TO '${out.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION ${codec})`);
const check = await conn.runAndReadAll(
  `SELECT count(*), count(DISTINCT user_id), count(DISTINCT url) FROM read_parquet('${out.replaceAll("'", "''")}')`);
console.error(`wrote ${out}: rows, users, distinct urls =`, check.getRows()[0].map(String).join(', '));
