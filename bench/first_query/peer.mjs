// One peer engine's side of the first-query suite: every query of queries.mjs over the Parquet
// files of DIR, then over the same columns loaded into an in-memory table. Each query runs once
// to warm up (files in the OS cache, plans built), then REPS times. Prints a JSON line per
// query and mode: {engine, mode, query, times, answer}.
// Usage: node peer.mjs duckdb|clickhouse DIR REPS
import { dialects, queries, normalize } from './queries.mjs';

const [engine, dir, repsArg] = process.argv.slice(2);
const reps = Number(repsArg ?? 5);
const d = dialects[engine];
const files = d.files(`${dir.replaceAll("'", "''")}/*.parquet`);

// run(sql) -> rows as objects; load(table): the files into an in-memory table.
async function open() {
  if (engine === 'duckdb') {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    return {
      run: async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJS(),
      load: (table) => conn.run(`CREATE TABLE ${table} AS SELECT * FROM ${files}`),
    };
  }
  const { Session } = await import('chdb');
  const session = new Session();
  const run = (sql) => session.query(sql, 'JSONEachRow').split('\n').filter(Boolean)
    .map((line) => JSON.parse(line));
  return {
    run: async (sql) => run(sql),
    load: async (table) => run(`CREATE TABLE ${table} ENGINE = Memory AS SELECT * FROM ${files}`),
  };
}

const db = await open();
const runAll = async (statements) => {
  const results = [];
  for (const sql of statements) results.push(await db.run(sql));
  return results;
};
for (const [mode, source] of [['parquet', files], ['memory', 'in_memory']]) {
  if (mode === 'memory') await db.load('in_memory');
  for (const q of queries) {
    const statements = q.sql(d, source);
    await runAll(statements);
    const times = [];
    let results;
    for (let i = 0; i < reps; i++) {
      const start = process.hrtime.bigint();
      results = await runAll(statements);
      times.push(Number(process.hrtime.bigint() - start) / 1e9);
    }
    const answer = normalize(q.pairs(results), q.only);
    console.log(JSON.stringify({ engine, mode, query: q.name, times, answer }));
  }
}
