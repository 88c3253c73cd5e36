// `frocket repartition`, checked by DuckDB.
//
//   node tests/e2e/repartition_duckdb_test.mjs <path-to-frocket-binary>
//
// DuckDB builds a deterministic activity dataset (40,000 rows, 2,000 users, six days; user_id
// and ts in ms BIGINT, event VARCHAR, price DOUBLE with NULLs, is_mobile BOOLEAN with NULLs,
// note VARCHAR with commas, double quotes, newlines, non-ASCII text, empty strings and NULLs;
// timestamp ties within a user and across users) and writes it time-partitioned, one file per
// day in time order, as Parquet, CSV (header) and JSON Lines. Then:
//   1. each of the three is repartitioned into 4 parts: exit 0; the report's records = rows +
//      quarantined = the input's rows, none quarantined; `--check` says ok; DuckDB reads
//      exactly the input's rows (EXCEPT ALL both ways, counts) with the same column types;
//      _report.json's per-part rows are DuckDB's; every user is in exactly one part; each part
//      is in ts order (file_row_number);
//   2. the three outputs are byte-identical part by part;
//   3. a CSV and a JSON Lines input with known bad records after 10,500 good ones (so that the
//      type sample is all good), among good records, blank lines and CRLF line ends: the
//      quarantine counts per input and reason category (by hand), records = rows +
//      quarantined, every quarantined record's source, line number, reason and raw bytes, the
//      output is exactly the good rows (DuckDB); --max-bad-rows 2 fails naming the limit and
//      leaves neither the output nor a temporary directory; --max-bad-rows 50% succeeds;
//   4. the Parquet input under --memory-limit 1MB --threads 1 spills (two threads would not:
//      each thread holds at least 1 MB) and gives the unlimited run's parts byte for byte;
//   5. four CSV files of 2,000,000 rows in all (quoted fields with newlines across the
//      reader's 8 MB chunks), --threads 2 --memory-limit 16MB: a run SIGKILLed once it has
//      spilled leaves no output directory; the next run to the same --out succeeds, removes
//      the dead run's temporary directory, and DuckDB reads exactly the input rows; a run
//      killed while replacing that dataset leaves it as it was; an unlimited run gives the
//      spilling run's parts byte for byte;
//   6. days 0-3 (A) then --append of a few users' days 4-5 (B) gives the parts of a full run
//      (both written with snappy and small row groups, which the append keeps unasked)
//      over A+B byte for byte, parts B does not reach keep their inode (the others are
//      rewritten); both directories registered answer a 3-step funnel identically, and
//      --empty counts DuckDB's users and rows;
//   7. re-running a full repartition over its own output is idempotent (same bytes); an --out
//      that is a non-empty directory repartition did not write is refused and left untouched.
// Expected values come from DuckDB or from hand computation, never from frocket's output.
// Prints one line per check and "N passed, M failed"; exits 1 on any failure. KEEP=1 keeps
// the temporary directory (its path is printed).
import { DuckDBInstance } from '@duckdb/node-api';
import { execFile, spawn } from 'node:child_process';
import {
  appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

import { checks } from './checks.mjs';

const binary = resolve(process.argv[2] ?? '');
if (!process.argv[2] || !existsSync(binary) || !statSync(binary).isFile()) {
  console.error(`usage: node repartition_duckdb_test.mjs <path-to-frocket-binary> (got ${process.argv[2]})`);
  process.exit(2);
}

const ROWS = 40_000;
const USERS = 2_000;
const DAYS = 6;
const PARTS = 4;
const T0 = 1767225600000; // 2026-01-01T00:00:00Z in ms
const DAY_MS = 86_400_000;
const GOOD = 10_500; // good rows before the bad ones: more than the 10,000 sampled records
const BIG_ROWS = 2_000_000;
const COLUMNS = 'user_id, ts, event, price, is_mobile, note';
const KEYS = ['--group-id-column', 'user_id', '--timestamp-column', 'ts'];

const { check, finish } = checks();
const show = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x));
const clip = (s, n = 400) => (s.length > n ? s.slice(0, n) + '…' : s);
const sqlString = (s) => `'${String(s).replace(/'/g, "''")}'`;
const timings = [];

// ------------------------------------------------------------------------------------------
// Running frocket with a clean FROCKET_* environment and a temporary FROCKET_HOME
// ------------------------------------------------------------------------------------------

function frocketEnv(home) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FROCKET_')) env[k] = v;
  env.FROCKET_HOME = home;
  return env;
}

let home;
function cli(args, label) {
  return new Promise((done) => {
    const start = Date.now();
    execFile(binary, args, { env: frocketEnv(home), maxBuffer: 256 << 20, timeout: 120_000 },
      (error, stdout, stderr) => {
        const ms = Date.now() - start;
        if (label) timings.push(`${label} ${ms} ms`);
        let json = null;
        try { json = JSON.parse(stdout); } catch { /* not JSON */ }
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({ code, signal: error?.signal ?? null, stdout, stderr, json, ms });
      });
  });
}
const describeRun = (r) => `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}, ` +
  `stdout=${show(clip(r.stdout))} stderr=${show(clip(r.stderr))}`;

// ------------------------------------------------------------------------------------------
// Files
// ------------------------------------------------------------------------------------------

