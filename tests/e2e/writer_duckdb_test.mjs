// frocket's Parquet writer, checked by DuckDB.
//
//   node tests/e2e/writer_duckdb_test.mjs <path-to-frocket-binary>
//
// `frocket generate` writes two small datasets (different seeds). For every file:
//   - DuckDB reads every row (in file order, by file_row_number) and `frocket parquet cat`
//     prints every row; every value of every row and column must be identical in the JSON
//     representation of DESIGN.md section 5 (integers exact, floats bit-exact and in shortest
//     round-trip form, strings, booleans, null);
//   - DuckDB's parquet_file_metadata() / parquet_metadata() / parquet_schema() must agree with
//     `frocket parquet schema` (row counts, row groups, physical types, repetition, annotations,
//     codecs, encodings), and the footer statistics must describe the data DuckDB reads;
//   - the rows are in timestamp order.
// Then, per dataset: the same seed gives byte-identical files; each part's user ids are
// disjoint from the other parts'; and the dataset has the documented shape (about one user per
// 25 rows, the six event types, sku/price only on product events, campaign_id only on campaign
// clicks, goal_value only on purchases, purchases mostly preceded by an add-to-cart).
// Prints one line per check and a summary line "N passed, M failed"; exits 1 on any failure.

import { DuckDBInstance } from '@duckdb/node-api';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROWS = 50_000;
const PARTS = 3;
const SEEDS = [11, 4242];
const FROCKET_TIMEOUT_MS = 60_000;
const EVENT_TYPES = ['addtocart', 'campaign_click', 'click', 'pageview', 'purchase', 'search'];

// ------------------------------------------------------------------------------------------
// Running frocket
// ------------------------------------------------------------------------------------------

function frocketEnv(home) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FROCKET_')) env[k] = v;
  env.FROCKET_HOME = home;
  return env;
}

function runCli(binary, home, args) {
  return new Promise((resolve) => {
    const start = Date.now();
    execFile(binary, args, { env: frocketEnv(home), maxBuffer: 256 << 20, timeout: FROCKET_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, killed: !!error?.killed, stdout, stderr, ms: Date.now() - start });
      });
  });
}

const show = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x));
const clip = (s, n = 400) => (s.length > n ? s.slice(0, n) + '…' : s);
const describeRun = (r) => `exit ${r.code}${r.killed ? ' (killed: timeout)' : ''}, ` +
  `stdout=${show(clip(r.stdout))} stderr=${show(clip(r.stderr))}`;

// ------------------------------------------------------------------------------------------
// A JSON parser that keeps numbers as their source text ({num: "123"}), so that 64-bit
// integers and float digits can be checked exactly (JSON.parse would round them to doubles).
// ------------------------------------------------------------------------------------------

function parseJsonExact(text) {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  const fail = (what) => { throw new Error(`${what} at offset ${i} of ${show(clip(text, 200))}`); };
  function value() {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      const obj = [];
      ws();
      if (text[i] === '}') { i++; return { obj }; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const k = string();
        ws();
        if (text[i++] !== ':') fail('expected ":"');
        obj.push([k, value()]);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return { obj }; }
        fail('expected "," or "}"');
      }
    }
    if (ch === '[') {
      i++;
      const arr = [];
      ws();
      if (text[i] === ']') { i++; return { arr }; }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return { arr }; }
        fail('expected "," or "]"');
      }
    }
    if (ch === '"') return string();
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 64));
    if (!m) fail('unexpected character');
    i += m[0].length;
    return { num: m[0] };
  }
  function string() {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i));
  }
  const v = value();
  ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}

// Is the number text the shortest decimal that round-trips to its double? (digits compared
// with JavaScript's shortest round-trip digits, which are unique)
function isShortestRoundTrip(raw) {
  const x = Number(raw);
  if (!Number.isFinite(x) || x === 0) return true;
  const sig = (s) => {
    const mant = s.replace(/^-/, '').split(/[eE]/)[0].replace('.', '');
    return mant.replace(/^0+/, '').replace(/0+$/, '');
  };
  return sig(raw) === sig(x.toExponential());
}

// ------------------------------------------------------------------------------------------
// DuckDB helpers
// ------------------------------------------------------------------------------------------

