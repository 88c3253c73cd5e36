// Differential test: frocket vs DuckDB.
//
//   node tests/differential/differential_test.mjs <path-to-frocket-binary>
//
// 1. Generates (deterministically, hash-based, no Math.random) a synthetic user-activity dataset
//    with DuckDB SQL and writes it as several Parquet files partitioned by user (snappy and
//    zstd, several row groups per file, rows not in timestamp order but in one file).
// 2. Runs a set of frocket queries through `frocket query FILE... --string JSON --nopretty`, and
//    through the files registered as a dataset with the transcoded cache on: `frocket run` twice,
//    the first run reading the files and storing the parts in frocket's layout, the second
//    reading them back from the cache (its stats must say so).
// 3. Computes the expected response of every query independently, with hand-written DuckDB SQL
//    that follows the normative semantics of DESIGN.md section 3 (never from frocket's output).
// 4. Compares: counts exactly, per-value maps exactly (the full top-N selection), float sums
//    and means with a relative tolerance of 1e-9. Prints one line per query and a summary, and
//    exits with status 1 if anything failed.

import { DuckDBInstance } from '@duckdb/node-api';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FLOAT_REL_TOL, DEFAULT_TOP, show, rows, num, ALL, cnt, sum, seq, rel, in_, floatKey, makeKeyFormatter, aggregationList, expectedAggregations, groupCounts, expectedResponse, approxEqual, compareAggregations, compareCounts, compareResponse,
} from '../support/duckdb_oracle.mjs';

const FROCKET_CONCURRENCY = 2;
const FROCKET_TIMEOUT_MS = 60_000;

// Column types of the generated dataset, as frocket sees them (used to format per-value keys).
const COLUMN_TYPES = {
  user_id: 'INT', ts: 'INT', event: 'STRING', price: 'FLOAT', qty: 'INT',
  is_mobile: 'BOOL', country: 'STRING', url: 'STRING', score: 'FLOAT', ratio: 'FLOAT',
};
// Aggregation keys as frocket writes them, by the column's type.
const formatKey = makeKeyFormatter(COLUMN_TYPES);

// ------------------------------------------------------------------------------------------
// Dataset generation
// ------------------------------------------------------------------------------------------

const NUM_USERS = 3000;
const NUM_PARTS = 5; // parts 0..3 snappy (part 3 in format v2), part 4 zstd
const ROW_GROUP_SIZE = 10000;

// All randomness comes from DuckDB's hash() of (user, row index, salt): deterministic.
const GENERATE_SQL = `
CREATE TABLE users AS
SELECT u,
       -- ids of 1 to 8 digits, so numeric and string orders differ (key tie-breaking)
       1 + u + 7 * u * u AS user_id,
       -- skewed activity: ~20% of users have a single row, a few have ~600
       (1 + floor(600 * pow((hash(u, 'n') % 1000003)::DOUBLE / 1000003.0, 4)))::BIGINT AS n,
       -- per-user start, a multiple of one minute within ~10 days
       1700000000000 + 60000 * (hash(u, 'base') % 14400)::BIGINT AS base,
       list_element(['US','US','US','GB','DE','FR','IL','JP','BR','IN','CA','ES'],
                    (hash(u, 'home') % 12)::INTEGER + 1) AS home_country,
       (hash(u, 'part') % ${NUM_PARTS})::INTEGER AS part
FROM range(${NUM_USERS}) t(u);

CREATE TABLE events AS
WITH x AS (
  SELECT u, user_id, n, base, home_country, part, unnest(range(n)) AS i FROM users
), y AS (
  SELECT *,
         (hash(u, i, 'ev') % 100)::INTEGER AS he,
         -- n rows spread over 2n+1 ten-minute slots: ~20% of rows share a timestamp
         base + 600000 * (hash(u, i, 'ts') % (2 * n + 1))::BIGINT AS ts,
         hash(u, i, 'order') AS ord
  FROM x
), z AS (
  SELECT *,
         CASE WHEN he < 45 THEN 'pageview' WHEN he < 65 THEN 'click' WHEN he < 77 THEN 'search'
              WHEN he < 89 THEN 'addtocart' WHEN he < 95 THEN 'purchase' ELSE 'signup' END AS event
  FROM y
)
SELECT part, ord, user_id,
  -- part 1: timestamps cut to the hour, so that they tie heavily and DuckDB writes them
  -- dictionary-encoded, in a part whose rows are not in timestamp order (pyarrow's and
  -- Spark's layout; checked below)
  CASE WHEN part = 1 THEN ts - ts % 3600000 ELSE ts END AS ts, event,
  CASE WHEN event IN ('addtocart', 'purchase') THEN
         CASE WHEN hash(u, i, 'pn') % 10 = 0 THEN NULL
              ELSE (hash(u, i, 'pv') % 50000)::DOUBLE / 100 END
       WHEN event = 'signup' THEN -- some negative values (never -0.0)
         CASE WHEN hash(u, i, 'pn') % 100 < 70 THEN NULL
              ELSE -(1 + hash(u, i, 'pv') % 1000)::DOUBLE / 100 END
       ELSE
         CASE WHEN hash(u, i, 'pn') % 100 < 85 THEN NULL
              ELSE (hash(u, i, 'pv') % 2000)::DOUBLE / 100 END
  END AS price,
  CASE WHEN hash(u, i, 'qn') % 100 < 12 THEN NULL
       WHEN event = 'purchase' THEN (1 + hash(u, i, 'qv') % 10)::INTEGER
       ELSE (1 + hash(u, i, 'qv') % 5)::INTEGER END AS qty,
  CASE WHEN hash(u, i, 'mn') % 10 = 0 THEN NULL
       ELSE hash(u, i, 'mv') % 100 < 45 END AS is_mobile,
  CASE WHEN hash(u, i, 'cn') % 100 < 5 THEN NULL
       WHEN hash(u, i, 'cn') % 100 < 6 THEN ''
       WHEN hash(u, i, 'cn') % 100 < 10 THEN
         list_element(['US','GB','DE','FR','IL','JP','BR','IN','CA','ES','MX','NL'],
                      (hash(u, i, 'cv') % 12)::INTEGER + 1)
       ELSE home_country END AS country,
  CASE event
    WHEN 'pageview' THEN '/product/' || (hash(u, i, 'uv') % 3000)::VARCHAR
    WHEN 'click' THEN '/category/' ||
         list_element(['shoes','bags','hats','shirts','pants','socks','watches','toys'],
                      (hash(u, i, 'uv') % 8)::INTEGER + 1) || '/' || (hash(u, i, 'uw') % 40)::VARCHAR
    WHEN 'search' THEN '/search?q=' ||
         list_element(['sale','shoes','shoe laces','bag','red hat','blue shirt','pants','socks',
                       'watch','toy car','gift','summer sale','winter','kids','men','women',
                       'sneakers','boots','sandals','jeans','café','Zürich','日本','émigré'],
                      (hash(u, i, 'uv') % 24)::INTEGER + 1)
    WHEN 'addtocart' THEN '/cart/add/' || (hash(u, i, 'uv') % 3000)::VARCHAR
    WHEN 'purchase' THEN '/checkout/complete?order=' || (hash(u, i, 'uv') % 500)::VARCHAR
    ELSE '/signup' END AS url,
  -- DOUBLE of very different magnitudes (formatting of float keys)
  CASE WHEN hash(u, i, 'sn') % 100 < 60 THEN NULL
       WHEN hash(u, i, 'sn') % 100 < 70 THEN
         list_element([100000.0, 0.0001, 0.00025, 1e16, 123456789.0, 1.5e-7, 1e22, 2.5e-5,
                       5e-324, 4.0]::DOUBLE[], (hash(u, i, 'sv') % 10)::INTEGER + 1)
       ELSE (hash(u, i, 'sv') % 1000)::DOUBLE / 8 END AS score,
  -- single-precision FLOAT (read as double: 0.1f is 0.10000000149011612)
  CASE WHEN hash(u, i, 'rn') % 100 < 20 THEN NULL
       ELSE ((hash(u, i, 'rv') % 30)::DOUBLE / 10)::FLOAT END AS ratio
FROM z;
`;

