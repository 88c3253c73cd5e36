// DuckDB's side of the decode benchmark: the same aggregates frocket's parquet_decode_bench
// computes, over the same file, one thread, repeated. Prints one JSON line per query.
// Usage: node decode.mjs FILE REPETITIONS
import { DuckDBInstance } from '@duckdb/node-api';
import { timeQuery } from './common.mjs';

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

for (const [name, sql] of Object.entries(queries)) await timeQuery(conn, name, sql, reps);