async function rows(conn, sql) {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowsJS();
}
async function table(conn, sql) {
  const reader = await conn.runAndReadAll(sql);
  return { names: reader.columnNames(), types: reader.columnTypes().map((t) => t.toString()), rows: reader.getRowsJS() };
}
const sqlString = (s) => `'${String(s).replace(/'/g, "''")}'`;
const sqlList = (files) => `[${files.map(sqlString).join(', ')}]`;
const num = (v) => (v === null || v === undefined ? v : Number(v));
const pct = (a, b) => `${(100 * Number(a) / Number(b)).toFixed(1)}%`;

// Compares one frocket value (from parseJsonExact) with one DuckDB value of the given type.
// Returns null when equal, else a description.
function compareValue(duckType, exp, act, floatForm) {
  if (exp === null || exp === undefined) return act === null ? null : `expected null, got ${showExact(act)}`;
  if (act === null) return `expected ${show(exp)}, got null`;
  if (/^(BIGINT|INTEGER|SMALLINT|TINYINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|HUGEINT)$/.test(duckType)) {
    if (!act?.num || !/^-?(0|[1-9][0-9]*)$/.test(act.num)) return `expected the integer ${exp}, got ${showExact(act)}`;
    return BigInt(act.num) === BigInt(exp) ? null : `expected ${exp}, got ${act.num}`;
  }
  if (duckType === 'DOUBLE' || duckType === 'FLOAT') {
    let x;
    if (act?.num !== undefined) x = Number(act.num);
    else if (act === 'NaN') x = NaN;
    else if (act === 'Infinity') x = Infinity;
    else if (act === '-Infinity') x = -Infinity;
    else return `expected the float ${exp}, got ${showExact(act)}`;
    if (!Object.is(x, exp)) return `expected ${Object.is(exp, -0) ? '-0.0' : exp}, got ${showExact(act)} (= ${x})`;
    if (act?.num !== undefined) {
      if (!isShortestRoundTrip(act.num)) floatForm.notShortest.push(act.num);
      if (Object.is(exp, -0) && act.num !== '-0.0') floatForm.negZero.push(act.num);
    }
    return null;
  }
  if (duckType === 'BOOLEAN') return act === exp ? null : `expected ${exp}, got ${showExact(act)}`;
  if (duckType === 'VARCHAR') return act === exp ? null : `expected ${show(exp)}, got ${showExact(act)}`;
  return `unhandled DuckDB type ${duckType}`;
}
function showExact(v) {
  if (v === null) return 'null';
  if (v?.num !== undefined) return v.num;
  if (v?.obj) return `{${v.obj.map(([k, x]) => `${show(k)}:${showExact(x)}`).join(',')}}`;
  if (v?.arr) return `[${v.arr.map(showExact).join(',')}]`;
  return show(v);
}
// DuckDB's logical_type text (parquet_schema) → frocket's representation
function logicalTypeOf(duck) {
  if (duck === null || duck === undefined) return null;
  if (duck === 'StringType()') return { type: 'STRING' };
  return { unmapped: duck };
}

// ------------------------------------------------------------------------------------------
// Main
// ------------------------------------------------------------------------------------------

