// Funnel Rocket's semantics where frocket once differed, end to end through the CLI over
// Parquet files written by DuckDB (an independent writer), registered as a user would:
//   - a 32-bit FLOAT column compares against the literal narrowed to float32 (pandas did);
//   - a float literal against an INT column (with NULLs) compares numerically;
//   - timeframe bounds as ISO-8601 dates, converted with the timestamps' unit (milliseconds,
//     guessed from their magnitude at registration and shown by `info`);
//   - a bound in seconds over millisecond timestamps is refused, naming the digit counts;
//   - the answer leaves out what is absent: no "funnel" without a funnel, no "aggregations"
//     without aggregations.
// Every expected value is computed by hand from the rows below (see each check).
//
//   node tests/e2e/funnel_rocket_compat_test.mjs <path-to-frocket-binary>
import { DuckDBInstance } from '@duckdb/node-api';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { checks } from './checks.mjs';

const binary = process.argv[2];
if (!binary) {
  console.error('usage: node funnel_rocket_compat_test.mjs <frocket-binary>');
  process.exit(2);
}

// 2024-01-31T00:00:00Z in milliseconds (GNU date: 1706659200), and one day.
const JAN31 = 1706659200000;
const DAY = 86400000;
const HOUR = 3600000;
// user_id, ts (ms), g (REAL = float32), n (INTEGER, NULLs), ev
const PARTS = [
  [
    [1, JAN31, 0.1, 3, 'view'],
    [1, JAN31 + DAY, 26.13, null, 'buy'],
    [2, JAN31 + 2 * DAY, 0.2, 5, 'view'],
  ],
  [
    [3, JAN31 + HOUR, 26.12, 2, 'buy'],
    [4, JAN31 + 3 * DAY + 22 * HOUR, 1.5, null, 'view'],
  ],
];

const { check, finish } = checks();