const partName = (p) => `part-${String(p).padStart(5, '0')}.parquet`;
const PART_NAMES = Array.from({ length: PARTS }, (_, p) => partName(p));
const partFiles = (dir) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.parquet')).sort() : []);
// Temporary directories of repartition beside `out` (.NAME.frocket-tmp-PID).
const tempsBeside = (out) => readdirSync(dirname(out)).filter((n) => n.startsWith(`.${basename(out)}.frocket-tmp-`));
function readParts(dir) {
  const m = new Map();
  for (const n of partFiles(dir)) m.set(n, readFileSync(join(dir, n)));
  return m;
}
// Differences between two directories' part files (names and bytes).
function partDiffs(a, b, what) {
  const pa = a instanceof Map ? a : readParts(a);
  const pb = b instanceof Map ? b : readParts(b);
  const d = [];
  const na = [...pa.keys()];
  const nb = [...pb.keys()];
  if (show(na) !== show(PART_NAMES)) d.push(`${what[0]}: parts ${show(na)}, expected ${show(PART_NAMES)}`);
  if (show(nb) !== show(PART_NAMES)) d.push(`${what[1]}: parts ${show(nb)}, expected ${show(PART_NAMES)}`);
  for (const n of PART_NAMES) {
    const x = pa.get(n);
    const y = pb.get(n);
    if (!x || !y) continue;
    if (!x.equals(y)) {
      let at = 0;
      while (at < Math.min(x.length, y.length) && x[at] === y[at]) at++;
      d.push(`${n}: ${what[0]} ${x.length} bytes, ${what[1]} ${y.length} bytes, first difference at byte ${at}`);
    }
  }
  return d;
}

const readJsonl = (path) => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));

// ------------------------------------------------------------------------------------------
// DuckDB
// ------------------------------------------------------------------------------------------

let conn;
async function rows(sql) {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowsJS();
}
async function one(sql) {
  const [[v]] = await rows(sql);
  return typeof v === 'bigint' ? Number(v) : v;
}
const partsOf = (dir) => `read_parquet(${sqlString(join(dir, '*.parquet'))}, filename = true, file_row_number = true)`;

// The checks every repartitioned directory of `expected` (a DuckDB query of its rows) gets.
async function checkOutput(label, dir, expected, expectedTypes) {
  const src = partsOf(dir);
  const n = await one(`SELECT count(*) FROM (${expected})`);
  const got = await one(`SELECT count(*) FROM ${src}`);
  const missing = await one(`SELECT count(*) FROM (${expected} EXCEPT ALL SELECT ${COLUMNS} FROM ${src})`);
  const extra = await one(`SELECT count(*) FROM (SELECT ${COLUMNS} FROM ${src} EXCEPT ALL ${expected})`);
  let example = '';
  if (missing || extra) {
    example = show(await rows(`(${expected} EXCEPT ALL SELECT ${COLUMNS} FROM ${src}) LIMIT 2`)) + ' / ' +
      show(await rows(`(SELECT ${COLUMNS} FROM ${src} EXCEPT ALL ${expected}) LIMIT 2`));
  }
  check(`${label}: DuckDB reads exactly the input rows`, n === got && missing === 0 && extra === 0,
    `expected ${n} rows, read ${got}; ${missing} input rows missing, ${extra} rows not in the input; e.g. ${example}`);

  const types = (await rows(`DESCRIBE SELECT * EXCLUDE (filename, file_row_number) FROM ${src}`)).map(([c, t]) => `${c} ${t}`);
  check(`${label}: same columns and types as the input`, show(types) === show(expectedTypes),
    `expected ${show(expectedTypes)}, got ${show(types)}`);

  const shared = await one(`SELECT count(*) FROM (SELECT user_id FROM ${src} GROUP BY user_id HAVING count(DISTINCT filename) > 1)`);
  const users = await one(`SELECT count(DISTINCT user_id) FROM ${src}`);
  const expUsers = await one(`SELECT count(DISTINCT user_id) FROM (${expected})`);
  check(`${label}: every user in exactly one part`, shared === 0 && users === expUsers,
    `${shared} users in more than one part; ${users} users, expected ${expUsers}`);

  const back = await one(`SELECT count(*) FROM (SELECT ts, lag(ts) OVER (PARTITION BY filename ORDER BY file_row_number) AS p
                          FROM ${src}) WHERE ts < p`);
  check(`${label}: each part in ts order`, back === 0, `${back} rows have a smaller ts than the row before them`);

  const perFile = Object.fromEntries((await rows(`SELECT parse_filename(filename), count(*) FROM ${src} GROUP BY ALL`))
    .map(([f, c]) => [f, Number(c)]));
  let report = null;
  try { report = JSON.parse(readFileSync(join(dir, '_report.json'), 'utf8')); } catch { /* missing */ }
  const reported = Object.fromEntries((report?.parts ?? []).map((p) => [p.file, p.rows]));
  const sorted = (o) => show(Object.keys(o).sort().map((k) => [k, o[k]]));
  check(`${label}: _report.json's rows per part are DuckDB's`, sorted(perFile) === sorted(reported) && report?.rows === got,
    `DuckDB ${sorted(perFile)}, report ${sorted(reported)} (rows ${report?.rows})`);
}

// ------------------------------------------------------------------------------------------
// Main
// ------------------------------------------------------------------------------------------

