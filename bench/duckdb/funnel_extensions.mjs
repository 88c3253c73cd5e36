// bench/funnel_extensions.sh's driver: the funnel extensions of DESIGN.md §3b, warm, frocket
// beside DuckDB's SQL for the same answer (over an in-memory table of the columns used: its
// warm path), on the generated 20M-row dataset. For each query: frocket's warm job time over
// REPETITIONS rounds and DuckDB's over REPETITIONS runs, min and median; frocket's ratio to
// the plain funnel of the same round; whether both computed the same answer.
// Usage: node funnel_extensions.mjs FROCKET DATASET DIR REPETITIONS
import { DuckDBInstance } from '@duckdb/node-api';
import { execFile } from 'node:child_process';
import { funnelSql, timeSql } from './common.mjs';

const [frocket, dataset, dir, repsArg] = process.argv.slice(2);
const reps = Number(repsArg ?? 5);
const DAY = 86400000;  // the generated timestamps are milliseconds

const step = (e) => ({ filter: ['event_type', '==', e] });
const sequence = [step('pageview'), step('addtocart'), step('purchase')];

// Per step: users reaching it and all their rows, from tables s1, s2, s3 (user_id) over t.
const stepCounts = `
  r AS (SELECT user_id, count(*) AS n FROM t GROUP BY 1)
  SELECT (SELECT count(*) FROM s1), (SELECT sum(n) FROM r JOIN s1 USING (user_id)),
         (SELECT count(*) FROM s2), (SELECT sum(n) FROM r JOIN s2 USING (user_id)),
         (SELECT count(*) FROM s3), (SELECT sum(n) FROM r JOIN s3 USING (user_id))`;
// The plain funnel's greedy chain: each step's earliest row after the previous step's.
const greedy = `
  s1 AS (SELECT user_id, min(ts) AS t FROM t WHERE event_type = 'pageview' GROUP BY 1),
  s2 AS (SELECT t.user_id, min(t.ts) AS t FROM t JOIN s1 USING (user_id)
         WHERE t.event_type = 'addtocart' AND t.ts > s1.t GROUP BY 1),
  s3 AS (SELECT t.user_id, min(t.ts) AS t FROM t JOIN s2 USING (user_id)
         WHERE t.event_type = 'purchase' AND t.ts > s2.t GROUP BY 1)`;
const stepsFrom = (response) => response.funnel.sequence.flatMap((s) => [s.matchingGroups, s.matchingGroupRows]);

