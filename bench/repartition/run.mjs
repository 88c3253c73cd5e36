// Runs the repartition benchmark: each input (time-partitioned Parquet and CSV, 20,000,000
// rows) into 20 parts by frocket (its default memory limit, and 256 MB, which spills) and by
// DuckDB (COPY ... PARTITION_BY, unordered and ordered by time), REPS times in turn; wall time
// and peak RSS of each process from GNU time. Checks every run wrote every row, frocket's
// partitioning with --check, its spilled parts byte-identical to the others, and — once —
// that its output holds exactly the input's rows (DuckDB, EXCEPT ALL both ways). Prints a
// table.
// Usage: node run.mjs FROCKET REPS DATA_DIR WORK_DIR
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [frocket, repsText, dataDir, work] = process.argv.slice(2);
const reps = Number(repsText);
const rows = 20_000_000;
const here = new URL('.', import.meta.url).pathname;
const inputs = {
  parquet: { dir: `${dataDir}/export_parquet`, glob: `${dataDir}/export_parquet/*.parquet` },
  csv: { dir: `${dataDir}/export_csv`, glob: `${dataDir}/export_csv/*.csv` },
};

// Runs argv under GNU time; returns {seconds, rssMb, stdout}.
function timed(argv) {
  const out = `${work}/time.txt`;
  const stdout = execFileSync('/usr/bin/time', ['-o', out, '-f', '%e %M', ...argv],
    { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
  const [seconds, kb] = execFileSync('tail', ['-n', '1', out]).toString().trim().split(' ').map(Number);
  return { seconds, rssMb: kb / 1024, stdout };
}

// frocket with its default memory limit, and with 256 MB, under which it spills most rows.
function frocketRun(format, out, extra) {
  const r = timed([frocket, 'repartition', inputs[format].dir, '--format', format, '--out', out,
    '--parts', '20', '--group-id-column', 'user_id', '--timestamp-column', 'ts', '--nopretty', ...extra]);
  const report = JSON.parse(r.stdout);
  if (report.rows !== rows || report.quarantined !== 0) throw new Error(`frocket wrote ${r.stdout}`);
  r.spills = report.spills;
  return r;
}
const engines = {
  frocket: (format, out) => frocketRun(format, out, []),
  'frocket --memory-limit 256MB': (format, out) => {
    const r = frocketRun(format, out, ['--memory-limit', '256MB']);
    if (!(r.spills > 0)) throw new Error('frocket did not spill under --memory-limit 256MB');
    return r;
  },
  'duckdb unordered': (format, out) => duck(format, out, 'unordered'),
  'duckdb ordered by ts': (format, out) => duck(format, out, 'ordered'),
};
function duck(format, out, order) {
  const r = timed(['node', `${here}/duckdb_copy.mjs`, format, inputs[format].glob, out, order]);
  if (Number(r.stdout.trim()) !== rows) throw new Error(`DuckDB wrote ${r.stdout}`);
  return r;
}

const results = {};
for (let rep = 0; rep < reps; rep++) {
  for (const format of Object.keys(inputs)) {
    for (const [engine, run] of Object.entries(engines)) {
      const out = `${work}/${format}-${engine.replace(/[^a-z0-9]+/gi, '_')}`;
      rmSync(out, { recursive: true, force: true });
      const r = run(format, out);
      (results[`${format}|${engine}`] ??= []).push(r);
      console.error(`${format} ${engine}: ${r.seconds} s, ${Math.round(r.rssMb)} MB`);
    }
  }
}

// frocket's output: its partitioning, and exactly the input's rows.
for (const format of Object.keys(inputs)) {
  const out = `${work}/${format}-frocket`;
  const check = JSON.parse(execFileSync(frocket, ['repartition', '--check', out, '--nopretty']).toString());
  if (!check.ok || check.rows !== rows) throw new Error(`--check ${out}: ${JSON.stringify(check)}`);
  // Spilling changes nothing written.
  const spilled = `${work}/${format}-frocket_memory_limit_256MB`;
  for (const name of readdirSync(out).filter((n) => n.endsWith('.parquet'))) {
    if (!readFileSync(`${out}/${name}`).equals(readFileSync(`${spilled}/${name}`))) {
      throw new Error(`${spilled}/${name} differs from ${out}/${name}`);
    }
  }
}
const conn = await (await DuckDBInstance.create(':memory:')).connect();
for (const [a, b] of [[inputs.parquet.glob, `${work}/parquet-frocket/*.parquet`],
                      [`${work}/parquet-frocket/*.parquet`, inputs.parquet.glob]]) {
  const reader = await conn.runAndReadAll(`SELECT count(*)::BIGINT FROM
      (SELECT * FROM read_parquet('${a}') EXCEPT ALL SELECT * FROM read_parquet('${b}'))`);
  const extra = Number(reader.getRows()[0][0]);
  if (extra !== 0) throw new Error(`${extra} rows of ${a} are not in ${b}`);
}
console.error('checked: every run wrote 20,000,000 rows; frocket --check ok; spilled parts = unspilled; frocket output = input (EXCEPT ALL both ways)');

const sorted = (xs) => [...xs].sort((x, y) => x - y);
const fmt = (x, d = 2) => x.toFixed(d);
console.log(`| input | engine | min s | median s | rows/s (at min) | peak RSS MB | DuckDB unordered / engine (min) |`);
console.log(`|---|---|---|---|---|---|---|`);
for (const format of Object.keys(inputs)) {
  const base = sorted(results[`${format}|duckdb unordered`].map((r) => r.seconds))[0];
  for (const engine of Object.keys(engines)) {
    const runs = results[`${format}|${engine}`];
    const s = sorted(runs.map((r) => r.seconds));
    const rss = Math.max(...runs.map((r) => r.rssMb));
    console.log(`| ${format} | ${engine} | ${fmt(s[0])} | ${fmt(s[Math.floor(s.length / 2)])} | ` +
      `${(rows / s[0] / 1e6).toFixed(2)}M | ${Math.round(rss)} | ${fmt(base / s[0])}× |`);
  }
}