const t0 = Date.now();
const root = mkdtempSync(join(tmpdir(), 'frocket-repartition-'));
home = join(root, 'home');
mkdirSync(home);
let instance;
try {
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  conn = await instance.connect();
  await conn.run('SET preserve_insertion_order = true');

  // ---- the dataset ----------------------------------------------------------------------
  // user_id: 20 rows per user (row i's user is i's residue mod 2,000). ts: spread over six
  // days; every 97th row of the even blocks of 2,000 rows takes the ts of the row before it
  // (another user's: a tie across users), every 25th row of the odd blocks the ts of the row
  // 2,000 before it (the same user's: a tie within a user).
  await conn.run(`CREATE TABLE ev AS
    WITH b AS (SELECT range AS i,
                 ${T0} + ((CASE WHEN range % 97 = 0 AND (range // 2000) % 2 = 0 AND range > 0 THEN range - 1
                                ELSE range END) * 2654435761) % ${DAYS * DAY_MS} AS ts1
               FROM range(${ROWS})),
    r AS (SELECT i, CASE WHEN (i // 2000) % 2 = 1 AND i % 25 = 0 THEN lag(ts1, 2000) OVER (ORDER BY i)
                         ELSE ts1 END AS ts
          FROM b)
    SELECT i AS rid,
      1 + (i * 7919) % ${USERS} AS user_id,
      ts,
      CASE WHEN (i * 13 + i // 7) % 10 < 5 THEN 'view' WHEN (i * 13 + i // 7) % 10 < 7 THEN 'add'
           WHEN (i * 13 + i // 7) % 10 = 7 THEN 'buy' WHEN (i * 13 + i // 7) % 10 = 8 THEN 'search'
           ELSE 'click' END AS event,
      CASE WHEN i % 5 = 2 THEN NULL ELSE ((i * 37) % 10000 + 1) / 100 END::DOUBLE AS price,
      CASE WHEN i % 11 = 3 THEN NULL ELSE i % 3 = 0 END AS is_mobile,
      CASE i % 10
        WHEN 0 THEN NULL
        WHEN 1 THEN 'plain ' || i
        WHEN 2 THEN 'comma, here ' || i
        WHEN 3 THEN 'say "hi", ' || i
        WHEN 4 THEN 'line one' || chr(10) || 'line two ' || i
        WHEN 5 THEN 'ünïcödé 日本語 🚀 ' || i
        WHEN 6 THEN ''
        WHEN 7 THEN '"quoted" start, é' || chr(10) || i
        WHEN 8 THEN NULL
        ELSE ' padded ' || repeat('abc ', i % 40) || i || ' '
      END AS note
    FROM r`);
  await conn.run(`ALTER TABLE ev ADD COLUMN day BIGINT`);
  await conn.run(`UPDATE ev SET day = (ts - ${T0}) // ${DAY_MS}`);
  const expectedTypes = (await rows(`DESCRIBE SELECT ${COLUMNS} FROM ev`)).map(([c, t]) => `${c} ${t}`);
  const [[nRows, nUsers, nDays, withinTies, acrossTies, nullPrice, nullNote]] = await rows(`SELECT count(*),
      count(DISTINCT user_id), count(DISTINCT day),
      (SELECT count(*) FROM (SELECT user_id, ts FROM ev GROUP BY ALL HAVING count(*) > 1)),
      (SELECT count(*) FROM (SELECT ts FROM ev GROUP BY ALL HAVING count(DISTINCT user_id) > 1)),
      count(*) - count(price), count(*) - count(note) FROM ev`);
  console.log(`dataset: ${nRows} rows, ${nUsers} users, ${nDays} days, ${withinTies} ts shared within a user, ` +
    `${acrossTies} across users, ${nullPrice} NULL prices, ${nullNote} NULL notes`);

  const dirs = { parquet: join(root, 'in-parquet'), csv: join(root, 'in-csv'), jsonl: join(root, 'in-jsonl') };
  for (const d of Object.values(dirs)) mkdirSync(d);
  for (let day = 0; day < DAYS; day++) {
    const q = `SELECT ${COLUMNS} FROM ev WHERE day = ${day} ORDER BY ts, rid`;
    await conn.run(`COPY (${q}) TO ${sqlString(join(dirs.parquet, `day-${day}.parquet`))} (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    await conn.run(`COPY (${q}) TO ${sqlString(join(dirs.csv, `day-${day}.csv`))} (FORMAT csv, HEADER)`);
    await conn.run(`COPY (${q}) TO ${sqlString(join(dirs.jsonl, `day-${day}.jsonl`))} (FORMAT json)`);
  }
  const allRows = `SELECT ${COLUMNS} FROM ev`;

  // ---- 1. each format repartitioned into 4 parts -------------------------------------------
  const outs = {};
  for (const format of ['parquet', 'csv', 'jsonl']) {
    const out = join(root, `out-${format}`);
    outs[format] = out;
    const r = await cli(['repartition', dirs[format], '--out', out, '--parts', String(PARTS), ...KEYS, '--nopretty'],
      `repartition ${format}`);
    check(`${format}: repartition exits 0`, r.code === 0 && r.json !== null, describeRun(r));
    const j = r.json ?? {};
    check(`${format}: records = rows + quarantined = ${ROWS}, none quarantined`,
      j.records === ROWS && j.rows === ROWS && j.quarantined === 0 && j.records === j.rows + j.quarantined,
      `records ${j.records}, rows ${j.rows}, quarantined ${j.quarantined} ${show(j.quarantinedByReason)}`);
    const c = await cli(['repartition', '--check', out, '--nopretty']);
    check(`${format}: --check says ok`, c.code === 0 && c.json?.ok === true && c.json?.rows === ROWS,
      describeRun(c));
    await checkOutput(format, out, allRows, expectedTypes);
  }

  // ---- 2. the three outputs are byte-identical ----------------------------------------------
  const pqParts = readParts(outs.parquet);
  {
    const d = [...partDiffs(pqParts, outs.csv, ['parquet', 'csv']), ...partDiffs(pqParts, outs.jsonl, ['parquet', 'jsonl'])];
    check('parquet, csv and jsonl inputs give byte-identical parts', d.length === 0, d.join('; '));
  }

  // ---- 3. defects -----------------------------------------------------------------------
  {
    const dir = join(root, 'bad');
    mkdirSync(dir);
    const csvPath = join(dir, 'input.csv');
    const jsonlPath = join(dir, 'input.jsonl');
    await conn.run(`COPY (SELECT ${COLUMNS} FROM ev WHERE rid < ${GOOD} ORDER BY ts, rid)
                    TO ${sqlString(csvPath)} (FORMAT csv, HEADER)`);
    await conn.run(`COPY (SELECT ${COLUMNS} FROM ev WHERE rid >= ${GOOD} AND rid < ${2 * GOOD} ORDER BY ts, rid)
                    TO ${sqlString(jsonlPath)} (FORMAT json)`);
    const lineCount = (path) => readFileSync(path).filter((b) => b === 10).length;
    // [text, reason category or null for a good record, lines it takes]
    const ts = (k) => T0 + 1000 * k;
    const badCsv = [
      [`,${ts(1)},view,1.5,true,null user`, 'group id is NULL'],
      [`7,abc,view,1.5,true,bad ts`, 'timestamp does not fit'],
      [`7,${ts(2)},view`, 'ragged line'],
      [`7,${ts(3)},view,abc,true,bad price`, 'value does not fit its column'],
      [Buffer.concat([Buffer.from(`7,${ts(4)},view,1.5,true,bad `), Buffer.from([0xff, 0xfe]), Buffer.from(' utf8')]), 'invalid UTF-8'],
      [`8,${ts(5)},view,2.5,false,"good, after ""bad""\nsecond line"`, null],
      ['', null], // a blank line: a line, not a record
      [`9,abc,view,1.5,true,crlf`, 'timestamp does not fit', '\r\n'],
      [`,${ts(6)},buy,3.5,true,null user again`, 'group id is NULL'],
    ];
    const badJsonl = [
      [`{"user_id":null,"ts":${ts(1)},"event":"view","price":1.5,"is_mobile":true,"note":"null user"}`, 'group id is NULL'],
      [`{"user_id":7,"ts":"abc","event":"view","price":1.5,"is_mobile":true,"note":"bad ts"}`, 'timestamp does not fit'],
      [`{"user_id":7,"ts":${ts(3)},"event":"view","price":"abc","is_mobile":true,"note":"bad price"}`, 'value does not fit its column'],
      [`{"user_id":7,"ts":17672256`, 'invalid JSON'],
      [`[7,${ts(4)},"view"]`, 'not a JSON object'],
      ['  ', null], // a blank line: a line, not a record
      [`{"user_id":7,"ts":${ts(5)},"event":"view","bogus":1}`, 'unknown field', '\r\n'],
      [Buffer.concat([Buffer.from(`{"user_id":7,"ts":${ts(6)},"event":"view","note":"bad `), Buffer.from([0xff]), Buffer.from(' utf8"}')]), 'invalid UTF-8'],
      [`{"user_id":9,"ts":${ts(7)},"event":"buy","price":4.25,"is_mobile":false,"note":"good, after bad"}`, null],
      [`{"user_id":9,"ts":${ts(8)},"event":"view"}`, null],
    ];
    // Appends [text, reason category (null: not quarantined), line end] records; returns the
    // expected quarantine: {line, category, raw bytes} per bad record, by hand.
    const append = (path, records) => {
      let line = lineCount(path) + 1;
      const expected = [];
      for (const [text, category, end = '\n'] of records) {
        const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
        appendFileSync(path, Buffer.concat([bytes, Buffer.from(end)]));
        if (category) expected.push({ line, category, bytes });
        line += bytes.filter((b) => b === 10).length + 1;
      }
      return expected;
    };
    const expCsv = append(csvPath, badCsv);
    const expJsonl = append(jsonlPath, badJsonl);
    await conn.run(`CREATE TABLE good AS
      SELECT ${COLUMNS} FROM ev WHERE rid < ${2 * GOOD}
      UNION ALL SELECT * FROM (VALUES
        (8::BIGINT, ${ts(5)}::BIGINT, 'view', 2.5::DOUBLE, false, 'good, after "bad"' || chr(10) || 'second line'),
        (9, ${ts(7)}, 'buy', 4.25, false, 'good, after bad'),
        (9, ${ts(8)}, 'view', NULL, NULL, NULL)) t(${COLUMNS})`);
    const goodRows = 2 * GOOD + 3;
    const byCategory = (exp) => {
      const m = {};
      for (const e of exp) m[e.category] = (m[e.category] ?? 0) + 1;
      return m;
    };
    const sortedShow = (o) => show(Object.keys(o ?? {}).sort().map((k) => [k, o[k]]));
    const isRecord = ([t]) => String(t).trim() !== '';
    const records = GOOD + badCsv.filter(isRecord).length + GOOD + badJsonl.filter(isRecord).length;
    const quarantined = expCsv.length + expJsonl.length;

    const out = join(root, 'out-bad');
    const r = await cli(['repartition', csvPath, jsonlPath, '--out', out, '--parts', String(PARTS), ...KEYS, '--nopretty'],
      'repartition with defects');
    check('defects: repartition exits 0', r.code === 0 && r.json !== null, describeRun(r));
    const j = r.json ?? {};
    check(`defects: records ${records} = rows ${goodRows} + quarantined ${quarantined}`,
      j.records === records && j.rows === goodRows && j.quarantined === quarantined,
      `records ${j.records}, rows ${j.rows}, quarantined ${j.quarantined}`);
    const inputs = j.inputs ?? [];
    check('defects: CSV quarantine counts by reason', sortedShow(inputs[0]?.quarantinedByReason) === sortedShow(byCategory(expCsv)) &&
      inputs[0]?.quarantined === expCsv.length && inputs[0]?.records === GOOD + badCsv.filter(isRecord).length,
      `expected ${sortedShow(byCategory(expCsv))}, got ${show(inputs[0])}`);
    check('defects: JSONL quarantine counts by reason', sortedShow(inputs[1]?.quarantinedByReason) === sortedShow(byCategory(expJsonl)) &&
      inputs[1]?.quarantined === expJsonl.length && inputs[1]?.records === GOOD + badJsonl.filter(isRecord).length,
      `expected ${sortedShow(byCategory(expJsonl))}, got ${show(inputs[1])}`);
    check('defects: total quarantine counts by reason',
      sortedShow(j.quarantinedByReason) === sortedShow(byCategory([...expCsv, ...expJsonl])),
      `expected ${sortedShow(byCategory([...expCsv, ...expJsonl]))}, got ${show(j.quarantinedByReason)}`);

    // every quarantined record: source, line, reason category, raw record
    for (const [label, i, path, exp] of [['CSV', 0, csvPath, expCsv], ['JSONL', 1, jsonlPath, expJsonl]]) {
      const file = join(out, '_quarantine', `run-1-input-${i}.jsonl`);
      const d = [];
      let got = [];
      try { got = readJsonl(file); } catch (e) { d.push(`${file}: ${e.message}`); }
      if (got.length !== exp.length) d.push(`${got.length} records, expected ${exp.length}`);
      if (inputs[i]?.quarantineFile !== `_quarantine/run-1-input-${i}.jsonl`) d.push(`report's quarantineFile ${show(inputs[i]?.quarantineFile)}`);
      for (let k = 0; k < Math.min(got.length, exp.length); k++) {
        const g = got[k];
        const e = exp[k];
        const raw = g.record?.base64 !== undefined ? Buffer.from(g.record.base64, 'base64') : Buffer.from(String(g.record));
        const category = String(g.reason).split(':')[0];
        if (g.source !== path || g.line !== e.line || category !== e.category || !raw.equals(e.bytes)) {
          d.push(`record ${k}: expected ${path} line ${e.line} "${e.category}" ${show(e.bytes.toString('latin1'))}, ` +
            `got ${show(g)}`);
        }
      }
      check(`defects: ${label} quarantine names each record's source, line, reason and text`, d.length === 0, d.join('; '));
    }
    const rep = JSON.parse(readFileSync(join(out, '_report.json'), 'utf8'));
    check('defects: _report.json counts', rep.rows === goodRows && rep.rowsQuarantined === quarantined,
      `rows ${rep.rows}, rowsQuarantined ${rep.rowsQuarantined}`);
    {
      const src = partsOf(out);
      const missing = await one(`SELECT count(*) FROM (SELECT * FROM good EXCEPT ALL SELECT ${COLUMNS} FROM ${src})`);
      const extra = await one(`SELECT count(*) FROM (SELECT ${COLUMNS} FROM ${src} EXCEPT ALL SELECT * FROM good)`);
      const n = await one(`SELECT count(*) FROM ${src}`);
      check('defects: DuckDB reads exactly the good rows', missing === 0 && extra === 0 && n === goodRows,
        `${n} rows, expected ${goodRows}; ${missing} good rows missing, ${extra} rows not good`);
    }

    const limited = join(root, 'out-bad-limited');
    const l = await cli(['repartition', csvPath, jsonlPath, '--out', limited, '--parts', String(PARTS), ...KEYS,
      '--max-bad-rows', '2', '--nopretty'], 'repartition --max-bad-rows 2');
    check('defects: --max-bad-rows 2 fails naming the limit', l.code !== 0 && l.stderr.includes('--max-bad-rows'), describeRun(l));
    check('defects: --max-bad-rows 2 leaves no output and no temporary directory',
      !existsSync(limited) && tempsBeside(limited).length === 0,
      `output exists: ${existsSync(limited)}, temporary directories: ${show(tempsBeside(limited))}`);
    const p = await cli(['repartition', csvPath, jsonlPath, '--out', limited, '--parts', String(PARTS), ...KEYS,
      '--max-bad-rows', '50%', '--nopretty']);
    check('defects: --max-bad-rows 50% succeeds', p.code === 0 && p.json?.quarantined === quarantined &&
      existsSync(join(limited, '_report.json')), describeRun(p));
  }

  // ---- 4. spilling -------------------------------------------------------------------------
  {
    const out = join(root, 'out-spill');
    const r = await cli(['repartition', dirs.parquet, '--out', out, '--parts', String(PARTS), ...KEYS,
      '--memory-limit', '1MB', '--threads', '1', '--nopretty'], 'repartition --memory-limit 1MB');
    check('spill: repartition --memory-limit 1MB spills', r.code === 0 && r.json?.spills > 0 && r.json?.spilledBytes > 0,
      describeRun(r));
    const d = partDiffs(pqParts, out, ['unlimited', 'spilled']);
    check('spill: parts byte-identical to the unlimited run', d.length === 0, d.join('; '));
    console.log(`spill: ${r.json?.spills} spills, ${r.json?.spilledBytes} bytes`);
  }

  // ---- 5. a killed run ---------------------------------------------------------------------
  {
    // Four CSV files of 500,000 rows each (for two threads, each spilling), not in time order;
    // quoted fields with commas, quotes and newlines across the reader's 8 MB chunks.
    const big = join(root, 'big');
    mkdirSync(big);
    await conn.run(`CREATE TABLE big AS SELECT range AS rid, 1 + (range * 7919) % 200000 AS user_id,
                     ${T0} + (range * 2654435761) % ${DAYS * DAY_MS} AS ts,
                     CASE range % 3 WHEN 0 THEN 'view' WHEN 1 THEN 'add' ELSE 'buy' END AS event,
                     (range % 1000) / 10 AS price,
                     CASE range % 7 WHEN 0 THEN NULL WHEN 1 THEN 'a "q", b' || chr(10) || 'ü ' || range
                                    WHEN 2 THEN '' ELSE 'n' || range END AS note
                   FROM range(${BIG_ROWS})`);
    for (let k = 0; k < 4; k++) {
      await conn.run(`COPY (SELECT * EXCLUDE (rid) FROM big WHERE rid % 4 = ${k} ORDER BY rid)
                      TO ${sqlString(join(big, `big-${k}.csv`))} (FORMAT csv, HEADER)`);
    }
    const out = join(root, 'out-big');
    const args = ['repartition', big, '--out', out, '--parts', String(PARTS), ...KEYS, '--threads', '2', '--nopretty'];
    const limitedArgs = [...args, '--memory-limit', '16MB'];
    // Starts a run and SIGKILLs it once it has spilled rows to disk (and 150 ms have passed).
    const killWhileWriting = async () => {
      const child = spawn(binary, limitedArgs, { env: frocketEnv(home), stdio: ['ignore', 'ignore', 'ignore'] });
      const exited = new Promise((done) => child.on('exit', (code, signal) => done({ code, signal })));
      const spill = join(root, `.out-big.frocket-tmp-${child.pid}`, '_spill');
      const started = Date.now();
      let finished = null;
      exited.then((x) => { finished = x; });
      const writing = () => {
        try { return readdirSync(spill).some((n) => statSync(join(spill, n)).size > 0); } catch { return false; }
      };
      while (finished === null && Date.now() - started < 20_000 && !(Date.now() - started >= 150 && writing())) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const killedAt = Date.now() - started;
      const wasWriting = writing();
      const wasRunning = finished === null;
      if (wasRunning) child.kill('SIGKILL');
      const end = await exited;
      return { ok: wasRunning && wasWriting && end.signal === 'SIGKILL',
        detail: `running ${wasRunning}, spill files written ${wasWriting}, after ${killedAt} ms, exit ${show(end)}` };
    };
    const k = await killWhileWriting();
    check('killed run: SIGKILLed while running and writing', k.ok, k.detail);
    check('killed run: no output directory', !existsSync(out), `${out} exists: ${show(existsSync(out) ? readdirSync(out) : [])}`);
    const stale = tempsBeside(out);
    console.log(`killed run: ${k.detail}; left ${show(stale)}`);
    const r = await cli(limitedArgs, 'repartition 2,000,000 CSV rows --memory-limit 16MB');
    check('killed run: the next run to the same --out succeeds', r.code === 0 && r.json?.rows === BIG_ROWS &&
      r.json?.quarantined === 0 && partFiles(out).length === PARTS, describeRun(r));
    check('killed run: no temporary directory remains', stale.length > 0 && tempsBeside(out).length === 0,
      `before the run ${show(stale)} (expected the killed run's), after ${show(tempsBeside(out))}`);
    {
      const src = partsOf(out);
      const missing = await one(`SELECT count(*) FROM (SELECT * EXCLUDE (rid) FROM big EXCEPT ALL SELECT user_id, ts, event, price, note FROM ${src})`);
      const extra = await one(`SELECT count(*) FROM (SELECT user_id, ts, event, price, note FROM ${src} EXCEPT ALL SELECT * EXCLUDE (rid) FROM big)`);
      const n = await one(`SELECT count(*) FROM ${src}`);
      check(`big: DuckDB reads exactly the ${BIG_ROWS} input rows`, missing === 0 && extra === 0 && n === BIG_ROWS,
        `${n} rows; ${missing} input rows missing, ${extra} rows not in the input`);
    }
    {
      // Killed again, now replacing the dataset: it stays as it was.
      const parts = readParts(out);
      const report = readFileSync(join(out, '_report.json'));
      const k2 = await killWhileWriting();
      const d = partDiffs(parts, out, ['before', 'after']);
      check('killed run over an existing dataset leaves it as it was', k2.ok && d.length === 0 &&
        report.equals(readFileSync(join(out, '_report.json'))), `${k2.detail}; ${d.join('; ')}`);
    }
    const unlimited = join(root, 'out-big-unlimited');
    const u = await cli([...args.slice(0, 2), '--out', unlimited, ...args.slice(4)], 'repartition 2,000,000 CSV rows unlimited');
    const d = partDiffs(out, unlimited, ['--memory-limit 16MB', 'unlimited']);
    check('big: the run under --memory-limit 16MB spilled and gives the unlimited run\'s parts byte for byte',
      r.json?.spills > 1 && u.code === 0 && u.json?.spills === 0 && d.length === 0,
      `spills ${r.json?.spills} and ${u.json?.spills}; ${describeRun(u)}; ${d.join('; ')}`);
    console.log(`big: ${r.json?.spills} spills, ${r.json?.spilledBytes} bytes under --memory-limit 16MB`);
    // On a terminal (script(1) gives it one): a progress line per phase, then the summary.
    const tty = join(root, 'out-big-tty');
    const quoted = [binary, ...args.slice(0, 2), '--out', tty, ...args.slice(4)]
      .map((x) => `'${String(x).replace(/'/g, "'\\''")}'`).join(' ');
    const t = await new Promise((done) => execFile('script', ['-qec', `${quoted} >/dev/null`, '/dev/null'],
      { env: frocketEnv(home), maxBuffer: 64 << 20, timeout: 120_000 },
      (error, stdout) => done({ code: error ? error.code : 0, out: String(stdout) })));
    const lines = t.out.split(/[\r\n]/).map((l) => l.replace(/\x1b\[K/g, ''));
    check('on a terminal: progress while reading (share, records, rate) and writing (parts), then the summary',
      t.code === 0 && lines.some((l) => /^repartition: reading +\d+% · [\d,]+ records · [\d.]+M records\/s/.test(l)) &&
      lines.some((l) => /^repartition: writing parts · \d+ of 4/.test(l)) &&
      lines.some((l) => l.startsWith('repartition: 2,000,000 records read: 2,000,000 rows written to 4 parts')),
      clip(JSON.stringify(lines.filter((l) => l.startsWith('repartition')))));
  }

  // ---- 6. append ---------------------------------------------------------------------------
  {
    const a = join(root, 'A');
    const b = join(root, 'B');
    mkdirSync(a);
    mkdirSync(b);
    // B: days 4 and 5 of the three smallest user ids that have rows on those days.
    await conn.run(`CREATE TABLE busers AS SELECT DISTINCT user_id FROM ev WHERE day >= 4 ORDER BY user_id LIMIT 3`);
    for (let day = 0; day < DAYS; day++) {
      const q = day < 4
        ? `SELECT ${COLUMNS} FROM ev WHERE day = ${day} ORDER BY ts, rid`
        : `SELECT ${COLUMNS} FROM ev WHERE day = ${day} AND user_id IN (SELECT user_id FROM busers) ORDER BY ts, rid`;
      await conn.run(`COPY (${q}) TO ${sqlString(join(day < 4 ? a : b, `day-${day}.parquet`))} (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    }
    const abRows = `SELECT ${COLUMNS} FROM ev WHERE day < 4 OR user_id IN (SELECT user_id FROM busers)`;
    const [[nB, nAB, usersAB]] = await rows(`SELECT (SELECT count(*) FROM ev WHERE day >= 4 AND user_id IN (SELECT user_id FROM busers)),
        count(*), count(DISTINCT user_id) FROM (${abRows})`);
    const full = join(root, 'out-full');
    const inc = join(root, 'out-inc');
    // Not the defaults: the append must write as the dataset was written, without being told.
    const written = ['--compression', 'snappy', '--row-group-rows', '500'];
    const f = await cli(['repartition', a, b, '--out', full, '--parts', String(PARTS), ...KEYS, ...written, '--nopretty'], 'repartition A+B');
    const i1 = await cli(['repartition', a, '--out', inc, '--parts', String(PARTS), ...KEYS, ...written, '--nopretty'], 'repartition A');
    // Registered before the append: A's users; after it, a refusal until registered again.
    const answer = async (name, args) => {
      const r = await cli(['run', name, ...args, '--nopretty']);
      const j = r.json ? { ...r.json } : null;
      if (j) { delete j.stats; delete j.requestId; }
      return { r, j };
    };
    const [[usersA, nA]] = await rows(`SELECT count(DISTINCT user_id), count(*) FROM ev WHERE day < 4`);
    const r0 = await cli(['register', 'inc', inc, 'user_id', 'ts', '--nopretty']);
    const e0 = await answer('inc', ['--empty']);
    check(`append: registered after the first run, the dataset counts A's ${usersA} users`,
      r0.code === 0 && e0.j?.query?.matchingGroups === Number(usersA) && e0.j?.query?.matchingGroupRows === Number(nA),
      `${describeRun(r0)} | ${clip(show(e0.j?.query ?? describeRun(e0.r)))}`);
    const other = await cli(['repartition', b, '--out', inc, '--append', '--parts', String(PARTS + 1), '--nopretty'], 'repartition --append --parts N+1');
    check('append: a different --parts is refused, naming what the dataset has',
      other.code !== 0 && other.stderr.includes(`was written with ${PARTS}`), describeRun(other));
    const inodes = (dir) => Object.fromEntries(partFiles(dir).map((n) => [n, statSync(join(dir, n)).ino]));
    const before = inodes(inc);
    const i2 = await cli(['repartition', b, '--out', inc, '--append', '--nopretty'], 'repartition --append B');
    check('append: the full, first and append runs exit 0', f.code === 0 && i1.code === 0 && i2.code === 0,
      [f, i1, i2].map(describeRun).join(' | '));
    check(`append: the append run reads B's ${nB} rows`, i2.json?.records === Number(nB) && i2.json?.rows === Number(nB),
      `records ${i2.json?.records}, rows ${i2.json?.rows}`);
    await checkOutput('append', inc, abRows, expectedTypes);
    const d = partDiffs(full, inc, ['full', 'A then --append B']);
    check('append: parts byte-identical to the full run', d.length === 0, d.join('; '));
    // The parts B's users are in (DuckDB, in the full run's output).
    const reached = (await rows(`SELECT DISTINCT parse_filename(filename) FROM ${partsOf(full)}
                                 WHERE user_id IN (SELECT user_id FROM busers) ORDER BY 1`)).map(([x]) => x);
    const after = inodes(inc);
    const kept = PART_NAMES.filter((n) => !reached.includes(n));
    const wrong = [
      ...kept.filter((n) => before[n] === undefined || before[n] !== after[n]).map((n) => `${n} not reached but rewritten`),
      ...reached.filter((n) => before[n] === after[n]).map((n) => `${n} reached but kept`),
    ];
    check('append: parts B does not reach keep their inode, the others are rewritten',
      kept.length > 0 && wrong.length === 0 && i2.json?.partsWritten === reached.length,
      `B reaches ${show(reached)}; ${wrong.join(', ')}; partsWritten ${i2.json?.partsWritten}`);
    const rep = JSON.parse(readFileSync(join(inc, '_report.json'), 'utf8'));
    check('append: _report.json lists both runs', show(rep.runs?.map((x) => x.kind)) === show(['full', 'append']),
      `runs ${show(rep.runs?.map((x) => x.kind))}`);

    const stale = await cli(['run', 'inc', '--empty', '--nopretty']);
    check('append: the dataset registered before it refuses to answer from rewritten parts',
      stale.code !== 0 && /part/.test(stale.stderr), describeRun(stale));
    const rf = await cli(['register', 'full', full, 'user_id', 'ts', '--nopretty']);
    const ri = await cli(['register', 'inc', inc, 'user_id', 'ts', '--nopretty']);
    check('append: the full run registers and the appended one registers again', rf.code === 0 && ri.code === 0,
      `${describeRun(rf)} | ${describeRun(ri)}`);
    const funnel = { funnel: { sequence: ['view', 'add', 'buy'].map((e) => ({ filter: ['event', '==', e] })) } };
    const qf = await answer('full', ['--string', JSON.stringify(funnel)]);
    const qi = await answer('inc', ['--string', JSON.stringify(funnel)]);
    const steps = qf.j?.funnel?.sequence?.map((s) => s.matchingGroups) ?? [];
    check('append: the same funnel answer from both', qf.r.code === 0 && qi.r.code === 0 && qf.j !== null &&
      show(qf.j) === show(qi.j) && steps.length === 3 && steps[2] > 0,
      `full ${clip(show(qf.j) ?? describeRun(qf.r))} | incremental ${clip(show(qi.j) ?? describeRun(qi.r))}`);
    const ef = await answer('full', ['--empty']);
    const ei = await answer('inc', ['--empty']);
    check(`append: --empty counts DuckDB's ${usersAB} users in both`,
      ef.j?.query?.matchingGroups === Number(usersAB) && ei.j?.query?.matchingGroups === Number(usersAB) &&
      ef.j?.query?.matchingGroupRows === Number(nAB),
      `full ${clip(show(ef.j?.query ?? describeRun(ef.r)))}, incremental ${clip(show(ei.j?.query ?? describeRun(ei.r)))}, ` +
      `expected ${usersAB} users, ${nAB} rows`);
    console.log(`append: B ${nB} rows of ${show((await rows('FROM busers')).map(([x]) => Number(x)))} reaches ${show(reached)}; funnel ${show(steps)}`);
  }

  // ---- 7. re-running, and a directory repartition did not write ----------------------------
  {
    const out = outs.parquet;
    const r = await cli(['repartition', dirs.parquet, '--out', out, '--parts', String(PARTS), ...KEYS, '--nopretty'],
      'repartition parquet again');
    const d = partDiffs(pqParts, out, ['first run', 'second run']);
    const rep = JSON.parse(readFileSync(join(out, '_report.json'), 'utf8'));
    check('re-run: succeeds over its own output with byte-identical parts', r.code === 0 && d.length === 0 &&
      rep.runs?.length === 1 && tempsBeside(out).length === 0,
      `${describeRun(r)}; ${d.join('; ')}; runs ${rep.runs?.length}; temporary directories ${show(tempsBeside(out))}`);

    const foreign = join(root, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine\n');
    const f = await cli(['repartition', dirs.parquet, '--out', foreign, '--parts', String(PARTS), ...KEYS, '--nopretty']);
    const left = readdirSync(foreign);
    check('foreign --out: refused and left untouched', f.code !== 0 && show(left) === show(['notes.txt']) &&
      readFileSync(join(foreign, 'notes.txt'), 'utf8') === 'mine\n' && tempsBeside(foreign).length === 0,
      `${describeRun(f)}; holds ${show(left)}; temporary directories ${show(tempsBeside(foreign))}`);
  }
} catch (e) {
  check('aborted', false, String(e?.stack ?? e));
} finally {
  try { conn?.closeSync(); } catch { /* ignore */ }
  try { instance?.closeSync?.(); } catch { /* ignore */ }
  if (process.env.KEEP) console.log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
console.log(`timings: ${timings.join(', ')}; total ${Date.now() - t0} ms`);
finish();