const QUERIES = [
  {
    name: 'plain',
    query: { funnel: { sequence } },
    sql: funnelSql('t'),
    answer: stepsFrom,
  },
  {
    // Any chain within a day: per cart, the latest view before it (its chain's latest start);
    // per purchase, the latest valid cart before it (whose start is then the latest: starts
    // grow with the cart's time). ASOF joins give "the latest before".
    name: 'maxDuration 1d',
    query: { funnel: { maxDuration: '1d', sequence } },
    sql: `WITH s1 AS (SELECT DISTINCT user_id FROM t WHERE event_type = 'pageview'),
      v AS (SELECT user_id, ts FROM t WHERE event_type = 'pageview'),
      c AS (SELECT user_id, ts FROM t WHERE event_type = 'addtocart'),
      p AS (SELECT user_id, ts FROM t WHERE event_type = 'purchase'),
      cs AS (SELECT c.user_id, c.ts, v.ts AS start FROM c ASOF JOIN v
             ON c.user_id = v.user_id AND c.ts > v.ts WHERE c.ts - v.ts <= ${DAY}),
      s2 AS (SELECT DISTINCT user_id FROM cs),
      ps AS (SELECT p.user_id FROM p ASOF JOIN cs ON p.user_id = cs.user_id AND p.ts > cs.ts
             WHERE p.ts - cs.start <= ${DAY}),
      s3 AS (SELECT DISTINCT user_id FROM ps), ${stepCounts}`,
    answer: stepsFrom,
  },
  {
    // No search between the cart and the purchase: per purchase, the latest cart after the
    // first view, and no search after that cart and before the purchase.
    name: 'exclusion',
    query: { funnel: { sequence: [sequence[0], sequence[1], { ...step('search'), rowFound: false }, sequence[2]] } },
    sql: `WITH ${greedy.replace(/,\s*s3 AS[\s\S]*$/, '')},
      c AS (SELECT t.user_id, t.ts FROM t JOIN s1 USING (user_id)
            WHERE t.event_type = 'addtocart' AND t.ts > s1.t),
      p AS (SELECT user_id, ts FROM t WHERE event_type = 'purchase'),
      x AS (SELECT user_id, ts FROM t WHERE event_type = 'search'),
      pc AS (SELECT p.user_id, p.ts, c.ts AS cart FROM p ASOF JOIN c ON p.user_id = c.user_id AND p.ts > c.ts),
      px AS (SELECT pc.user_id, pc.cart, x.ts AS search FROM pc ASOF LEFT JOIN x
             ON pc.user_id = x.user_id AND pc.ts > x.ts),
      s3 AS (SELECT DISTINCT user_id FROM px WHERE search IS NULL OR search <= cart), ${stepCounts}`,
    answer: stepsFrom,
  },
  {
    // No other row between neighbouring steps: steps at consecutive distinct timestamps.
    name: 'order strict',
    query: { funnel: { order: 'strict', sequence } },
    sql: `WITH d AS (SELECT user_id, ts, dense_rank() OVER (PARTITION BY user_id ORDER BY ts) AS k
                     FROM (SELECT DISTINCT user_id, ts FROM t)),
      e AS (SELECT t.user_id, t.event_type, d.k FROM t JOIN d USING (user_id, ts)),
      v AS (SELECT DISTINCT user_id, k FROM e WHERE event_type = 'pageview'),
      c AS (SELECT DISTINCT user_id, k FROM e WHERE event_type = 'addtocart'),
      p AS (SELECT DISTINCT user_id, k FROM e WHERE event_type = 'purchase'),
      s1 AS (SELECT DISTINCT user_id FROM v),
      vc AS (SELECT c.user_id, c.k FROM v JOIN c ON c.user_id = v.user_id AND c.k = v.k + 1),
      s2 AS (SELECT DISTINCT user_id FROM vc),
      s3 AS (SELECT DISTINCT p.user_id FROM vc JOIN p ON p.user_id = vc.user_id AND p.k = vc.k + 1),
      ${stepCounts}`,
    answer: stepsFrom,
  },
  {
    // The first step's country: the least among the views at the earliest view's time.
    name: 'breakdown by country',
    query: { funnel: { breakdown: { column: 'country', top: 20 }, sequence } },
    sql: `WITH ${greedy},
      b AS (SELECT s1.user_id, min(t.country) AS value FROM s1 JOIN t ON t.user_id = s1.user_id
            AND t.ts = s1.t AND t.event_type = 'pageview' GROUP BY 1),
      r AS (SELECT user_id, count(*) AS n FROM t GROUP BY 1)
      SELECT b.value, count(*), sum(r.n),
             count(*) FILTER (WHERE b.user_id IN (SELECT user_id FROM s2)),
             count(*) FILTER (WHERE b.user_id IN (SELECT user_id FROM s3))
      FROM b JOIN r USING (user_id) GROUP BY 1 ORDER BY 2 DESC, 1 NULLS LAST`,
    all: true,
    answer: (response) => response.funnel.breakdown.buckets.map((b) => [b.value,
      b.sequence[0].matchingGroups, b.sequence[0].matchingGroupRows,
      b.sequence[1].matchingGroups, b.sequence[2].matchingGroups]),
  },
  {
    // The greedy chain's times: from the view to the cart, and from the cart to the purchase.
    name: 'timeToConvert',
    query: { funnel: { timeToConvert: true, sequence } },
    sql: `WITH ${greedy}
      SELECT count(*), avg(s2.t - s1.t), min(s2.t - s1.t), max(s2.t - s1.t),
             quantile_disc(s2.t - s1.t, 0.5),
             (SELECT count(*) FROM s3), (SELECT avg(s3.t - s2.t) FROM s3 JOIN s2 USING (user_id))
      FROM s2 JOIN s1 USING (user_id)`,
    answer: (response) => {
      const a = response.funnel.sequence[1].timeToConvert.fromPrevious;
      const b = response.funnel.sequence[2].timeToConvert.fromPrevious;
      return [a.count, a.mean, a.min, a.max, a.p50, b.count, b.mean];
    },
    tolerance: [0, 1e-9, 0, 0, 0.01, 0, 1e-9],  // p50: the sketch's stated relative error
  },
  {
    // The buyers' ids, all of them, in order (what --groups-out writes).
    name: 'audience: buyers, all ids',
    query: { funnel: { sequence }, groups: { of: 'step', step: 2, limit: 'all' } },
    sql: `WITH ${greedy} SELECT list(user_id ORDER BY user_id) FROM s3`,
    answer: (response) => [response.groups.ids],
  },
];

