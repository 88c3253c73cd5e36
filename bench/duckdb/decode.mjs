// DuckDB's side of the decode benchmark: the same aggregates frocket's parquet_decode_bench
// computes, over the same file, one thread, repeated. Prints one JSON line per query.
// Usage: node decode.mjs FILE REPETITIONS
import { DuckDBInstance } from '@duckdb/node-api';

const [file, repsArg] = process.argv.slice(2);
const reps = Number(repsArg ?? 10);
const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
const conn = await instance.connect();
const f = `read_parquet('${file.replaceAll("'", "''")}')`;

const queries = {
  all_columns: `SELECT sum(user_id)::VARCHAR, sum(ts)::VARCHAR, max(event_type), max(country),
                       max(browser), sum(length(url))::VARCHAR, count(price), sum(price) FROM ${f}`,
  funnel_columns: `SELECT sum(user_id)::VARCHAR, sum(ts)::VARCHAR, max(event_type) FROM ${f}`,
};

for (const [name, sql] of Object.entries(queries)) {
  await conn.runAndReadAll(sql);  // warm-up: file in the OS cache, plan caches
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
    result: result.getRows()[0].map(v => (v === null ? null : String(v))),
  }));
}