function sqlString(s) {
  return `'${String(s).replace(/'/g, "''")}'`;
}

async function generateDataset(conn, dir) {
  await conn.run(GENERATE_SQL);
  const files = [];
  for (let p = 0; p < NUM_PARTS; p++) {
    const file = join(dir, `part-${String(p).padStart(5, '0')}.parquet`);
    const codec = p === NUM_PARTS - 1 ? 'zstd' : 'snappy';
    // One snappy file in Parquet format version 2 (data page v2, delta encodings).
    const version = p === NUM_PARTS - 2 ? ', PARQUET_VERSION V2' : '';
    // Rows in hash order: users interleaved, timestamps not sorted; part 0 in time order (what
    // DuckDB writes from time-ordered input), so that a timeframe skips its row groups by
    // their statistics (checked below).
    const order = p === 0 ? 'ts, ord' : 'ord';
    await conn.run(`COPY (SELECT user_id, ts, event, price, qty, is_mobile, country, url, score, ratio
                          FROM events WHERE part = ${p} ORDER BY ${order})
                    TO ${sqlString(file)}
                    (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE ${ROW_GROUP_SIZE}${version})`);
    files.push(file);
  }
  await conn.run(`CREATE VIEW ev AS SELECT * FROM read_parquet([${files.map(sqlString).join(', ')}])`);
  return files;
}

// ------------------------------------------------------------------------------------------
// The queries
// ------------------------------------------------------------------------------------------