function run(home, args) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FROCKET_')) env[k] = v;
  env.FROCKET_HOME = home;
  return new Promise((resolve) => {
    execFile(binary, args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
      let json = null;
      try { json = JSON.parse(stdout); } catch { /* not JSON */ }
      resolve({ code: error ? (error.code ?? -1) : 0, stdout, stderr, json });
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'frocket-compat-'));
try {
  const data = join(work, 'data');
  mkdirSync(data);
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  for (let p = 0; p < PARTS.length; p++) {
    const values = PARTS[p].map(([u, ts, g, n, ev]) =>
      `(${u}, ${ts}, ${g}::REAL, ${n === null ? 'NULL' : n}, '${ev}')`).join(', ');
    await db.run(`COPY (SELECT * FROM (VALUES ${values}) t(user_id, ts, g, n, ev)
                  ORDER BY ts) TO '${join(data, `part-${p}.parquet`)}' (FORMAT PARQUET)`);
  }
  const home = join(work, 'home');
  const reg = await run(home, ['register', 'compat', data, 'user_id', 'ts', '--nopretty']);
  check('register', reg.code === 0 && reg.json?.success === true, reg.stdout + reg.stderr);

  const query = async (q) => run(home, ['run', 'compat', '--string', JSON.stringify(q), '--nopretty']);
  const counts = (r) => r.json?.query ? `${r.json.query.matchingGroups}/${r.json.query.matchingGroupRows}` : `exit ${r.code}: ${r.stdout} ${r.stderr}`;
  const expectCounts = async (name, q, expected) => {
    const r = await query(q);
    check(name, counts(r) === expected, `expected groups/rows ${expected}, got ${counts(r)}`);
    return r;
  };

  // Counts are groups / all rows of those groups. g holds 0.1f in u1's first row; in float32
  // the literal 0.1 is that same float (in double it is not): u1, with its 2 rows.
  await expectCounts('float32 == 0.1 matches the stored 0.1f',
    { query: { conditions: [{ filter: ['g', '==', 0.1] }] } }, '1/2');
  // 26.13f = 26.1299991607666 >= float32(26.13) (u1); 26.12f = 26.1200008392334 is not (u3).
  await expectCounts('float32 >= 26.13 matches the stored 26.13f only',
    { query: { conditions: [{ filter: ['g', '>=', 26.13] }] } }, '1/2');
  // n: 3 (u1), NULL (u1), 5 (u2), 2 (u3), NULL (u4): n > 2.5 -> u1 (2 rows), u2 (1 row).
  await expectCounts('float literal against an INT column with NULLs',
    { query: { conditions: [{ filter: ['n', '>', 2.5] }] } }, '2/3');
  // [2024-02-01, 2024-02-03): u1's buy (Feb 1), u2's view (Feb 2); u4 is Feb 3 22:00.
  await expectCounts('ISO-8601 timeframe in milliseconds',
    { timeframe: { from: '2024-02-01', to: '2024-02-03' } }, '2/2');
  // 2024-01-31T00:30Z..: u3's row at 01:00 and everything later but u1's first row.
  await expectCounts('ISO-8601 date-time with an offset',
    { timeframe: { from: '2024-01-31T02:30:00+02:00' } }, '4/4');

  // Dates before 1970 and finer than the unit convert to bounds a number could not be
  // (negative; half a millisecond), and the parts take them: everything is after 1969-12-31.
  await expectCounts('an ISO-8601 date before 1970',
    { timeframe: { from: '1969-12-31' } }, '4/5');
  // From JAN31 + 0.5 ms: u1's first row (at JAN31) is out, every other row in.
  await expectCounts('an ISO-8601 date-time finer than the unit',
    { timeframe: { from: '2024-01-31T00:00:00.0005Z' } }, '4/4');
  // A relation whose expanded form ("not $0 and not $1 ...") is longer than the 10,000
  // characters allowed to what the user writes (6,188 here): no row is "nothing", so every
  // condition is false and every group matches.
  const many = Array.from({ length: 900 }, () => ({ filter: ['ev', '==', 'nothing'] }));
  const relation = many.map((_, i) => `!$${i}`).join('&&');
  await expectCounts('a relation longer once expanded',
    { query: { relation, conditions: many } }, '4/5');
  // An integer beyond int64 against an INT column compares numerically: every non-NULL n.
  await expectCounts('an INT column against an integer beyond int64',
    { query: { conditions: [{ filter: ['n', '<', 18446744073709551615] }] } }, '3/4');

  // A value no row holds answers 0, with a warning naming the value held nearest.
  const miss = await query({ query: { conditions: [{ filter: ['ev', '==', 'View'] }] } });
  check('a value no row holds is warned about, naming the nearest',
    counts(miss) === '0/0' && JSON.stringify(miss.json?.warnings) === JSON.stringify([
      "no row holds 'View' in column 'ev', so a filter on it matches nothing; the nearest values are 'view'"]) &&
      /frocket: warning: no row holds 'View'/.test(miss.stderr),
    `${miss.stdout} ${miss.stderr}`);
  const hit = await query({ query: { conditions: [{ filter: ['ev', '==', 'view'] }] } });
  check('a value held is not warned about', hit.json?.success === true && !('warnings' in hit.json), hit.stdout);

  const seconds = await query({ timeframe: { from: JAN31 / 1000 } });
  check('a bound in seconds over millisecond timestamps is refused',
    seconds.code !== 0 && /has 10 digits.*has 13/.test(seconds.json?.errorMessage ?? '') &&
      /milliseconds/.test(seconds.json?.errorMessage ?? ''),
    `exit ${seconds.code}: ${seconds.stdout}`);

  const empty = await query({});
  check('an answer without a funnel has no "funnel" key',
    empty.json?.success === true && !('funnel' in empty.json) && !('aggregations' in (empty.json?.query ?? {})),
    empty.stdout);
  const emptyAggs = await query({ query: { aggregations: [] } });
  check('aggregations: [] is left out of the answer',
    emptyAggs.json?.success === true && !('aggregations' in emptyAggs.json.query), emptyAggs.stdout);

  const info = await run(home, ['info', 'compat', '--nopretty']);
  const ts = info.json?.timestamps;
  check('info shows the unit and the dates of the timestamps',
    ts?.unit === 'milliseconds' && ts?.unitDeclared === false && ts?.min === '2024-01-31T00:00:00Z' &&
      ts?.max === '2024-02-03T22:00:00Z', info.stdout);
  const table = await run(home, ['info', 'compat']);
  check('info (table) shows the unit and dates',
    /timestamp unit\s+milliseconds \(guessed/.test(table.stdout) &&
      /min timestamp\s+1706659200000 \(2024-01-31T00:00:00Z\)/.test(table.stdout), table.stdout);
} finally {
  rmSync(work, { recursive: true, force: true });
}
finish();
