// The compressed bytes of some columns' chunks in Parquet files, from DuckDB's
// parquet_metadata(): what a reader that fetches only those columns must download at least.
// Usage: node column_bytes.mjs DIR COLUMN...
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, ...columns] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const quoted = (s) => `'${s.replaceAll("'", "''")}'`;
const reader = await conn.runAndReadAll(
    `SELECT sum(total_compressed_size) AS bytes FROM parquet_metadata(${quoted(dir + '/*.parquet')})
     WHERE path_in_schema IN (${columns.map(quoted).join(', ')})`);
console.log(`  ${Number(reader.getRowObjects()[0].bytes)} bytes in column chunks (DuckDB's parquet_metadata)`);