function defineCases(T) {
  const cases = [];
  const add = (name, query, spec = {}) => cases.push({ name, query, ...spec });
  const f = (column, op, value) => ({ column, op, value });

  add('empty_query', {});

  add('all_groups_aggregations', {
    query: {
      aggregations: {
        columns: [
          { column: 'event' },
          { column: 'country', type: 'countPerValue' },
          { column: 'price', type: 'count', name: 'prices' },
          { column: 'is_mobile', type: 'groupsPerValue' },
        ],
      },
    },
  });

  add('string_eq', { query: { conditions: [{ filter: ['event', '==', 'purchase'] }] } },
    { groups: cnt(`event = 'purchase'`) });

  add('string_ne_null_is_true', {
    query: { conditions: [{ filter: ['country', '!=', 'US'], target: ['count', '>', 50] }] },
  }, { groups: cnt(`country IS DISTINCT FROM 'US'`, '>', 50) });

  add('string_gt_verbose_filter', {
    query: { conditions: [{ filter: f('url', '>', '/search?q=s'), target: ['count', '>=', 3] }] },
  }, { groups: cnt(`url > '/search?q=s'`, '>=', 3) });

  add('string_le_nullable', {
    query: { conditions: [{ filter: ['country', '<=', 'DE'], target: ['count', '>=', 10] }] },
  }, { groups: cnt(`country <= 'DE'`, '>=', 10) });

  add('string_lt_and_ge', {
    query: {
      conditions: [
        { filter: ['country', '<', 'FR'], target: ['count', '==', 2] },
        { filter: ['url', '>=', '/signup'] },
      ],
    },
  }, { groups: rel(`${in_(cnt(`country < 'FR'`, '=', 2))} AND ${in_(cnt(`url >= '/signup'`))}`) });

  add('string_contains', {
    query: { conditions: [{ filter: ['url', 'contains', 'shoes'], target: ['count', '>=', 2] }] },
  }, { groups: cnt(`contains(url, 'shoes')`, '>=', 2) });

  add('string_not_contains_null_is_true', {
    query: { conditions: [{ filter: ['country', 'not contains', 'U'], target: ['count', '>=', 40] }] },
  }, { groups: cnt(`(country IS NULL OR NOT contains(country, 'U'))`, '>=', 40) });

  add('string_regex_anchored', {
    query: { conditions: [{ filter: ['url', 'regex', '^/category/(shoes|bags)/1[0-9]$'] }] },
  }, { groups: cnt(`regexp_matches(url, '^/category/(shoes|bags)/1[0-9]$')`) });

  add('string_regex_partial_or', {
    query: {
      relation: 'or',
      conditions: [
        { filter: ['country', 'regex', '[SN]'], target: ['count', '>=', 5] },
        { filter: ['url', 'regex', 'q=(sale|shoe)'] },
      ],
    },
  }, {
    groups: rel(`${in_(cnt(`regexp_matches(country, '[SN]')`, '>=', 5))}
                 OR ${in_(cnt(`regexp_matches(url, 'q=(sale|shoe)')`))}`),
  });

  add('int_eq', {
    query: { conditions: [{ filter: ['qty', '==', 3], target: ['count', '>=', 5] }] },
  }, { groups: cnt('qty = 3', '>=', 5) });

  add('int_ne_null_is_true', {
    query: { conditions: [{ filter: ['qty', '!=', 3], target: ['count', '<', 5] }] },
  }, { groups: cnt('qty IS DISTINCT FROM 3', '<', 5) });

  add('int_gt', {
    query: { conditions: [{ filter: ['qty', '>', 3], target: ['count', '>=', 10] }] },
  }, { groups: cnt('qty > 3', '>=', 10) });

  add('int_ge_lt_le_relation_or', {
    query: {
      relation: '||',
      conditions: [
        { filter: ['qty', '>=', 5], target: ['count', '>=', 8] },
        { filter: ['qty', '<', 2], target: ['count', '>=', 8] },
        { filter: ['qty', '<=', 1], target: ['count', '==', 3] },
      ],
    },
  }, {
    groups: rel(`${in_(cnt('qty >= 5', '>=', 8))} OR ${in_(cnt('qty < 2', '>=', 8))}
                 OR ${in_(cnt('qty <= 1', '=', 3))}`),
  });

  // An INT column against constants with a fraction: compared exactly, NULL matching only !=.
  add('int_vs_fraction', {
    query: {
      relation: 'or',
      conditions: [
        { filter: ['qty', '>', 2.5], target: ['count', '>=', 6] },
        { filter: ['qty', '<=', 1.5], target: ['count', '>=', 4] },
        { filter: ['qty', '!=', 3.5], target: ['count', '<', 4] },
      ],
    },
  }, {
    groups: rel(`${in_(cnt('qty > 2.5', '>=', 6))} OR ${in_(cnt('qty <= 1.5', '>=', 4))}
                 OR ${in_(cnt('qty IS DISTINCT FROM 3.5', '<', 4))}`),
  });

  add('float_gt', {
    query: { conditions: [{ filter: ['price', '>', 400.5], target: ['count', '>=', 2] }] },
  }, { groups: cnt('price > 400.5', '>=', 2) });

  add('float_eq', {
    query: { conditions: [{ filter: ['price', '==', 12.34] }] },
  }, { groups: cnt('price = 12.34') });

  add('float_ne_null_is_true', {
    query: { conditions: [{ filter: ['price', '!=', 12.34], target: ['count', '<=', 3] }] },
  }, { groups: cnt('price IS DISTINCT FROM 12.34', '<=', 3) });

  add('float_ge_le_relation_or', {
    query: {
      relation: 'or',
      conditions: [
        { filter: ['price', '>=', 499.5] },
        { filter: ['price', '<=', 0.05], target: ['count', '>=', 1] },
      ],
    },
  }, { groups: rel(`${in_(cnt('price >= 499.5'))} OR ${in_(cnt('price <= 0.05'))}`) });

  add('bool_eq_true', {
    query: { conditions: [{ filter: ['is_mobile', '==', true], target: ['count', '>=', 20] }] },
  }, { groups: cnt('is_mobile = true', '>=', 20) });

  add('bool_ne_true_null_is_true', {
    query: { conditions: [{ filter: ['is_mobile', '!=', true], target: ['count', '==', 2] }] },
  }, { groups: cnt('is_mobile IS DISTINCT FROM true', '=', 2) });

  add('bool_eq_false_include_zero', {
    query: {
      conditions: [{ filter: ['is_mobile', '==', false], target: ['count', '<', 2], includeZero: true }],
    },
  }, { groups: cnt('is_mobile = false', '<', 2, true) });

  add('multi_filter_same_row', {
    query: {
      relation: '&&',
      conditions: [
        { filters: [f('event', '==', 'purchase'), f('price', '>', 200), f('is_mobile', '==', true)] },
        { filters: [f('event', '==', 'search'), f('country', '!=', 'US')], target: ['count', '>=', 2] },
      ],
    },
  }, {
    groups: rel(`${in_(cnt(`event = 'purchase' AND price > 200 AND is_mobile = true`))}
                 AND ${in_(cnt(`event = 'search' AND country IS DISTINCT FROM 'US'`, '>=', 2))}`),
  });

  add('count_eq_zero', {
    query: { conditions: [{ filter: ['event', '==', 'purchase'], target: ['count', '==', 0] }] },
  }, { groups: cnt(`event = 'purchase'`, '=', 0, true) });

  add('count_lt_without_include_zero', {
    query: { conditions: [{ filter: ['event', '==', 'addtocart'], target: ['count', '<', 3] }] },
  }, { groups: cnt(`event = 'addtocart'`, '<', 3, false) });

  add('count_lt_with_include_zero', {
    query: {
      conditions: [{
        filter: ['event', '==', 'addtocart'],
        target: { type: 'count', op: '<', value: 3 },
        includeZero: true,
      }],
    },
  }, { groups: cnt(`event = 'addtocart'`, '<', 3, true) });

  add('count_ne', {
    query: { conditions: [{ filter: ['event', '==', 'signup'], target: ['count', '!=', 1] }] },
  }, { groups: cnt(`event = 'signup'`, '<>', 1) });

  add('sum_int_gt', {
    query: { conditions: [{ filter: ['event', '==', 'purchase'], target: ['sum', 'qty', '>', 20] }] },
  }, { groups: sum(`event = 'purchase'`, 'qty', '>', 20) });

  add('sum_double_ge_verbose', {
    query: {
      conditions: [{
        filter: ['event', '==', 'addtocart'],
        target: { type: 'sum', column: 'price', op: '>=', value: 1000.005 },
      }],
    },
  }, { groups: sum(`event = 'addtocart'`, 'price', '>=', 1000.005) });

  add('sum_over_mostly_nulls_lt', {
    query: { conditions: [{ filter: ['event', '==', 'pageview'], target: ['sum', 'price', '<', 5.005] }] },
  }, { groups: sum(`event = 'pageview'`, 'price', '<', 5.005) });

  add('sum_eq_le_ne_relation', {
    query: {
      relation: '$0 || ($1 && $2)',
      conditions: [
        { filter: ['event', '==', 'purchase'], target: ['sum', 'qty', '==', 5] },
        { filter: ['event', '==', 'addtocart'], target: ['sum', 'price', '<=', 300.005] },
        { filter: ['is_mobile', '==', true], target: ['sum', 'qty', '!=', 0] },
      ],
    },
  }, {
    groups: rel(`${in_(sum(`event = 'purchase'`, 'qty', '=', 5))}
                 OR (${in_(sum(`event = 'addtocart'`, 'price', '<=', 300.005))}
                     AND ${in_(sum('is_mobile = true', 'qty', '<>', 0))})`),
  });

  add('sequence_3_steps', {
    query: {
      conditions: [{
        sequence: [
          { filter: ['event', '==', 'search'] },
          { filter: ['event', '==', 'addtocart'] },
          { filter: ['event', '==', 'purchase'] },
        ],
      }],
    },
  }, { groups: seq([`event = 'search'`, `event = 'addtocart'`, `event = 'purchase'`]) });

  add('sequence_same_step_twice_strict_ts', {
    query: {
      conditions: [{ sequence: [{ filter: ['event', '==', 'signup'] }, { filter: ['event', '==', 'signup'] }] }],
    },
  }, { groups: seq([`event = 'signup'`, `event = 'signup'`]) });

  add('sequence_multi_filter_steps', {
    query: {
      conditions: [{
        sequence: [
          { filters: [f('event', '==', 'addtocart'), f('is_mobile', '==', true)] },
          { filters: [f('event', '==', 'purchase'), f('price', '>', 100)] },
        ],
      }],
    },
  }, { groups: seq([`event = 'addtocart' AND is_mobile = true`, `event = 'purchase' AND price > 100`]) });

  add('relation_named_not_case_insensitive', {
    query: {
      relation: '$buyer or ($SEARCHER and not $Mobile)',
      conditions: [
        { name: 'Buyer', filter: ['event', '==', 'purchase'], target: ['count', '>=', 2] },
        { name: 'searcher', filter: ['event', '==', 'search'], target: ['count', '>=', 5] },
        { name: 'MOBILE', filter: ['is_mobile', '==', true], target: ['count', '>=', 3] },
      ],
    },
  }, {
    groups: rel(`${in_(cnt(`event = 'purchase'`, '>=', 2))}
                 OR (${in_(cnt(`event = 'search'`, '>=', 5))}
                     AND NOT ${in_(cnt('is_mobile = true', '>=', 3))})`),
  });

  add('relation_indexes_bang', {
    query: {
      relation: '$0 && !($1 || $2)',
      conditions: [
        { filter: ['event', '==', 'signup'] },
        { sequence: [{ filter: ['event', '==', 'pageview'] }, { filter: ['event', '==', 'purchase'] }] },
        { filter: ['country', '==', 'US'], target: ['count', '>=', 10] },
      ],
    },
  }, {
    groups: rel(`${in_(cnt(`event = 'signup'`))}
                 AND NOT (${in_(seq([`event = 'pageview'`, `event = 'purchase'`]))}
                          OR ${in_(cnt(`country = 'US'`, '>=', 10))})`),
  });

  add('relation_or_mixed_kinds', {
    query: {
      relation: 'or',
      conditions: [
        { filter: ['event', '==', 'purchase'], target: ['sum', 'qty', '>=', 30] },
        { sequence: [{ filter: ['event', '==', 'signup'] }, { filter: ['event', '==', 'purchase'] }] },
        { filter: ['event', '==', 'click'], target: ['count', '==', 0] },
      ],
    },
  }, {
    groups: rel(`${in_(sum(`event = 'purchase'`, 'qty', '>=', 30))}
                 OR ${in_(seq([`event = 'signup'`, `event = 'purchase'`]))}
                 OR ${in_(cnt(`event = 'click'`, '=', 0, true))}`),
  });

  add('timeframe_empty_query', { timeframe: { from: T.from, to: T.to } });

  add('timeframe_from_only_conditions_aggregations', {
    timeframe: { from: T.from },
    query: {
      conditions: [{ filter: ['event', '==', 'purchase'], target: ['count', '>=', 2] }],
      aggregations: {
        columns: [
          { column: 'event' },
          { column: 'event', type: 'sumPerValue', otherColumn: 'price' },
          { column: 'ts', type: 'count' },
        ],
      },
    },
  }, { groups: cnt(`event = 'purchase'`, '>=', 2) });

  add('timeframe_to_only_count_zero_and_sequence', {
    timeframe: { to: T.to },
    query: {
      conditions: [
        { filter: ['event', '==', 'purchase'], target: ['count', '==', 0] },
        { sequence: [{ filter: ['event', '==', 'search'] }, { filter: ['event', '==', 'addtocart'] }] },
      ],
      aggregations: { columns: [{ column: 'country', type: 'groupsPerValue', top: 4 }] },
    },
  }, {
    groups: rel(`${in_(cnt(`event = 'purchase'`, '=', 0, true))}
                 AND ${in_(seq([`event = 'search'`, `event = 'addtocart'`]))}`),
  });

  add('aggregation_all_types_with_top', {
    query: {
      conditions: [{ filter: ['event', '==', 'purchase'] }],
      aggregations: {
        columns: [
          { column: 'url', type: 'countPerValue', top: 5 },
          { column: 'country', type: 'groupsPerValue', top: 3 },
          { column: 'country', type: 'sumPerValue', otherColumn: 'price', top: 4, name: 'revenue_by_country' },
          { column: 'event', type: 'meanPerValue', otherColumn: 'price' },
          { column: 'is_mobile', type: 'sumPerValue', otherColumn: 'qty' },
          { column: 'price', type: 'countPerValue', top: 7 },
          { column: 'qty', type: 'groupsPerValue' },
          { column: 'country', type: 'meanPerValue', otherColumn: 'qty', top: 20 },
          { column: 'is_mobile', type: 'count' },
          { column: 'qty', type: 'count', name: 'qty_cells' },
          { column: 'qty', type: 'sumPerValue', otherColumn: 'price', top: 3 },
        ],
      },
    },
  }, { groups: cnt(`event = 'purchase'`) });

  add('aggregation_ties_broken_by_key', {
    query: {
      aggregations: {
        columns: [
          { column: 'user_id', type: 'groupsPerValue', top: 5 },
          { column: 'url', type: 'countPerValue', top: 25 },
          { column: 'ts', type: 'countPerValue', top: 6 },
          { column: 'url', type: 'groupsPerValue', top: 12 },
        ],
      },
    },
  });

  add('funnel_2_steps_step_aggregations', {
    funnel: {
      sequence: [{ filter: ['event', '==', 'search'] }, { filter: ['event', '==', 'purchase'] }],
      stepAggregations: {
        columns: [{ column: 'event', type: 'groupsPerValue' }, { column: 'price', type: 'count' }],
      },
    },
  }, { funnel: [`event = 'search'`, `event = 'purchase'`] });

  add('funnel_3_steps_over_query_conditions', {
    query: {
      conditions: [{ filter: ['country', '==', 'US'], target: ['count', '>=', 5] }],
      aggregations: { columns: [{ column: 'event', type: 'countPerValue' }] },
    },
    funnel: {
      sequence: [
        { filter: ['event', '==', 'pageview'] },
        { filter: ['event', '==', 'addtocart'] },
        { filter: ['event', '==', 'purchase'] },
      ],
      stepAggregations: { columns: [{ column: 'country', type: 'groupsPerValue', top: 3 }] },
      endAggregations: {
        columns: [
          { column: 'url', type: 'countPerValue', top: 5 },
          { column: 'event', type: 'meanPerValue', otherColumn: 'qty' },
        ],
      },
    },
  }, {
    groups: cnt(`country = 'US'`, '>=', 5),
    funnel: [`event = 'pageview'`, `event = 'addtocart'`, `event = 'purchase'`],
  });

  add('funnel_4_steps_timeframe_and_conditions', {
    timeframe: { from: T.from, to: T.to },
    query: {
      conditions: [{ filter: ['is_mobile', '==', true], target: ['count', '>=', 2] }],
      aggregations: { columns: [{ column: 'price', type: 'count' }] },
    },
    funnel: {
      sequence: [
        { filter: ['event', '==', 'pageview'] },
        { filter: ['event', '==', 'click'] },
        { filter: ['event', '==', 'addtocart'] },
        { filter: ['event', '==', 'purchase'] },
      ],
      stepAggregations: { columns: [{ column: 'qty' }] },
      endAggregations: {
        columns: [
          { column: 'is_mobile', type: 'countPerValue' },
          { column: 'country', type: 'sumPerValue', otherColumn: 'price' },
        ],
      },
    },
  }, {
    groups: cnt('is_mobile = true', '>=', 2),
    funnel: [`event = 'pageview'`, `event = 'click'`, `event = 'addtocart'`, `event = 'purchase'`],
  });

  add('funnel_multi_filter_regex_contains_steps', {
    funnel: {
      sequence: [
        { filters: [f('url', 'contains', 'shoe'), f('is_mobile', '!=', true)] },
        { filter: ['url', 'regex', '^/cart/add/[0-9]+$'] },
        { filters: [f('event', '==', 'purchase'), f('qty', '>=', 2)] },
      ],
      endAggregations: {
        columns: [
          { column: 'price', type: 'count' },
          { column: 'event', type: 'sumPerValue', otherColumn: 'qty' },
        ],
      },
    },
  }, {
    funnel: [`contains(url, 'shoe') AND is_mobile IS DISTINCT FROM true`,
      `regexp_matches(url, '^/cart/add/[0-9]+$')`,
      `event = 'purchase' AND qty >= 2`],
  });

  add('funnel_repeated_step_strict_ts', {
    query: { conditions: [{ filter: ['event', '==', 'click'], target: ['count', '>=', 2] }] },
    funnel: {
      sequence: [
        { filter: ['event', '==', 'click'] },
        { filter: ['event', '==', 'click'] },
        { filter: ['event', '==', 'click'] },
      ],
      endAggregations: { columns: [{ column: 'url', type: 'groupsPerValue', top: 3 }] },
    },
  }, {
    groups: cnt(`event = 'click'`, '>=', 2),
    funnel: [`event = 'click'`, `event = 'click'`, `event = 'click'`],
  });

  add('group_id_and_timestamp_filters', {
    query: {
      conditions: [
        { filter: ['user_id', '<', 150000] },
        { filter: ['ts', '>=', T.mid], target: ['count', '>=', 3] },
      ],
    },
  }, { groups: rel(`${in_(cnt('user_id < 150000'))} AND ${in_(cnt(`ts >= ${T.mid}`, '>=', 3))}`) });

  add('timeframe_bounds_vs_sequence', {
    timeframe: { from: T.from, to: T.to },
    query: {
      conditions: [{
        sequence: [{ filter: ['ts', '==', T.from] }, { filter: ['event', '!=', 'pageview'] }],
      }],
      aggregations: { columns: [{ column: 'ts', type: 'countPerValue', top: 3 }] },
    },
  }, { groups: seq([`ts = ${T.from}`, `event IS DISTINCT FROM 'pageview'`]) });

  add('string_utf8_byte_order', {
    query: {
      relation: 'or',
      conditions: [
        { filter: ['url', '>', '/search?q=z'], target: ['count', '>=', 40] },
        { filter: ['url', 'contains', 'é'], target: ['count', '>=', 2] },
        { filter: ['url', 'regex', '^/search\\?q=[^a-z]$'] },
      ],
      aggregations: { columns: [{ column: 'url', type: 'groupsPerValue', top: 6 }] },
    },
  }, {
    groups: rel(`${in_(cnt(`url > '/search?q=z'`, '>=', 40))}
                 OR ${in_(cnt(`contains(url, 'é')`, '>=', 2))}
                 OR ${in_(cnt(`regexp_matches(url, '^/search\\?q=[^a-z]$')`))}`),
  });

  add('string_empty_value', {
    query: {
      conditions: [
        { filter: ['country', '==', ''] },
        { filter: ['country', '!=', ''], target: ['count', '>=', 100] },
      ],
      aggregations: { columns: [{ column: 'country', type: 'countPerValue', top: 20 }] },
    },
  }, {
    groups: rel(`${in_(cnt(`country = ''`))} AND ${in_(cnt(`country IS DISTINCT FROM ''`, '>=', 100))}`),
  });

  add('count_include_zero_edges', {
    query: {
      conditions: [
        { filter: ['event', '==', 'signup'], target: ['count', '<=', 0], includeZero: true },
        { filter: ['event', '==', 'pageview'], target: ['count', '!=', 3], includeZero: true },
        { filter: ['event', '==', 'purchase'], target: ['count', '>=', 0], includeZero: true },
      ],
    },
  }, {
    groups: rel(`${in_(cnt(`event = 'signup'`, '<=', 0, true))}
                 AND ${in_(cnt(`event = 'pageview'`, '<>', 3, true))}
                 AND ${in_(cnt(`event = 'purchase'`, '>=', 0, true))}`),
  });

  add('timeframe_excludes_everything', {
    timeframe: { from: T.max + 1 },
    query: {
      aggregations: {
        columns: [{ column: 'event' }, { column: 'event', type: 'sumPerValue', otherColumn: 'price' }],
      },
    },
    funnel: {
      sequence: [{ filter: ['event', '==', 'pageview'] }, { filter: ['event', '==', 'purchase'] }],
      stepAggregations: { columns: [{ column: 'qty', type: 'count' }] },
      endAggregations: { columns: [{ column: 'country', type: 'groupsPerValue' }] },
    },
  }, { funnel: [`event = 'pageview'`, `event = 'purchase'`] });

  add('per_value_keys_with_only_null_other_column', {
    query: {
      conditions: [{ filter: ['user_id', '<=', 400] }],
      aggregations: {
        columns: [
          { column: 'url', type: 'sumPerValue', otherColumn: 'price', top: 1000 },
          { column: 'url', type: 'meanPerValue', otherColumn: 'price', top: 1000 },
          { column: 'event', type: 'sumPerValue', otherColumn: 'qty' },
        ],
      },
    },
  }, { groups: cnt('user_id <= 400') });

  add('aggregation_ties_numeric_keys', {
    query: {
      aggregations: {
        columns: [
          { column: 'user_id', type: 'groupsPerValue', top: 5 },
          { column: 'price', type: 'countPerValue', top: 40 },
          { column: 'price', type: 'groupsPerValue', top: 40 },
          { column: 'is_mobile', type: 'countPerValue', top: 1 },
        ],
      },
    },
  });

  add('funnel_no_group_completes', {
    query: { conditions: [{ filter: ['event', '==', 'signup'] }] },
    funnel: {
      sequence: [
        { filter: ['event', '==', 'purchase'] },
        { filters: [f('event', '==', 'signup'), f('price', '>', 0)] },
      ],
      stepAggregations: { columns: [{ column: 'event' }] },
      endAggregations: { columns: [{ column: 'country', type: 'meanPerValue', otherColumn: 'price' }] },
    },
  }, {
    groups: cnt(`event = 'signup'`),
    funnel: [`event = 'purchase'`, `event = 'signup' AND price > 0`],
  });

  add('float_key_formatting', {
    query: {
      aggregations: {
        columns: [
          { column: 'score', type: 'countPerValue', top: 12 },
          { column: 'score', type: 'groupsPerValue', top: 3 },
          { column: 'ratio', type: 'countPerValue', top: 30 },
          { column: 'country', type: 'meanPerValue', otherColumn: 'score' },
        ],
      },
    },
  });

  add('float32_filters_and_sums', {
    query: {
      conditions: [
        { filter: ['ratio', '>', 2.45], target: ['count', '>=', 3] },
        { filter: ['event', '==', 'click'], target: ['sum', 'ratio', '>', 10.05] },
        { filter: ['score', '<', 0.001], target: ['count', '>=', 1] },
      ],
      aggregations: {
        columns: [
          { column: 'event', type: 'sumPerValue', otherColumn: 'ratio' },
          { column: 'is_mobile', type: 'meanPerValue', otherColumn: 'ratio' },
        ],
      },
    },
  }, {
    groups: rel(`${in_(cnt('ratio::DOUBLE > 2.45', '>=', 3))}
                 AND ${in_(sum(`event = 'click'`, 'ratio::DOUBLE', '>', 10.05))}
                 AND ${in_(cnt('score < 0.001'))}`),
  });

  add('sum_int_column_float_value', {
    query: { conditions: [{ filter: ['event', '==', 'purchase'], target: ['sum', 'qty', '<=', 7.5] }] },
  }, { groups: sum(`event = 'purchase'`, 'qty', '<=', 7.5) });

  // Funnel Rocket evaluates relations as a pandas expression: 'and' binds tighter than 'or',
  // and 'not' (frocket's extension) tighter than both.
  add('relation_precedence_names_and_indexes', {
    query: {
      relation: '$has_2_clicks or $1 and not $BIG_SPENDER9 || $3 && $0',
      conditions: [
        { name: 'HAS_2_clicks', filter: ['event', '==', 'click'], target: ['count', '==', 2] },
        { filter: ['event', '==', 'signup'] },
        { name: 'big_spender9', filter: ['event', '==', 'purchase'], target: ['sum', 'price', '>', 1500.005] },
        { filter: ['country', '==', 'JP'], target: ['count', '>=', 50] },
      ],
    },
  }, {
    groups: rel(`${in_(cnt(`event = 'click'`, '=', 2))}
                 OR (${in_(cnt(`event = 'signup'`))}
                     AND NOT ${in_(sum(`event = 'purchase'`, 'price', '>', 1500.005))})
                 OR (${in_(cnt(`country = 'JP'`, '>=', 50))} AND ${in_(cnt(`event = 'click'`, '=', 2))})`),
  });

  // --- Funnel analytics beyond Funnel Rocket (DESIGN.md §3b) ---

  // A window of one hour (timestamps are in milliseconds, on ten-minute slots) and no search
  // between the cart and the purchase: a group reaches a step iff some chain of its rows does
  // (self-joins over every chain, not the greedy one).
  const D = 3600000;
  const pv = `a.event = 'pageview'`;
  add('funnel_window_and_exclusion', {
    funnel: {
      maxDuration: D,
      sequence: [
        { filter: ['event', '==', 'pageview'] },
        { filter: ['event', '==', 'addtocart'] },
        { filter: ['event', '==', 'search'], rowFound: false },
        { filter: ['event', '==', 'purchase'] },
      ],
    },
  }, {
    funnel: [`event = 'pageview'`, `event = 'addtocart'`, `event = 'purchase'`],
    funnelSets: [
      `SELECT user_id FROM m a WHERE ${pv}`,
      `SELECT a.user_id FROM m a JOIN m b ON b.user_id = a.user_id AND b.ts > a.ts
         AND b.ts - a.ts <= ${D} WHERE ${pv} AND b.event = 'addtocart'`,
      `SELECT a.user_id FROM m a JOIN m b ON b.user_id = a.user_id AND b.ts > a.ts
         JOIN m c ON c.user_id = a.user_id AND c.ts > b.ts AND c.ts - a.ts <= ${D}
       WHERE ${pv} AND b.event = 'addtocart' AND c.event = 'purchase'
         AND NOT EXISTS (SELECT 1 FROM m x WHERE x.user_id = a.user_id AND x.event = 'search'
                         AND x.ts > b.ts AND x.ts < c.ts)`,
    ],
  });

  // A breakdown by country from the first step: the plain funnel's chain starts at the earliest
  // pageview; of the pageviews at that time, the least country (NULL only if all are NULL).
  add('funnel_breakdown_first_step', {
    funnel: {
      breakdown: { column: 'country', top: 5 },
      sequence: [{ filter: ['event', '==', 'pageview'] }, { filter: ['event', '==', 'purchase'] }],
    },
  }, {
    funnel: [`event = 'pageview'`, `event = 'purchase'`],
    extra: { 'funnel.breakdown': (conn) => expectedBreakdown(conn, 'country', 2, 5) },
  });

  // Audiences: the users who reached the cart (step 1) but not the purchase, the least 20 ids.
  add('groups_drop_off_after_cart', {
    funnel: {
      sequence: [{ filter: ['event', '==', 'pageview'] }, { filter: ['event', '==', 'addtocart'] },
        { filter: ['event', '==', 'purchase'] }],
    },
    groups: { of: 'dropOff', step: 1, limit: 20 },
  }, {
    funnel: [`event = 'pageview'`, `event = 'addtocart'`, `event = 'purchase'`],
    extra: { groups: (conn) => expectedGroups(conn, 'dropOff', 1,
      'SELECT uid FROM s2 WHERE uid NOT IN (SELECT uid FROM s3)', 20) },
  });
  add('groups_of_query', {
    query: { conditions: [{ filter: ['event', '==', 'signup'], target: ['count', '>=', 2] }] },
    groups: { of: 'query', limit: 15 },
  }, {
    groups: cnt(`event = 'signup'`, '>=', 2),
    extra: { groups: (conn) => expectedGroups(conn, 'query', null, 'SELECT user_id FROM g', 15) },
  });

  return cases;
}

