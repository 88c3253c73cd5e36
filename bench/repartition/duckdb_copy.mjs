// DuckDB's way to partition by user: COPY (SELECT *, hash(user_id) % 20 AS p FROM INPUT) TO OUT
// (FORMAT parquet, PARTITION_BY p), on 2 threads; with ORDER BY ts when asked (the rows of
// each part in time order, as frocket writes them). Prints the rows written.
// Usage: node duckdb_copy.mjs parquet|csv INPUT_GLOB OUT unordered|ordered
import { DuckDBInstance } from '@duckdb/node-api';

const [format, input, out, order] = process.argv.slice(2);
const conn = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const read = format === 'csv' ? `read_csv(${quote(input)}, header = true)` : `read_parquet(${quote(input)})`;
await conn.run(`COPY (SELECT *, hash(user_id) % 20 AS p FROM ${read}
                      ${order === 'ordered' ? 'ORDER BY ts' : ''})
                TO ${quote(out)} (FORMAT parquet, PARTITION_BY p, OVERWRITE_OR_IGNORE)`);
const reader = await conn.runAndReadAll(
  `SELECT count(*)::BIGINT FROM read_parquet(${quote(`${out}/*/*.parquet`)})`);
console.log(String(reader.getRows()[0][0]));
