// What the DuckDB sides of the benchmarks share: the funnel as SQL and the timing loop.

// The 3-step funnel pageview → addtocart → purchase over `source` (a table name or a
// read_parquet(...) call with user_id, ts, event_type): step i's time is the user's earliest
// matching row strictly after step i-1's; per step, the users reaching it and all their rows.
export const funnelSql = (source) => `
  WITH ev AS (SELECT user_id, ts, event_type FROM ${source}),
       s1 AS (SELECT user_id, min(ts) AS t FROM ev WHERE event_type = 'pageview' GROUP BY 1),
       s2 AS (SELECT ev.user_id, min(ev.ts) AS t FROM ev JOIN s1 USING (user_id)
              WHERE ev.event_type = 'addtocart' AND ev.ts > s1.t GROUP BY 1),
       s3 AS (SELECT ev.user_id, min(ev.ts) AS t FROM ev JOIN s2 USING (user_id)
              WHERE ev.event_type = 'purchase' AND ev.ts > s2.t GROUP BY 1),
       r AS (SELECT user_id, count(*) AS n FROM ev GROUP BY 1)
  SELECT (SELECT count(*) FROM s1), (SELECT sum(n) FROM r JOIN s1 USING (user_id)),
         (SELECT count(*) FROM s2), (SELECT sum(n) FROM r JOIN s2 USING (user_id)),
         (SELECT count(*) FROM s3), (SELECT sum(n) FROM r JOIN s3 USING (user_id))`;

// Runs `sql` once to warm up (files in the OS cache, plans built), then `reps` times; prints
// one JSON line with min and median seconds and the last result's first row, flattened.
export async function timeQuery(conn, name, sql, reps,
                                flatten = (row) => row.map(v => (v === null ? null : String(v)))) {
  const { times, result } = await timeSql(conn, sql, reps);
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({
    engine: 'duckdb', query: name, min_s: times[0], median_s: times[Math.floor(times.length / 2)],
    result: flatten(result.getRows()[0]),
  }));
}

// Runs `sql` once to warm up, then `reps` times: each run's seconds, and the last result.
export async function timeSql(conn, sql, reps) {
  await conn.runAndReadAll(sql);
  const times = [];
  let result;
  for (let i = 0; i < reps; i++) {
    const start = process.hrtime.bigint();
    result = await conn.runAndReadAll(sql);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return { times, result };
}