// funnel.breakdown as frocket answers it, computed from the oracle's greedy step tables
// s1..s<steps> and the rows of the matching groups m.
async function expectedBreakdown(conn, column, steps, top) {
  const perStep = [];
  for (let i = 1; i <= steps; i++) {
    perStep.push(`count(DISTINCT v.uid) FILTER (WHERE v.uid IN (SELECT uid FROM s${i}))`,
      `count(*) FILTER (WHERE v.uid IN (SELECT uid FROM s${i}))`);
  }
  const buckets = await rows(conn, `
    WITH v AS (SELECT s1.uid, min(m.${column}) AS value FROM s1 JOIN m ON m.user_id = s1.uid
                 AND m.ts = s1.t AND m.event = 'pageview' GROUP BY s1.uid)
    SELECT v.value, ${perStep.join(', ')} FROM v JOIN m ON m.user_id = v.uid
    GROUP BY v.value ORDER BY 2 DESC, v.value ASC NULLS LAST`);
  const sequence = (row) => Array.from({ length: steps }, (_, i) => ({
    matchingGroups: Number(row[1 + 2 * i]), matchingGroupRows: Number(row[2 + 2 * i]) }));
  const list = buckets.slice(0, top).map((row) => ({ value: row[0], sequence: sequence(row) }));
  if (buckets.length > top) {
    const rest = buckets.slice(top).map(sequence);
    list.push({ other: true, values: rest.length, sequence: rest[0].map((_, i) => ({
      matchingGroups: rest.reduce((n, s) => n + s[i].matchingGroups, 0),
      matchingGroupRows: rest.reduce((n, s) => n + s[i].matchingGroupRows, 0) })) });
  }
  return { column, attribution: 'firstStep', values: buckets.length, buckets: list };
}