async function main() {
  const binary = process.argv[2];
  if (!binary || !existsSync(binary) || !statSync(binary).isFile()) {
    console.error(`usage: node writer_duckdb_test.mjs <path-to-frocket-binary> (got ${binary})`);
    return 1;
  }
  const t0 = Date.now();
  const root = mkdtempSync(join(tmpdir(), 'frocket-writer-'));
  const home = join(root, 'home');
  mkdirSync(home);
  const cli = (args) => runCli(binary, home, args);

  let passed = 0;
  let failed = 0;
  const pass = (name, detail = '') => { passed++; console.log(`${name}: ok${detail ? ` (${detail})` : ''}`); };
  const fail = (name, diffs) => {
    failed++;
    console.log(`${name}: FAILED`);
    const MAX = 20;
    for (const d of diffs.slice(0, MAX)) console.log(`  - ${d}`);
    if (diffs.length > MAX) console.log(`  - ... and ${diffs.length - MAX} more`);
  };
  const check = (name, diffs, detail = '') => (diffs.length ? fail(name, diffs) : pass(name, detail));

  let instance;
  let conn;
  try {
    instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    conn = await instance.connect();
    await conn.run('SET threads = 1');
    await conn.run('SET preserve_insertion_order = true');

    // ---- generate ------------------------------------------------------------------------
    const datasets = [];
    for (const seed of SEEDS) {
      const dir = join(root, `seed-${seed}`);
      const g = await cli(['generate', dir, '--rows', String(ROWS), '--parts', String(PARTS), '--seed', String(seed)]);
      const files = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.parquet')).sort() : [];
      const diffs = [];
      if (g.code !== 0) diffs.push(describeRun(g));
      const expectNames = Array.from({ length: PARTS }, (_, p) => `part-${String(p).padStart(5, '0')}.parquet`);
      if (show(files) !== show(expectNames)) diffs.push(`files: expected ${show(expectNames)}, got ${show(files)}`);
      check(`generate seed ${seed}`, diffs, `${files.length} files in ${g.ms} ms; ${g.stderr.trim()}`);
      if (g.code !== 0) throw new Error(`frocket generate --seed ${seed} failed`);
      datasets.push({ seed, dir, files: files.map((n) => join(dir, n)) });
    }

    // ---- the same seed gives byte-identical files ----------------------------------------
    {
      const seed = SEEDS[0];
      const dir = join(root, `seed-${seed}-again`);
      const g = await cli(['generate', dir, '--rows', String(ROWS), '--parts', String(PARTS), '--seed', String(seed)]);
      const diffs = [];
      if (g.code !== 0) diffs.push(describeRun(g));
      const first = datasets[0];
      const again = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.parquet')).sort() : [];
      if (again.length !== first.files.length) diffs.push(`expected ${first.files.length} files, got ${again.length}`);
      for (const f of first.files) {
        const name = f.slice(first.dir.length + 1);
        const other = join(dir, name);
        if (!existsSync(other)) { diffs.push(`${name}: missing in the second run`); continue; }
        const a = readFileSync(f);
        const b = readFileSync(other);
        if (!a.equals(b)) {
          let at = 0;
          while (at < Math.min(a.length, b.length) && a[at] === b[at]) at++;
          diffs.push(`${name}: files differ (sizes ${a.length} / ${b.length}, first difference at byte ${at})`);
        }
      }
      check(`same seed ${seed} gives byte-identical files`, diffs, `${first.files.length} files compared`);
      // and a different seed gives different data
      const d2 = [];
      const [[same]] = await rows(conn, `SELECT count(*) FROM (
          SELECT * FROM read_parquet(${sqlString(datasets[0].files[0])})
          INTERSECT ALL SELECT * FROM read_parquet(${sqlString(datasets[1].files[0])}))`);
      if (Number(same) > ROWS / PARTS / 10) d2.push(`${same} identical rows in part 0 of seeds ${SEEDS[0]} and ${SEEDS[1]}`);
      check(`different seeds give different data`, d2, `${same} identical rows in part 0`);
    }

    // ---- every value of every file: DuckDB vs frocket parquet cat ------------------------
    for (const ds of datasets) {
      for (const file of ds.files) {
        const label = `seed ${ds.seed} ${file.slice(ds.dir.length + 1)}`;
        const t = await table(conn, `SELECT * EXCLUDE (file_row_number) FROM
            read_parquet(${sqlString(file)}, file_row_number = true) ORDER BY file_row_number`);
        const cat = await cli(['parquet', 'cat', file]);
        const diffs = [];
        const floatForm = { notShortest: [], negZero: [] };
        if (cat.code !== 0) diffs.push(`frocket parquet cat: ${describeRun(cat)}`);
        const lines = cat.stdout.split('\n');
        if (lines.length && lines[lines.length - 1] === '') lines.pop();
        if (lines.length !== t.rows.length) diffs.push(`row count: DuckDB ${t.rows.length}, frocket ${lines.length}`);
        let valuesCompared = 0;
        const n = Math.min(lines.length, t.rows.length);
        for (let r = 0; r < n && diffs.length < 20; r++) {
          let obj;
          try { obj = parseJsonExact(lines[r]); } catch (e) { diffs.push(`row ${r}: not JSON: ${e.message}`); continue; }
          if (!obj?.obj) { diffs.push(`row ${r}: not a JSON object: ${clip(lines[r], 200)}`); continue; }
          const keys = obj.obj.map(([k]) => k);
          if (show(keys) !== show(t.names)) {
            diffs.push(`row ${r}: keys ${show(keys)}, expected ${show(t.names)} (schema order)`);
            continue;
          }
          for (let c = 0; c < t.names.length; c++) {
            const d = compareValue(t.types[c], t.rows[r][c], obj.obj[c][1], floatForm);
            valuesCompared++;
            if (d) diffs.push(`row ${r} column ${t.names[c]}: ${d}`);
          }
        }
        check(`parquet cat ${label}: every value equals DuckDB's`, diffs,
          `${n} rows x ${t.names.length} columns, ${valuesCompared} values`);
        const fd = [];
        if (floatForm.notShortest.length) {
          fd.push(`${floatForm.notShortest.length} float values not in shortest round-trip form, e.g. ` +
            show(floatForm.notShortest.slice(0, 5)));
        }
        if (floatForm.negZero.length) fd.push(`negative zero not written -0.0: ${show(floatForm.negZero.slice(0, 5))}`);
        check(`parquet cat ${label}: floats in shortest round-trip form`, fd);

        // --columns / --limit: a subset of the columns (given in schema order) and the first rows
        {
          const cols = ['ts', 'event_type', 'sku', 'price', 'is_mobile'];
          const limit = 123;
          const sub = await cli(['parquet', 'cat', file, '--columns', cols.join(','), '--limit', String(limit)]);
          const sd = [];
          if (sub.code !== 0) sd.push(describeRun(sub));
          const sl = sub.stdout.split('\n').filter((l) => l !== '');
          if (sl.length !== limit) sd.push(`expected ${limit} rows, got ${sl.length}`);
          const idx = cols.map((c) => t.names.indexOf(c));
          for (let r = 0; r < Math.min(sl.length, limit) && sd.length < 10; r++) {
            let obj;
            try { obj = parseJsonExact(sl[r]); } catch (e) { sd.push(`row ${r}: ${e.message}`); continue; }
            const keys = obj?.obj?.map(([k]) => k);
            if (show(keys) !== show(cols)) { sd.push(`row ${r}: keys ${show(keys)}, expected ${show(cols)}`); continue; }
            for (let c = 0; c < cols.length; c++) {
              const d = compareValue(t.types[idx[c]], t.rows[r][idx[c]], obj.obj[c][1], { notShortest: [], negZero: [] });
              if (d) sd.push(`row ${r} column ${cols[c]}: ${d}`);
            }
          }
          check(`parquet cat ${label} --columns ${cols.join(',')} --limit ${limit}`, sd);
        }

        // ---- footer facts: frocket parquet schema vs DuckDB's metadata functions -----------
        {
          const s = await cli(['parquet', 'schema', file]);
          const md = [];
          let fs = null;
          try { fs = JSON.parse(s.stdout); } catch { md.push(`frocket parquet schema: no JSON: ${describeRun(s)}`); }
          if (s.code !== 0) md.push(`frocket parquet schema: ${describeRun(s)}`);
          const [[createdBy, numRows, numRowGroups, formatVersion, fileSize]] = await rows(conn,
            `SELECT created_by, num_rows, num_row_groups, format_version, file_size_bytes
             FROM parquet_file_metadata(${sqlString(file)})`);
          const rg = await rows(conn, `SELECT DISTINCT row_group_id, row_group_num_rows
             FROM parquet_metadata(${sqlString(file)}) ORDER BY row_group_id`);
          const sch = await rows(conn, `SELECT name, type, type_length, repetition_type, converted_type, logical_type
             FROM parquet_schema(${sqlString(file)}) WHERE num_children IS NULL ORDER BY column_id`);
          const chunks = await rows(conn, `SELECT path_in_schema, row_group_id, num_values, compression, encodings,
               stats_null_count, stats_min_value, stats_max_value, row_group_num_rows, type
             FROM parquet_metadata(${sqlString(file)}) ORDER BY row_group_id, column_id`);
          if (fs) {
            const eq = (what, exp, act) => { if (show(exp) !== show(act)) md.push(`${what}: DuckDB ${show(exp)}, frocket ${show(act)}`); };
            eq('num_rows', num(numRows), fs.num_rows);
            eq('num_rows vs rows read', t.rows.length, fs.num_rows);
            eq('num_row_groups', num(numRowGroups), fs.num_row_groups);
            eq('row_group_num_rows', rg.map(([, x]) => num(x)), fs.row_group_num_rows);
            eq('created_by', createdBy, fs.created_by);
            if (fs.format_version !== undefined) eq('format_version', num(formatVersion), fs.format_version);
            if (fs.file_size !== undefined) eq('file_size', num(fileSize), fs.file_size);
            eq('file_size vs disk', statSync(file).size, num(fileSize));
            const fcols = Array.isArray(fs.columns) ? fs.columns : [];
            eq('column names', sch.map(([name]) => name), fcols.map((c) => c.name));
            for (let c = 0; c < Math.min(sch.length, fcols.length); c++) {
              const [name, type, typeLength, repetition, converted, logical] = sch[c];
              const fc = fcols[c];
              eq(`${name}.physical_type`, type, fc.physical_type);
              eq(`${name}.type_length`, typeLength === null ? null : num(typeLength), fc.type_length);
              eq(`${name}.repetition`, repetition, fc.repetition);
              eq(`${name}.converted_type`, converted, fc.converted_type);
              eq(`${name}.logical_type`, logicalTypeOf(logical), fc.logical_type);
              const mine = chunks.filter((k) => k[0] === name);
              const codecs = [...new Set(mine.map((k) => k[3]))].sort();
              if (fc.compression !== undefined) eq(`${name}.compression`, codecs, [...fc.compression].sort());
              const encs = [...new Set(mine.flatMap((k) => String(k[4]).split(',').map((e) => e.trim())))].sort();
              if (fc.encodings !== undefined) eq(`${name}.encodings`, encs, [...fc.encodings].sort());
              for (const k of mine) {
                if (num(k[2]) !== num(k[8])) md.push(`${name} row group ${k[1]}: num_values ${k[2]} != rows ${k[8]}`);
              }
              if (fc.statistics === true && mine.some((k) => k[5] === null)) {
                md.push(`${name}: frocket says statistics: true, DuckDB finds no null_count in the footer`);
              }
            }
          }
          check(`parquet schema ${label}: footer facts agree with DuckDB`, md,
            fs ? `${fs.num_rows} rows, ${fs.num_row_groups} row group(s), ${fs.columns?.length} columns` : '');

          // the statistics written in the footer describe the data (per row group and column)
          const sd = [];
          let start = 0;
          let checked = 0;
          for (const [rgId, rgRows] of rg) {
            const end = start + Number(rgRows);
            for (const k of chunks.filter((x) => x[1] === rgId)) {
              const [name, , , , , nullCount, minV, maxV, , ptype] = k;
              if (nullCount === null && minV === null && maxV === null) continue; // no statistics
              const [[nulls, mn, mx]] = await rows(conn, `SELECT count(*) - count("${name}"), min("${name}"), max("${name}")
                 FROM read_parquet(${sqlString(file)}, file_row_number = true)
                 WHERE file_row_number >= ${start} AND file_row_number < ${end}`);
              checked++;
              if (nullCount !== null && num(nullCount) !== num(nulls)) {
                sd.push(`${name} rg ${rgId}: null_count ${nullCount}, data has ${nulls} nulls`);
              }
              const cmp = (which, stat, actual) => {
                if (stat === null) return;
                if (actual === null) { sd.push(`${name} rg ${rgId}: ${which} ${show(stat)} but all values are null`); return; }
                let ok;
                if (ptype === 'INT64' || ptype === 'INT32') ok = BigInt(stat) === BigInt(actual);
                else if (ptype === 'DOUBLE' || ptype === 'FLOAT') ok = Number(stat) === Number(actual);
                else if (ptype === 'BOOLEAN') ok = stat === String(actual);
                else ok = stat === actual;
                if (!ok) sd.push(`${name} rg ${rgId}: footer ${which} ${show(stat)}, data ${which} ${show(actual)}`);
              };
              cmp('min', minV, mn);
              cmp('max', maxV, mx);
            }
            start = end;
          }
          check(`parquet schema ${label}: footer statistics match the data`, sd, `${checked} column chunks`);
        }

        // ---- rows in timestamp order -----------------------------------------------------
        {
          const [[back, ties, nr]] = await rows(conn, `SELECT count(*) FILTER (WHERE ts < p), count(*) FILTER (WHERE ts = p), count(*)
             FROM (SELECT ts, lag(ts) OVER (ORDER BY file_row_number) AS p
                   FROM read_parquet(${sqlString(file)}, file_row_number = true))`);
          const d = [];
          if (Number(back) !== 0) {
            const ex = await rows(conn, `SELECT file_row_number, p, ts FROM (SELECT file_row_number, ts,
                 lag(ts) OVER (ORDER BY file_row_number) AS p FROM read_parquet(${sqlString(file)}, file_row_number = true))
               WHERE ts < p ORDER BY file_row_number LIMIT 3`);
            d.push(`${back} of ${nr} rows have a smaller ts than the row before, e.g. ${show(ex)}`);
          }
          check(`rows of ${label} in ts order`, d, `${nr} rows, ${ties} equal to the previous`);
        }
      }
    }

    // ---- per dataset: partitioning and shape ---------------------------------------------
    for (const ds of datasets) {
      const src = `read_parquet(${sqlList(ds.files)}, filename = true)`;
      await conn.run(`CREATE OR REPLACE TEMP TABLE ev AS SELECT * FROM ${src}`);

      // each part's user ids are disjoint from the other parts'
      {
        const [[shared]] = await rows(conn, `SELECT count(*) FROM (SELECT user_id FROM ev GROUP BY user_id
                                             HAVING count(DISTINCT filename) > 1)`);
        const per = await rows(conn, `SELECT count(DISTINCT user_id) FROM ev GROUP BY filename ORDER BY filename`);
        const d = Number(shared) === 0 ? [] : [`${shared} user ids appear in more than one part`];
        check(`seed ${ds.seed}: user ids disjoint across parts`, d, `users per part ${per.map(([x]) => num(x)).join(', ')}`);
      }

      const [[nRows, nUsers]] = await rows(conn, 'SELECT count(*), count(DISTINCT user_id) FROM ev');
      {
        const ratio = Number(nRows) / Number(nUsers);
        const d = [];
        if (Number(nRows) !== ROWS) d.push(`expected ${ROWS} rows, got ${nRows}`);
        if (!(ratio >= 20 && ratio <= 30)) d.push(`expected about 25 rows per user (20..30), got ${ratio.toFixed(2)}`);
        const [q] = await rows(conn, `SELECT quantile_disc(n, [0, 0.25, 0.5, 0.75, 0.99, 1]) FROM
            (SELECT count(*) AS n FROM ev GROUP BY user_id)`);
        check(`seed ${ds.seed}: about rows/25 users`, d,
          `${nRows} rows, ${nUsers} users, ${ratio.toFixed(2)} rows per user; rows per user min/q1/median/q3/p99/max ` +
          `${q[0].map(num).join('/')}`);
      }

      // event types
      {
        const et = await rows(conn, 'SELECT event_type, count(*) FROM ev GROUP BY ALL ORDER BY event_type');
        const names = et.map(([e]) => e);
        const d = show(names) === show(EVENT_TYPES) ? [] : [`event types: expected ${show(EVENT_TYPES)}, got ${show(names)}`];
        check(`seed ${ds.seed}: event types`, d, et.map(([e, c]) => `${e} ${pct(c, nRows)}`).join(', '));
      }

      // which events carry sku / price / campaign_id / goal_value
      {
        const tab = await rows(conn, `SELECT event_type,
              CASE WHEN event_type = 'pageview' THEN (CASE WHEN regexp_matches(url, '/p/[0-9]+$') THEN 'product page' ELSE 'other page' END) END AS kind,
              count(*), count(sku), count(price), count(campaign_id), count(goal_value),
              count(*) FILTER (WHERE (sku IS NULL) <> (price IS NULL))
            FROM ev GROUP BY ALL ORDER BY event_type, kind`);
        console.log(`seed ${ds.seed}: columns set per event (event [page kind]: rows, sku, price, campaign_id, goal_value):`);
        for (const [e, k, n, s, p, c, g] of tab) {
          console.log(`    ${e}${k ? ` [${k}]` : ''}: ${n} rows, sku ${s}, price ${p}, campaign_id ${c}, goal_value ${g}`);
        }
        // Product events (an interpretation of "sku and price on product events"): addtocart,
        // purchase, and pageviews of a product page (/p/<id>).
        const d = [];
        for (const [e, k, n, s, p, c, g, mismatch] of tab) {
          const label = `${e}${k ? ` [${k}]` : ''}`;
          const product = e === 'addtocart' || e === 'purchase' || k === 'product page';
          if (Number(mismatch) !== 0) d.push(`${label}: ${mismatch} rows with only one of sku / price`);
          if (product && (Number(s) !== Number(n) || Number(p) !== Number(n))) {
            d.push(`${label}: product event, but sku on ${s} and price on ${p} of ${n} rows`);
          }
          if (!product && (Number(s) !== 0 || Number(p) !== 0)) d.push(`${label}: not a product event, but sku on ${s}, price on ${p} rows`);
          if (Number(c) !== (e === 'campaign_click' ? Number(n) : 0)) {
            d.push(`${label}: campaign_id on ${c} of ${n} rows (expected exactly on campaign_click)`);
          }
          if (Number(g) !== (e === 'purchase' ? Number(n) : 0)) {
            d.push(`${label}: goal_value on ${g} of ${n} rows (expected exactly on purchase)`);
          }
        }
        check(`seed ${ds.seed}: sku and price exactly on product events, campaign_id on campaign clicks, goal_value on purchases`, d);
      }

      // purchases mostly preceded by an addtocart of the same user
      {
        const [[purchases, preceded, sameSku, buyers, buyersPreceded]] = await rows(conn, `
          WITH p AS (SELECT user_id, ts, sku FROM ev WHERE event_type = 'purchase'),
               a AS (SELECT user_id, ts, sku FROM ev WHERE event_type = 'addtocart'),
               pp AS (SELECT p.*, EXISTS (SELECT 1 FROM a WHERE a.user_id = p.user_id AND a.ts < p.ts) AS any_cart,
                             EXISTS (SELECT 1 FROM a WHERE a.user_id = p.user_id AND a.ts < p.ts AND a.sku = p.sku) AS same_sku
                      FROM p),
               fb AS (SELECT user_id, min(ts) AS first_purchase FROM p GROUP BY user_id)
          SELECT (SELECT count(*) FROM pp), (SELECT count(*) FROM pp WHERE any_cart),
                 (SELECT count(*) FROM pp WHERE same_sku), (SELECT count(*) FROM fb),
                 (SELECT count(*) FROM fb WHERE EXISTS (SELECT 1 FROM a WHERE a.user_id = fb.user_id AND a.ts < fb.first_purchase))`);
        const share = Number(preceded) / Number(purchases);
        const d = [];
        if (Number(purchases) === 0) d.push('no purchases at all');
        else if (!(share > 0.5)) d.push(`only ${pct(preceded, purchases)} of purchases follow an addtocart of the same user`);
        check(`seed ${ds.seed}: purchases mostly preceded by an addtocart`, d,
          `${preceded}/${purchases} purchases (${pct(preceded, purchases)}) follow an addtocart of the same user, ` +
          `${pct(sameSku, purchases)} one of the same sku; ${pct(buyersPreceded, buyers)} of ${buyers} buyers added to cart before their first purchase`);
      }

      // not documented, reported only: is_mobile vs device
      {
        const t = await rows(conn, 'SELECT device, is_mobile, count(*) FROM ev GROUP BY ALL ORDER BY ALL');
        console.log(`seed ${ds.seed}: (info) device/is_mobile: ${t.map(([a, b, c]) => `${a}/${b} ${c}`).join(', ')}`);
      }
    }
  } catch (e) {
    fail('aborted', [String(e?.stack ?? e)]);
  } finally {
    try { conn?.closeSync(); } catch { /* ignore */ }
    try { instance?.closeSync?.(); } catch { /* ignore */ }
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed (${Date.now() - t0} ms)`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => { process.exitCode = code; },
  (e) => {
    console.error(`setup failed: ${e?.stack ?? e}`);
    console.log('0 passed, 1 failed (setup failed)');
    process.exitCode = 1;
  },
);
