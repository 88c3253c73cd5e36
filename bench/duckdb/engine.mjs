// DuckDB's side of the engine benchmark: the queries of bench/engine_bench.cc as SQL, over
// the same rows held in an in-memory DuckDB table, one thread, repeated. Prints one JSON line
// per query with the result flattened the way engine_bench flattens frocket's response.
// Usage: node engine.mjs FILE REPETITIONS
import { DuckDBInstance } from '@duckdb/node-api';

const [file, repsArg] = process.argv.slice(2);
const reps = Number(repsArg ?? 20);
const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
const conn = await instance.connect();
await conn.run(`CREATE TABLE t AS SELECT user_id, ts, event_type, country, browser, price
                FROM read_parquet('${file.replaceAll("'", "''")}')`);

// Each step t_i = earliest row matching step i strictly after t_{i-1}, per user.
const funnelSql = `
  WITH s1 AS (SELECT user_id, min(ts) AS t FROM t WHERE event_type = 'pageview' GROUP BY 1),
       s2 AS (SELECT t.user_id, min(t.ts) AS t FROM t JOIN s1 USING (user_id)
              WHERE t.event_type = 'addtocart' AND t.ts > s1.t GROUP BY 1),
       s3 AS (SELECT t.user_id, min(t.ts) AS t FROM t JOIN s2 USING (user_id)
              WHERE t.event_type = 'purchase' AND t.ts > s2.t GROUP BY 1),
       r AS (SELECT user_id, count(*) AS n FROM t GROUP BY 1)
  SELECT (SELECT count(*) FROM s1), (SELECT sum(n) FROM r JOIN s1 USING (user_id)),
         (SELECT count(*) FROM s2), (SELECT sum(n) FROM r JOIN s2 USING (user_id)),
         (SELECT count(*) FROM s3), (SELECT sum(n) FROM r JOIN s3 USING (user_id))`;

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

function flatten(name, row) {
  if (name === 'funnel_3_steps') return row.map(String);
  const out = [String(row[0]), String(row[1])];
  for (let i = 2; i < row.length; i += 2) {
    const keys = row[i].items, values = row[i + 1].items;
    keys.forEach((k, j) => out.push(String(k), String(values[j])));
  }
  return out;
}

for (const [name, sql] of [['funnel_3_steps', funnelSql],
                           ['conditions_3_with_aggregations', conditionsSql]]) {
  await conn.runAndReadAll(sql);
  const times = [];
  let result;
  for (let i = 0; i < reps; i++) {
    const start = process.hrtime.bigint();
    result = await conn.runAndReadAll(sql);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({
    engine: 'duckdb', query: name, min_s: times[0], median_s: times[Math.floor(times.length / 2)],
    result: flatten(name, result.getRows()[0]),
  }));
}