// "groups" as frocket answers it: the count of the ids `sql` selects, and the least `limit`.
async function expectedGroups(conn, of, step, sql, limit) {
  const [[count]] = await rows(conn, `SELECT count(*) FROM (${sql})`);
  const ids = (await rows(conn, `SELECT * FROM (${sql}) ORDER BY 1 LIMIT ${limit}`)).map((r) => Number(r[0]));
  const g = { of };
  if (step !== null) g.step = step;
  return { ...g, count: Number(count), ids, truncated: ids.length < Number(count) };
}

// ------------------------------------------------------------------------------------------
// Expected results via DuckDB
// ------------------------------------------------------------------------------------------

// The environment frocket runs in: the engine's defaults, whatever the caller's.
function frocketEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  delete env.FROCKET_AGGREGATIONS_TOP_DEFAULT_COUNT;
  delete env.FROCKET_AGGREGATIONS_EXACT_LIMIT;
  return env;
}

function runFrocket(binary, files, query) {
  const args = ['query', ...files, '--group-id-column', 'user_id', '--timestamp-column', 'ts',
    '--string', JSON.stringify(query), '--nopretty'];
  return runBinary(binary, args, frocketEnv());
}

// The dataset registered from the same files (FROCKET_HOME `home`), with the transcoded cache.
function cachedEnv(home) {
  return frocketEnv({ FROCKET_HOME: home, FROCKET_TRANSCODED_CACHE_SIZE_MB: '4096' });
}

