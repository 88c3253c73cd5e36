// DuckDB's side of the engine benchmark: the queries of bench/engine_bench.cc as SQL, over
// the same rows held in an in-memory DuckDB table, one thread, repeated. Prints one JSON line
// per query with the result flattened the way engine_bench flattens frocket's response.
// Usage: node engine.mjs FILE REPETITIONS
import { DuckDBInstance } from '@duckdb/node-api';
import { funnelSql, timeQuery } from './common.mjs';

const [file, repsArg] = process.argv.slice(2);
const reps = Number(repsArg ?? 20);
const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
const conn = await instance.connect();
await conn.run(`CREATE TABLE t AS SELECT user_id, ts, event_type, country, browser, price
                FROM read_parquet('${file.replaceAll("'", "''")}')`);

// conditions: $0 purchases >= 2, $1 an addtocart row with price > 500, $2 a row from US;
// relation $0 and ($1 or $2); aggregations over all rows of the matching users.
const conditionsSql = `
  WITH g AS (
         SELECT user_id FROM t GROUP BY user_id
         HAVING count(*) FILTER (WHERE event_type = 'purchase') >= 2
            AND (count(*) FILTER (WHERE event_type = 'addtocart' AND price > 500) >= 1
                 OR count(*) FILTER (WHERE country = 'US') >= 1)),
       m AS (SELECT t.* FROM t JOIN g USING (user_id)),
       cpv AS (SELECT event_type AS k, count(*) AS v FROM m WHERE event_type IS NOT NULL
               GROUP BY 1 ORDER BY v DESC, k ASC LIMIT 10),
       gpv AS (SELECT country AS k, count(DISTINCT user_id) AS v FROM m WHERE country IS NOT NULL
               GROUP BY 1 ORDER BY v DESC, k ASC LIMIT 10),
       spv AS (SELECT browser AS k, coalesce(sum(price), 0) AS v FROM m WHERE browser IS NOT NULL
               GROUP BY 1 ORDER BY v DESC, k ASC LIMIT 10)
  SELECT (SELECT count(*) FROM g), (SELECT count(*) FROM m),
         (SELECT list(k ORDER BY v DESC, k) FROM cpv), (SELECT list(v ORDER BY v DESC, k) FROM cpv),
         (SELECT list(k ORDER BY v DESC, k) FROM gpv), (SELECT list(v ORDER BY v DESC, k) FROM gpv),
         (SELECT list(k ORDER BY v DESC, k) FROM spv), (SELECT list(v ORDER BY v DESC, k) FROM spv)`;

// The counts, then each aggregation's (key, value) pairs in order.
function flattenLists(row) {
  const out = [String(row[0]), String(row[1])];
  for (let i = 2; i < row.length; i += 2) {
    const keys = row[i].items, values = row[i + 1].items;
    keys.forEach((k, j) => out.push(String(k), String(values[j])));
  }
  return out;
}

await timeQuery(conn, 'funnel_3_steps', funnelSql('t'), reps);
await timeQuery(conn, 'conditions_3_with_aggregations', conditionsSql, reps, flattenLists);
