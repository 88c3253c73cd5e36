// DuckDB's side of bench/embedded_funnel.sh: the 3-step funnel as SQL over the Parquet files
// directly (what a first query has to do) and over the same columns loaded into an in-memory
// table (DuckDB's warm path). Default threads (all cores). Prints one JSON line per mode.
// Usage: node funnel.mjs DIR REPETITIONS
import { DuckDBInstance } from '@duckdb/node-api';
import { funnelSql, timeQuery } from './common.mjs';

const [dir, repsArg] = process.argv.slice(2);
const reps = Number(repsArg ?? 5);
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const files = `read_parquet('${dir.replaceAll("'", "''")}/*.parquet')`;

await timeQuery(conn, 'funnel_parquet_files', funnelSql(files), reps);
await conn.run(`CREATE TABLE t_mem AS SELECT user_id, ts, event_type FROM ${files}`);
await timeQuery(conn, 'funnel_in_memory', funnelSql('t_mem'), reps);