// A query run twice through the registered dataset: the first run stores what the cache lacks,
// the second reads every part from the cache.
async function runFrocketCached(binary, home, query) {
  const args = ['run', 'differential', '--string', JSON.stringify(query), '--nopretty'];
  const building = await runBinary(binary, args, cachedEnv(home));
  const cached = await runBinary(binary, args, cachedEnv(home));
  return { building, cached };
}

function runBinary(binary, args, env) {
  return new Promise((resolve) => {
    const start = Date.now();
    execFile(binary, args, { env, maxBuffer: 64 << 20, timeout: FROCKET_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const ms = Date.now() - start;
        let json = null;
        try { json = JSON.parse(stdout); } catch { /* reported below */ }
        resolve({ error, stdout, stderr, json, ms });
      });
  });
}

// How a run's answer differs from the expected one (and from the members the case computes).
async function differences(conn, c, expected, run) {
  if (!run.json) {
    return [`frocket produced no JSON (exit ${run.error?.code ?? 0}${run.error?.killed ? ', killed' : ''}): ` +
      `stdout=${show(run.stdout.slice(0, 500))} stderr=${show(run.stderr.slice(0, 500))}`];
  }
  const diffs = compareResponse(expected, run.json);
  // Members the oracle's response does not cover, each computed by the case.
  for (const [path, compute] of Object.entries(c.extra ?? {})) {
    const want = await compute(conn);
    const got = path.split('.').reduce((o, k) => o?.[k], run.json);
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      diffs.push(`${path}: expected ${show(want)}, got ${show(got)}`);
    }
  }
  if (!diffs.length && run.error) diffs.push(`frocket exited with status ${run.error.code}`);
  return diffs;
}