function runFrocket(query, runs) {
  return new Promise((resolve, reject) => {
    execFile(frocket, ['run', dataset, '--string', JSON.stringify(query), '--repeat', String(runs),
      '--nopretty'], { maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`frocket failed: ${stderr.slice(-2000)}`));
      // "run N: S s" on stderr; the first run loads the parts.
      const times = [...stderr.matchAll(/^run (\d+): ([\d.]+) s/gm)]
        .filter((m) => Number(m[1]) > 1).map((m) => Number(m[2]));
      resolve({ times, response: JSON.parse(stdout) });
    });
  });
}

async function runDuckDB(conn, sql, all) {
  const { times, result } = await timeSql(conn, sql, reps);
  const rows = result.getRowsJS();
  return { times, answer: all ? rows : rows[0] };
}

const normalize = (v) => (typeof v === 'bigint' ? Number(v) : Array.isArray(v) ? v.map(normalize) : v);
function same(a, b, tolerance = []) {
  a = normalize(a); b = normalize(b);
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((x, i) => {
    if (Array.isArray(x)) return same(x, b[i]);
    const y = b[i];
    if (x === y) return true;
    if (typeof x !== 'number' || typeof y !== 'number') return false;
    return Math.abs(x - y) <= Math.max(tolerance[i] ?? 0, 1e-12) * Math.max(Math.abs(x), Math.abs(y));
  });
}
const stats = (times) => {
  const sorted = [...times].sort((x, y) => x - y);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)] };
};

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
await conn.run(`CREATE TABLE t AS SELECT user_id, ts, event_type, country
                FROM read_parquet('${dir.replaceAll("'", "''")}/*.parquet')`);
console.log('| query | frocket min / median s | × plain: median of rounds (min–max) | DuckDB in memory min / median s | DuckDB / frocket (min) | (median) | same answer |');
console.log('|---|---|---|---|---|---|---|');
// frocket in rounds, each query once a round (a new process: its first run loads the parts,
// then two warm runs, the faster kept): on a noisy machine a slow spell then slows every
// query of a round alike, and each query's time is compared with the plain funnel's of the
// same round.
const warm = QUERIES.map(() => []);
const responses = [];
for (let round = 0; round < reps; ++round) {
  for (const [i, q] of QUERIES.entries()) {
    const f = await runFrocket(q.query, 3);
    warm[i].push(Math.min(...f.times));
    responses[i] = f.response;
  }
}
const plainIndex = QUERIES.findIndex((q) => q.name === 'plain');
for (const [i, q] of QUERIES.entries()) {
  const d = await runDuckDB(conn, q.sql, q.all);
  const fs = stats(warm[i]), ds = stats(d.times);
  const ratios = warm[i].map((t, round) => t / warm[plainIndex][round]);
  const rs = stats(ratios);
  const ok = same(q.answer(responses[i]), d.answer, q.tolerance);
  console.log(`| ${q.name} | ${fs.min.toFixed(4)} / ${fs.median.toFixed(4)} | ` +
    `${rs.median.toFixed(2)} (${rs.min.toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ` +
    `${ds.min.toFixed(4)} / ${ds.median.toFixed(4)} | ${(ds.min / fs.min).toFixed(1)} | ` +
    `${(ds.median / fs.median).toFixed(1)} | ${ok ? 'yes' : 'NO'} |`);
  if (!ok) {
    console.log(`  frocket: ${JSON.stringify(normalize(q.answer(responses[i]))).slice(0, 400)}`);
    console.log(`  duckdb:  ${JSON.stringify(normalize(d.answer)).slice(0, 400)}`);
  }
}