// Runs fn over items with at most `limit` in flight; returns promises in item order.
function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const workers = [];
  const deferred = items.map(() => {
    let resolve;
    const p = new Promise((r) => { resolve = r; });
    return { p, resolve };
  });
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
      deferred[i].resolve(results[i]);
    }
  };
  for (let k = 0; k < Math.min(limit, items.length); k++) workers.push(worker());
  return deferred.map((d) => d.p);
}

// ------------------------------------------------------------------------------------------
// Comparison
// ------------------------------------------------------------------------------------------

async function main() {
  const binary = process.argv[2];
  if (!binary || !existsSync(binary) || !statSync(binary).isFile()) {
    console.error(`usage: node differential_test.mjs <path-to-frocket-binary> (got ${binary})`);
    return 1;
  }
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'frocket-differential-'));
  let instance;
  let conn;
  try {
    instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    conn = await instance.connect();
    const files = await generateDataset(conn, dir);

    const [[nRows, nUsers, nFiles, nRowGroups, dupTs]] = await rows(conn, `
      SELECT (SELECT count(*) FROM ev), (SELECT count(DISTINCT user_id) FROM ev),
             (SELECT count(DISTINCT file_name) FROM parquet_metadata([${files.map(sqlString).join(', ')}])),
             (SELECT count(DISTINCT (file_name, row_group_id)) FROM parquet_metadata([${files.map(sqlString).join(', ')}])),
             (SELECT count(*) FROM (SELECT user_id, ts FROM ev GROUP BY ALL HAVING count(*) > 1))`);
    // Timeframe bounds: actual timestamps of the data (so inclusive/exclusive edges are hit).
    const [[from, to, mid, max, atFrom, atTo]] = await rows(conn, `
      WITH b AS (SELECT quantile_disc(ts, 0.3) AS f, quantile_disc(ts, 0.7) AS t,
                        quantile_disc(ts, 0.5) AS m, max(ts) AS x FROM ev)
      SELECT f, t, m, x, (SELECT count(*) FROM ev, b WHERE ts = b.f), (SELECT count(*) FROM ev, b WHERE ts = b.t)
      FROM b`);
    console.log(`dataset: ${nRows} rows, ${nUsers} users, ${nFiles} files, ${nRowGroups} row groups, ` +
      `${dupTs} duplicate (user, ts) pairs; timeframe [${from}, ${to}) with ${atFrom} rows at 'from' ` +
      `and ${atTo} at 'to' (generated in ${Date.now() - t0} ms)`);
    if (Number(nRows) < 200000 || Number(nFiles) < 4 || Number(dupTs) === 0 ||
        Number(atFrom) === 0 || Number(atTo) === 0) {
      throw new Error('generated dataset does not have the intended properties');
    }
    // Part 1's timestamps are dictionary-encoded in every row group, and not in order.
    const [[dictGroups, groups1]] = await rows(conn, `
      SELECT count(*) FILTER (WHERE encodings LIKE '%DICTIONARY%'), count(*)
      FROM parquet_metadata(${sqlString(files[1])}) WHERE path_in_schema = 'ts'`);
    const [[unordered]] = await rows(conn, `
      SELECT count(*) FROM (SELECT ts, lag(ts) OVER (ORDER BY file_row_number) AS prev
                            FROM read_parquet(${sqlString(files[1])}, file_row_number = true))
      WHERE ts < prev`);
    if (Number(groups1) < 2 || Number(dictGroups) !== Number(groups1) || Number(unordered) === 0) {
      throw new Error(`part 1 should hold dictionary-encoded, unordered timestamps in several ` +
        `row groups (${dictGroups} of ${groups1} row groups dictionary-encoded, ${unordered} ` +
        `rows earlier than the row before)`);
    }
    // Part 0's row groups are in time order, and the timeframe [from, to) skips some.
    const [[groups0, outside0]] = await rows(conn, `
      SELECT count(*), count(*) FILTER (WHERE stats_max_value::BIGINT < ${from} OR
                                              stats_min_value::BIGINT >= ${to})
      FROM parquet_metadata(${sqlString(files[0])}) WHERE path_in_schema = 'ts'`);
    const [[unordered0]] = await rows(conn, `
      SELECT count(*) FROM (SELECT ts, lag(ts) OVER (ORDER BY file_row_number) AS prev
                            FROM read_parquet(${sqlString(files[0])}, file_row_number = true))
      WHERE ts < prev`);
    if (Number(outside0) === 0 || Number(outside0) === Number(groups0) || Number(unordered0) !== 0) {
      throw new Error(`part 0 should hold time-ordered rows in row groups of which the timeframe ` +
        `skips some (${outside0} of ${groups0} outside, ${unordered0} rows out of order)`);
    }
    // Every user in exactly one file
    const [[multi]] = await rows(conn, `SELECT count(*) FROM (SELECT user_id FROM read_parquet(
        [${files.map(sqlString).join(', ')}], filename = true) GROUP BY user_id HAVING count(DISTINCT filename) > 1)`);
    if (Number(multi) !== 0) throw new Error(`${multi} users appear in more than one file`);

    const cases = defineCases({ from: Number(from), to: Number(to), mid: Number(mid), max: Number(max) });
    const names = new Set();
    for (const c of cases) {
      if (names.has(c.name)) throw new Error(`duplicate case name ${c.name}`);
      names.add(c.name);
    }

    // frocket runs in child processes (FROCKET_CONCURRENCY at a time) while DuckDB computes the
    // expectations here, one case at a time.
    const home = join(dir, 'home');
    await runBinary(binary, ['register', 'differential', dir, 'user_id', 'ts', '--nopretty'],
      cachedEnv(home)).then((r) => {
      if (!r.json?.success) throw new Error(`registering the files failed: ${r.stderr}`);
    });
    const actuals = pool(cases, FROCKET_CONCURRENCY, async (c) => ({
      files: await runFrocket(binary, files, c.query),
      ...(await runFrocketCached(binary, home, c.query)),
    }));

    let passed = 0;
    let failed = 0;
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      let diffs;
      let expected;
      try {
        expected = await expectedResponse(conn, 'ev', c, formatKey);
      } catch (e) {
        diffs = [`computing the expected result failed: ${e.message}`];
      }
      const runs = await actuals[i];
      const act = runs.files;
      if (!diffs) {
        diffs = [];
        for (const [how, run] of [['', runs.files], ['cache-building run: ', runs.building],
          ['cached run: ', runs.cached]]) {
          diffs.push(...(await differences(conn, c, expected, run)).map((d) => how + d));
        }
        const fromCache = runs.cached.json?.stats?.worker?.cache?.transcodedCache;
        if (fromCache !== Number(nFiles)) {
          diffs.push(`cached run: ${fromCache} of ${nFiles} parts read from the transcoded cache`);
        }
      }
      if (diffs.length === 0) {
        passed++;
        console.log(`${c.name}: ok (groups ${expected.query.matchingGroups}, rows ${expected.query.matchingGroupRows}` +
          `${expected.funnel ? ', funnel ' + expected.funnel.sequence.map((s) => s.matchingGroups).join('>') : ''}` +
          `; frocket ${act.ms} ms)`);
      } else {
        failed++;
        console.log(`${c.name}: FAILED`);
        console.log(`  query: ${JSON.stringify(c.query)}`);
        const MAX = 25;
        for (const d of diffs.slice(0, MAX)) console.log(`  - ${d}`);
        if (diffs.length > MAX) console.log(`  - ... and ${diffs.length - MAX} more differences`);
      }
    }
    console.log(`${passed} passed, ${failed} failed (${cases.length} queries, ${Date.now() - t0} ms)`);
    return failed === 0 ? 0 : 1;
  } finally {
    try { conn?.closeSync(); } catch { /* ignore */ }
    try { instance?.closeSync?.(); } catch { /* ignore */ }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => { process.exitCode = code; },
  (e) => {
    console.error(`setup failed: ${e?.stack ?? e}`);
    console.log('0 passed, 1 failed (setup failed)');
    process.exitCode = 1;
  },
);
