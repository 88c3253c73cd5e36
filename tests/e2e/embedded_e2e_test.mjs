// End-to-end test of the embedded mode: frocket generate → register → run → list / info →
// re-register → unregister, every answer checked against DuckDB.
//
//   node tests/e2e/embedded_e2e_test.mjs <path-to-frocket-binary>
//
// 1. `frocket generate` writes a synthetic website-activity dataset (fixed seed, ~300,000 rows,
//    6 parts) and `frocket register` registers it in a fresh datastore (FROCKET_HOME is a
//    temporary directory for every frocket process this test starts).
// 2. Runs the kinds of queries of Funnel Rocket's example-dataset guide (docs/example-dataset.md)
//    with `frocket run NAME --string JSON --nopretty` and compares each response with the
//    expected one, computed by hand-written DuckDB SQL over the same Parquet files that follows
//    the normative semantics of DESIGN.md section 3 (never from frocket's output): counts
//    exactly, per-value maps exactly (the full top-N selection), float sums and means with a
//    relative tolerance of 1e-9.
// 3. Checks the dataset commands: `list`, `info` (parts, sizes on disk, schema types),
//    `run --repeat 2` (same answer, the second run served from the memory cache),
//    re-registering the name over a regenerated directory, and `unregister` (refused right after
//    a query unless --force; afterwards queries fail naming the dataset).
// Prints one line per check and a summary line "N passed, M failed"; exits 1 on any failure.

import { DuckDBInstance } from '@duckdb/node-api';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FLOAT_REL_TOL, DEFAULT_TOP, show, rows, num, ALL, cnt, sum, seq, rel, in_, floatKey, makeKeyFormatter, aggregationList, expectedAggregations, groupCounts, expectedResponse, approxEqual, compareAggregations, compareCounts, compareResponse,
} from '../support/duckdb_oracle.mjs';

const FROCKET_TIMEOUT_MS = 60_000;

const ROWS = 300_000;
const PARTS = 6;
const SEED = 20240601;
const SEED_REGENERATED = 777;
const DATASET = 'e2e-activity';

// ------------------------------------------------------------------------------------------
// Running frocket
// ------------------------------------------------------------------------------------------

// Every frocket process gets a clean environment: no FROCKET_* variable from the caller (the
// defaults of DESIGN.md apply: top 10, 30 s unregister interval), FROCKET_HOME = our temp dir.
function frocketEnv(home) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FROCKET_')) env[k] = v;
  env.FROCKET_HOME = home;
  return env;
}

function runCli(binary, home, args) {
  return new Promise((resolve) => {
    const start = Date.now();
    execFile(binary, args, { env: frocketEnv(home), maxBuffer: 64 << 20, timeout: FROCKET_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const ms = Date.now() - start;
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        let json = null;
        try { json = JSON.parse(stdout); } catch { /* not (one) JSON document */ }
        resolve({ code, killed: !!error?.killed, signal: error?.signal ?? null, stdout, stderr, json, ms });
      });
  });
}

// Parses stdout holding one or more JSON documents (one per line with --nopretty).
function jsonDocuments(stdout) {
  try { return [JSON.parse(stdout)]; } catch { /* several */ }
  const docs = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    try { docs.push(JSON.parse(line)); } catch { return null; }
  }
  return docs;
}

const clip = (s, n = 400) => (s.length > n ? s.slice(0, n) + '…' : s);
function describeRun(r) {
  return `exit ${r.code}${r.killed ? ' (killed: timeout)' : ''}${r.signal ? ' signal ' + r.signal : ''}, ` +
    `stdout=${show(clip(r.stdout))} stderr=${show(clip(r.stderr))}`;
}

// ------------------------------------------------------------------------------------------
// DuckDB helpers
// ------------------------------------------------------------------------------------------

const sqlString = (s) => `'${String(s).replace(/'/g, "''")}'`;

// frocket's query types of the dataset's columns, from DuckDB's view of the files.
async function columnTypes(conn, view) {
  const types = {};
  for (const [name, type] of await rows(conn, `SELECT column_name, column_type FROM (DESCRIBE ${view})`)) {
    if (/^(BIGINT|INTEGER|SMALLINT|TINYINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT)$/.test(type)) types[name] = 'INT';
    else if (/^(DOUBLE|FLOAT)$/.test(type)) types[name] = 'FLOAT';
    else if (type === 'VARCHAR') types[name] = 'STRING';
    else if (type === 'BOOLEAN') types[name] = 'BOOL';
    else types[name] = `unsupported(${type})`;
  }
  return types;
}

// ------------------------------------------------------------------------------------------
// The queries: the kinds of Funnel Rocket's example-dataset guide, on the generated dataset
// (event_type: pageview, click, search, addtocart, purchase, campaign_click).
// ------------------------------------------------------------------------------------------

function defineCases(T) {
  const cases = [];
  const add = (name, query, spec = {}) => cases.push({ name, query, ...spec });
  const f = (column, op, value) => ({ column, op, value });

  // "The Empty Query"
  add('guide_empty_query', {});

  // "A Few Aggregations First": the default set, then with sumPerValue (guide's array notation)
  add('guide_aggregations_default_set', { query: { aggregations: [{ column: 'event_type' }] } });
  add('guide_aggregations_sum_per_value', {
    query: {
      aggregations: [
        { column: 'event_type' },
        { column: 'event_type', type: 'sumPerValue', otherColumn: 'price' },
      ],
    },
  });

  // "Basic Conditions"
  add('guide_simple_condition', { query: { conditions: [{ filter: ['event_type', '==', 'purchase'] }] } },
    { groups: cnt(`event_type = 'purchase'`) });
  add('guide_count_gt_1', {
    query: { conditions: [{ filter: ['event_type', '==', 'purchase'], target: ['count', '>', 1] }] },
  }, { groups: cnt(`event_type = 'purchase'`, '>', 1) });
  add('guide_count_eq_1', {
    query: { conditions: [{ filter: ['event_type', '==', 'purchase'], target: ['count', '==', 1] }] },
  }, { groups: cnt(`event_type = 'purchase'`, '=', 1) });
  add('guide_count_eq_0_include_zero_implied', {
    query: { conditions: [{ filter: ['event_type', '==', 'purchase'], target: ['count', '==', 0] }] },
  }, { groups: cnt(`event_type = 'purchase'`, '=', 0, true) });
  add('guide_count_gt_1_verbose_notation', {
    query: {
      conditions: [{
        filter: { column: 'event_type', op: '==', value: 'purchase' },
        target: { type: 'count', op: '>', value: 1 },
      }],
    },
  }, { groups: cnt(`event_type = 'purchase'`, '>', 1) });

  // "Multi-Filter Conditions"
  add('guide_multi_filter_condition', {
    query: { conditions: [{ filters: [f('event_type', '==', 'purchase'), f('price', '>=', 200)] }] },
  }, { groups: cnt(`event_type = 'purchase' AND price >= 200`) });
  add('multi_filter_count_gt_1_three_filters', {
    query: {
      conditions: [{
        filters: [f('event_type', '==', 'addtocart'), f('price', '<', 100), f('is_mobile', '==', true)],
        target: ['count', '>', 1],
      }],
    },
  }, { groups: cnt(`event_type = 'addtocart' AND price < 100 AND is_mobile = true`, '>', 1) });

  // "The 'sum' Target"
  add('guide_sum_target_verbose', {
    query: {
      conditions: [{
        filter: { column: 'event_type', op: '==', value: 'purchase' },
        target: { type: 'sum', column: 'price', op: '>=', value: 200 },
      }],
    },
  }, { groups: sum(`event_type = 'purchase'`, 'price', '>=', 200) });
  add('sum_target_shorthand_on_nullable_column', {
    query: {
      conditions: [{ filter: ['is_mobile', '==', true], target: ['sum', 'goal_value', '>', 300.5] }],
    },
  }, { groups: sum('is_mobile = true', 'goal_value', '>', 300.5) });

  // "Using Multiple Conditions": big total but no single big purchase (explicit relation "and")
  add('guide_multiple_conditions_and', {
    query: {
      relation: 'and',
      conditions: [
        {
          filters: [f('event_type', '==', 'purchase'), f('price', '>=', 200)],
          target: ['count', '==', 0],
        },
        { filter: ['event_type', '==', 'purchase'], target: ['sum', 'price', '>=', 200] },
      ],
    },
  }, {
    groups: rel(`${in_(cnt(`event_type = 'purchase' AND price >= 200`, '=', 0, true))}
                 AND ${in_(sum(`event_type = 'purchase'`, 'price', '>=', 200))}`),
  });

  add('include_zero_explicit', {
    query: {
      conditions: [{ filter: ['event_type', '==', 'addtocart'], target: ['count', '<', 2], includeZero: true }],
    },
  }, { groups: cnt(`event_type = 'addtocart'`, '<', 2, true) });
  add('count_lt_without_include_zero', {
    query: { conditions: [{ filter: ['event_type', '==', 'addtocart'], target: ['count', '<', 2] }] },
  }, { groups: cnt(`event_type = 'addtocart'`, '<', 2, false) });

  add('relation_or', {
    query: {
      relation: 'or',
      conditions: [
        { filter: ['event_type', '==', 'purchase'], target: ['count', '>=', 2] },
        { filter: ['event_type', '==', 'campaign_click'], target: ['count', '>=', 3] },
      ],
    },
  }, {
    groups: rel(`${in_(cnt(`event_type = 'purchase'`, '>=', 2))}
                 OR ${in_(cnt(`event_type = 'campaign_click'`, '>=', 3))}`),
  });
  add('relation_double_pipe_with_sum', {
    query: {
      relation: '||',
      conditions: [
        { filter: ['country', '==', 'JP'], target: ['count', '>=', 5] },
        { filter: ['event_type', '==', 'purchase'], target: ['sum', 'goal_value', '>', 1000] },
      ],
    },
  }, {
    groups: rel(`${in_(cnt(`country = 'JP'`, '>=', 5))}
                 OR ${in_(sum(`event_type = 'purchase'`, 'goal_value', '>', 1000))}`),
  });
  add('relation_expression_indexes', {
    query: {
      relation: '$0 and ($1 or $2)',
      conditions: [
        { filter: ['event_type', '==', 'search'], target: ['count', '>=', 3] },
        { filter: ['browser', '==', 'firefox'] },
        { filter: ['device', '==', 'tablet'], target: ['count', '>', 4] },
      ],
    },
  }, {
    groups: rel(`${in_(cnt(`event_type = 'search'`, '>=', 3))}
                 AND (${in_(cnt(`browser = 'firefox'`))} OR ${in_(cnt(`device = 'tablet'`, '>', 4))})`),
  });
  add('guide_relation_named_conditions', {
    query: {
      relation: '$big_total_purchases AND $no_big_single_purchase',
      conditions: [
        {
          name: 'no_big_single_purchase',
          filters: [f('event_type', '==', 'purchase'), f('price', '>=', 200)],
          target: ['count', '==', 0],
        },
        {
          name: 'big_total_purchases',
          filter: ['event_type', '==', 'purchase'],
          target: ['sum', 'price', '>=', 200],
        },
      ],
    },
  }, {
    groups: rel(`${in_(sum(`event_type = 'purchase'`, 'price', '>=', 200))}
                 AND ${in_(cnt(`event_type = 'purchase' AND price >= 200`, '=', 0, true))}`),
  });
  add('relation_not_named_and_bang', {
    query: {
      relation: '($Buyer && not $mobile) || ($searcher and !$BUYER)',
      conditions: [
        { name: 'buyer', filter: ['event_type', '==', 'purchase'] },
        { name: 'Mobile', filter: ['is_mobile', '==', true], target: ['count', '>=', 10] },
        { name: 'searcher', filter: ['event_type', '==', 'search'], target: ['count', '>=', 6] },
      ],
    },
  }, {
    groups: rel(`(${in_(cnt(`event_type = 'purchase'`))} AND NOT ${in_(cnt('is_mobile = true', '>=', 10))})
                 OR (${in_(cnt(`event_type = 'search'`, '>=', 6))} AND NOT ${in_(cnt(`event_type = 'purchase'`))})`),
  });

  // "Sequences"
  add('guide_sequence_condition', {
    query: {
      conditions: [{
        sequence: [
          { filter: ['event_type', '==', 'pageview'] },
          { filter: ['event_type', '==', 'addtocart'] },
          { filter: ['event_type', '==', 'purchase'] },
        ],
      }],
    },
  }, { groups: seq([`event_type = 'pageview'`, `event_type = 'addtocart'`, `event_type = 'purchase'`]) });
  add('sequence_multi_filter_steps_and_count_condition', {
    query: {
      conditions: [
        {
          sequence: [
            { filter: ['event_type', '==', 'search'] },
            { filters: [f('event_type', '==', 'addtocart'), f('price', '>', 100)] },
            { filters: [f('event_type', '==', 'purchase'), f('goal_value', '>', 150)] },
          ],
        },
        { filter: ['event_type', '==', 'campaign_click'], target: ['count', '==', 0] },
      ],
    },
  }, {
    groups: rel(`${in_(seq([`event_type = 'search'`, `event_type = 'addtocart' AND price > 100`,
      `event_type = 'purchase' AND goal_value > 150`]))}
                 AND ${in_(cnt(`event_type = 'campaign_click'`, '=', 0, true))}`),
  });

  // "Finally a Funnel"
  add('guide_funnel_3_steps', {
    funnel: {
      sequence: [
        { filter: ['event_type', '==', 'pageview'] },
        { filter: ['event_type', '==', 'addtocart'] },
        { filter: ['event_type', '==', 'purchase'] },
      ],
    },
  }, { funnel: [`event_type = 'pageview'`, `event_type = 'addtocart'`, `event_type = 'purchase'`] });
  add('guide_funnel_5_pageviews_step_aggregations', {
    funnel: {
      sequence: [1, 2, 3, 4, 5].map(() => ({ filter: ['event_type', '==', 'pageview'] })),
      stepAggregations: [
        { column: 'event_type', type: 'groupsPerValue' },
        { column: 'event_type', type: 'sumPerValue', otherColumn: 'price' },
      ],
    },
  }, { funnel: [1, 2, 3, 4, 5].map(() => `event_type = 'pageview'`) });
  add('guide_exactly_one_pageview_aggregations', {
    query: {
      conditions: [{ filter: ['event_type', '==', 'pageview'], target: ['count', '==', 1] }],
      aggregations: [
        { column: 'event_type', type: 'groupsPerValue' },
        { column: 'event_type', type: 'sumPerValue', otherColumn: 'price' },
      ],
    },
  }, { groups: cnt(`event_type = 'pageview'`, '=', 1) });
  add('funnel_over_conditions_step_and_end_aggregations', {
    query: {
      conditions: [{ filter: ['country', '==', 'US'], target: ['count', '>=', 5] }],
      aggregations: { columns: [{ column: 'device', type: 'countPerValue' }] },
    },
    funnel: {
      sequence: [
        { filter: ['event_type', '==', 'search'] },
        { filters: [f('event_type', '==', 'addtocart'), f('is_mobile', '==', true)] },
        { filter: ['event_type', '==', 'purchase'] },
      ],
      stepAggregations: { columns: [{ column: 'browser', type: 'groupsPerValue', top: 3 }] },
      endAggregations: {
        columns: [
          { column: 'country', type: 'sumPerValue', otherColumn: 'goal_value', top: 5 },
          { column: 'sku', type: 'countPerValue', top: 5, name: 'top_skus' },
          { column: 'browser' },
          { column: 'device', type: 'meanPerValue', otherColumn: 'price' },
        ],
      },
    },
  }, {
    groups: cnt(`country = 'US'`, '>=', 5),
    funnel: [`event_type = 'search'`, `event_type = 'addtocart' AND is_mobile = true`, `event_type = 'purchase'`],
  });

  // "Specifying a Timeframe for the Whole Query"
  add('guide_timeframe_empty_query', { timeframe: { from: T.from, to: T.to } });
  add('timeframe_conditions_aggregations_funnel', {
    timeframe: { from: T.from, to: T.to },
    query: {
      conditions: [{ filter: ['event_type', '==', 'addtocart'], target: ['count', '>=', 2] }],
      aggregations: [
        { column: 'event_type' },
        { column: 'ts', type: 'count' },
        { column: 'country', type: 'sumPerValue', otherColumn: 'price', top: 4 },
      ],
    },
    funnel: {
      sequence: [{ filter: ['event_type', '==', 'addtocart'] }, { filter: ['event_type', '==', 'purchase'] }],
      stepAggregations: [{ column: 'device', type: 'groupsPerValue' }],
      endAggregations: [{ column: 'event_type', type: 'meanPerValue', otherColumn: 'goal_value' }],
    },
  }, {
    groups: cnt(`event_type = 'addtocart'`, '>=', 2),
    funnel: [`event_type = 'addtocart'`, `event_type = 'purchase'`],
  });
  add('timeframe_from_only_sequence', {
    timeframe: { from: T.mid },
    query: {
      conditions: [{ sequence: [{ filter: ['event_type', '==', 'click'] }, { filter: ['event_type', '==', 'purchase'] }] }],
    },
  }, { groups: seq([`event_type = 'click'`, `event_type = 'purchase'`]) });
  add('timeframe_to_only_count_eq_0', {
    timeframe: { to: T.mid },
    query: {
      conditions: [{ filter: ['event_type', '==', 'search'], target: ['count', '==', 0] }],
      aggregations: [{ column: 'is_mobile', type: 'countPerValue' }],
    },
  }, { groups: cnt(`event_type = 'search'`, '=', 0, true) });

  // Per-value keys of every type (float keys like Python's repr, ints, booleans) and ties
  add('aggregations_key_types_and_ties', {
    query: {
      aggregations: [
        { column: 'price', type: 'countPerValue', top: 15 },
        { column: 'campaign_id', type: 'groupsPerValue', top: 12 },
        { column: 'is_mobile' },
        { column: 'goal_value', type: 'count' },
        { column: 'sku', type: 'count' },
        { column: 'country', type: 'meanPerValue', otherColumn: 'goal_value', top: 20 },
        { column: 'campaign_id', type: 'sumPerValue', otherColumn: 'price', top: 3 },
        { column: 'url', type: 'countPerValue', top: 8 },
      ],
    },
  });

  // String operators and NULLs (sku is NULL on non-product events: != and not contains are true)
  add('string_ops_and_null_semantics', {
    query: {
      conditions: [
        { filter: ['sku', '!=', 'SKU-10001'], target: ['count', '>=', 30] },
        { filter: ['url', 'contains', '/c/shoes'] },
        { filter: ['sku', 'not contains', 'SKU-10'], target: ['count', '>', 20] },
        { filter: ['url', 'regex', 'search\\?q=[a-m]'], target: ['count', '>=', 2] },
      ],
    },
  }, {
    groups: rel(`${in_(cnt(`sku IS DISTINCT FROM 'SKU-10001'`, '>=', 30))}
                 AND ${in_(cnt(`contains(url, '/c/shoes')`))}
                 AND ${in_(cnt(`(sku IS NULL OR NOT contains(sku, 'SKU-10'))`, '>', 20))}
                 AND ${in_(cnt(`regexp_matches(url, 'search\\?q=[a-m]')`, '>=', 2))}`),
  });
  add('numeric_and_bool_filters', {
    query: {
      relation: '$0 and not $1',
      conditions: [
        { filters: [f('campaign_id', '>=', 1020), f('is_mobile', '!=', true)] },
        { filter: ['price', '<=', 20.5], target: ['count', '>=', 1] },
      ],
    },
  }, {
    groups: rel(`${in_(cnt('campaign_id >= 1020 AND is_mobile IS DISTINCT FROM true'))}
                 AND NOT ${in_(cnt('price <= 20.5'))}`),
  });

  return cases;
}

// The answer of a response (without requestId and stats), for comparing two runs.
const answerOf = (resp) => show({ success: resp?.success, query: resp?.query, funnel: resp?.funnel });

function summary(exp) {
  return `groups ${exp.query.matchingGroups}, rows ${exp.query.matchingGroupRows}` +
    (exp.funnel ? ', funnel ' + exp.funnel.sequence.map((s) => s.matchingGroups).join('>') : '');
}

// ------------------------------------------------------------------------------------------
// Main
// ------------------------------------------------------------------------------------------

async function main() {
  const binary = process.argv[2];
  if (!binary || !existsSync(binary) || !statSync(binary).isFile()) {
    console.error(`usage: node embedded_e2e_test.mjs <path-to-frocket-binary> (got ${binary})`);
    return 1;
  }
  const t0 = Date.now();
  const root = mkdtempSync(join(tmpdir(), 'frocket-e2e-'));
  const home = join(root, 'home');
  const dataDir = join(root, 'activity');
  const dataDir2 = join(root, 'activity-regenerated');
  mkdirSync(home);

  let passed = 0;
  let failed = 0;
  const pass = (name, detail = '') => { passed++; console.log(`${name}: ok${detail ? ` (${detail})` : ''}`); };
  const fail = (name, diffs, extra = []) => {
    failed++;
    console.log(`${name}: FAILED`);
    for (const e of extra) console.log(`  ${e}`);
    const MAX = 25;
    for (const d of diffs.slice(0, MAX)) console.log(`  - ${d}`);
    if (diffs.length > MAX) console.log(`  - ... and ${diffs.length - MAX} more differences`);
  };
  const check = (name, diffs, detail = '', extra = []) => (diffs.length ? fail(name, diffs, extra) : pass(name, detail));
  const cli = (args) => runCli(binary, home, args);

  let instance;
  let conn;
  try {
    instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    conn = await instance.connect();

    // ---- generate + register ------------------------------------------------------------
    const gen = await cli(['generate', dataDir, '--rows', String(ROWS), '--parts', String(PARTS), '--seed', String(SEED)]);
    if (gen.code !== 0) throw new Error(`frocket generate failed: ${describeRun(gen)}`);
    const files = readdirSync(dataDir).filter((n) => n.endsWith('.parquet')).sort();
    await conn.run(`CREATE VIEW ev AS SELECT * FROM read_parquet(${sqlString(join(dataDir, '*.parquet'))})`);
    const types = await columnTypes(conn, 'ev');
    const formatKey = makeKeyFormatter(types);
    const [[nRows, nUsers, minTs, maxTs]] = await rows(conn,
      'SELECT count(*), count(DISTINCT user_id), min(ts), max(ts) FROM ev');
    console.log(`dataset: ${nRows} rows, ${nUsers} users, ${files.length} files in ${dataDir} ` +
      `(generated in ${gen.ms} ms)`);
    {
      const diffs = [];
      if (files.length !== PARTS) diffs.push(`expected ${PARTS} part files, found ${files.length}: ${show(files)}`);
      if (Number(nRows) !== ROWS) diffs.push(`expected ${ROWS} rows (DuckDB count), found ${nRows}`);
      check('generate_dataset', diffs, `${files.length} files, ${nRows} rows`);
    }

    const reg = await cli(['register', DATASET, dataDir, 'user_id', 'ts', '--nopretty']);
    {
      const diffs = [];
      if (reg.code !== 0) diffs.push(`exit ${reg.code}: ${describeRun(reg)}`);
      const d = reg.json?.dataset;
      if (reg.json?.success !== true) diffs.push(`success: expected true, got ${show(reg.json?.success)}`);
      if (d?.id?.name !== DATASET) diffs.push(`dataset.id.name: expected ${show(DATASET)}, got ${show(d?.id?.name)}`);
      if (d?.totalParts !== PARTS) diffs.push(`dataset.totalParts: expected ${PARTS}, got ${show(d?.totalParts)}`);
      if (d?.groupIdColumn !== 'user_id') diffs.push(`dataset.groupIdColumn: got ${show(d?.groupIdColumn)}`);
      if (d?.timestampColumn !== 'ts') diffs.push(`dataset.timestampColumn: got ${show(d?.timestampColumn)}`);
      check('register', diffs, `${reg.ms} ms`);
      if (reg.code !== 0) throw new Error('registration failed; nothing else can be tested');
    }

    // ---- list ----------------------------------------------------------------------------
    {
      const r = await cli(['list', '--nopretty']);
      const diffs = [];
      if (r.code !== 0) diffs.push(`exit ${r.code}: ${describeRun(r)}`);
      if (!Array.isArray(r.json)) {
        diffs.push(`expected a JSON array on stdout, got ${show(clip(r.stdout))}`);
      } else {
        const e = r.json.filter((x) => x?.id?.name === DATASET);
        if (e.length !== 1) diffs.push(`expected exactly one entry named ${DATASET}, got ${show(r.json)}`);
        else {
          if (e[0].totalParts !== PARTS) diffs.push(`totalParts: expected ${PARTS}, got ${show(e[0].totalParts)}`);
          if (e[0].groupIdColumn !== 'user_id') diffs.push(`groupIdColumn: got ${show(e[0].groupIdColumn)}`);
          if (e[0].timestampColumn !== 'ts') diffs.push(`timestampColumn: got ${show(e[0].timestampColumn)}`);
          if (typeof e[0].basepath !== 'string' || !e[0].basepath.replace(/^file:\/\//, '').replace(/\/$/, '').endsWith(dataDir)) {
            diffs.push(`basepath: expected ${show(dataDir)}, got ${show(e[0].basepath)}`);
          }
          if (typeof e[0].id?.registeredAt !== 'string') diffs.push(`id.registeredAt: got ${show(e[0].id?.registeredAt)}`);
        }
        if (r.json.length !== 1) diffs.push(`expected 1 registered dataset in a fresh FROCKET_HOME, got ${r.json.length}`);
      }
      check('list', diffs);
    }

    // ---- info ----------------------------------------------------------------------------
    async function checkInfo(name, dir, dirFiles, extraChecks) {
      const r = await cli(['info', DATASET, '--nopretty']);
      const diffs = [];
      if (r.code !== 0) diffs.push(`exit ${r.code}: ${describeRun(r)}`);
      const j = r.json;
      if (!j || typeof j !== 'object') {
        diffs.push(`expected a JSON object on stdout, got ${show(clip(r.stdout))}`);
        return check(name, diffs);
      }
      const keys = Object.keys(j).sort();
      if (show(keys) !== show(['dataset', 'parts', 'schema', 'timestamps'])) diffs.push(`keys: expected ["dataset","parts","schema","timestamps"], got ${show(keys)}`);
      // The unit, guessed from millisecond magnitudes, and the min/max as dates: JavaScript's
      // Date reads them back to the numbers of the schema.
      const t = j.timestamps ?? {};
      if (t.unit !== 'milliseconds' || t.unitDeclared !== false) diffs.push(`timestamps unit: got ${show(t)}`);
      if (Date.parse(t.min) !== j.schema?.minTimestamp || Date.parse(t.max) !== j.schema?.maxTimestamp) {
        diffs.push(`timestamps min/max ${show(t)} do not read back to ${j.schema?.minTimestamp} / ${j.schema?.maxTimestamp}`);
      }
      if (j.dataset?.id?.name !== DATASET) diffs.push(`dataset.id.name: got ${show(j.dataset?.id?.name)}`);
      const sizes = dirFiles.map((fn) => statSync(join(dir, fn)).size);
      const totalSize = sizes.reduce((a, b) => a + b, 0);
      if (j.parts?.totalParts !== dirFiles.length) diffs.push(`parts.totalParts: expected ${dirFiles.length}, got ${show(j.parts?.totalParts)}`);
      if (j.parts?.totalSize !== totalSize) diffs.push(`parts.totalSize: expected ${totalSize} (files on disk), got ${show(j.parts?.totalSize)}`);
      if (j.parts?.filenames !== undefined && show(j.parts.filenames) !== show(dirFiles)) {
        diffs.push(`parts.filenames: expected ${show(dirFiles)}, got ${show(j.parts.filenames)}`);
      }
      if (j.parts?.sizes !== undefined && show(j.parts.sizes) !== show(sizes)) {
        diffs.push(`parts.sizes: expected ${show(sizes)}, got ${show(j.parts.sizes)}`);
      }
      const cols = j.schema?.columns;
      if (!cols || typeof cols !== 'object') diffs.push(`schema.columns: got ${show(cols)}`);
      else {
        if (show(Object.keys(cols).sort()) !== show(Object.keys(types).sort())) {
          diffs.push(`schema.columns names: expected ${show(Object.keys(types))}, got ${show(Object.keys(cols))}`);
        }
        for (const [c, t] of Object.entries(types)) {
          if (cols[c] !== t) diffs.push(`schema.columns.${c}: expected ${t}, got ${show(cols[c])}`);
        }
      }
      if (extraChecks) await extraChecks(j, diffs);
      return check(name, diffs, `${dirFiles.length} parts, ${totalSize} bytes, ${Object.keys(types).length} columns`);
    }
    await checkInfo('info', dataDir, files, async (j, diffs) => {
      // minTimestamp/maxTimestamp come from the validated (sampled) parts, which always include
      // the first part: global min <= minTimestamp <= min(first part), same for max.
      const [[firstMin, firstMax]] = await rows(conn,
        `SELECT min(ts), max(ts) FROM read_parquet(${sqlString(join(dataDir, files[0]))})`);
      const mn = j.schema?.minTimestamp;
      const mx = j.schema?.maxTimestamp;
      if (!(typeof mn === 'number' && mn >= Number(minTs) && mn <= Number(firstMin))) {
        diffs.push(`schema.minTimestamp: expected within [${minTs}, ${firstMin}], got ${show(mn)}`);
      }
      if (!(typeof mx === 'number' && mx <= Number(maxTs) && mx >= Number(firstMax))) {
        diffs.push(`schema.maxTimestamp: expected within [${firstMax}, ${maxTs}], got ${show(mx)}`);
      }
    });

    // ---- the queries ---------------------------------------------------------------------
    const [[from, to, mid, atFrom, atTo]] = await rows(conn, `
      WITH b AS (SELECT quantile_disc(ts, 0.25) AS f, quantile_disc(ts, 0.75) AS t,
                        quantile_disc(ts, 0.5) AS m FROM ev)
      SELECT f, t, m, (SELECT count(*) FROM ev, b WHERE ts = b.f), (SELECT count(*) FROM ev, b WHERE ts = b.t)
      FROM b`);
    console.log(`timeframe bounds: from ${from} (${atFrom} rows at it), to ${to} (${atTo} rows at it), mid ${mid}`);
    const cases = defineCases({ from: Number(from), to: Number(to), mid: Number(mid) });
    const caseByName = Object.fromEntries(cases.map((c) => [c.name, c]));

    async function runCase(c, view, label = c.name) {
      let expected;
      let diffs;
      try {
        expected = await expectedResponse(conn, view, c, formatKey);
      } catch (e) {
        diffs = [`computing the expected result failed: ${e.message}`];
      }
      const act = await cli(['run', DATASET, '--string', JSON.stringify(c.query), '--nopretty']);
      if (!diffs) {
        if (!act.json) diffs = [`frocket produced no JSON: ${describeRun(act)}`];
        else {
          diffs = compareResponse(expected, act.json);
          if (!diffs.length && act.code !== 0) diffs.push(`frocket exited with status ${act.code}`);
        }
      }
      check(label, diffs, expected ? `${summary(expected)}; frocket ${act.ms} ms` : '',
        diffs.length ? [`query: ${JSON.stringify(c.query)}`] : []);
      return { expected, act };
    }

    for (const c of cases) await runCase(c, 'ev', `query ${c.name}`);

    // `--empty` is the empty query
    {
      const r = await cli(['run', DATASET, '--empty', '--nopretty']);
      const exp = await expectedResponse(conn, 'ev', caseByName.guide_empty_query, formatKey);
      const diffs = r.json ? compareResponse(exp, r.json) : [`no JSON: ${describeRun(r)}`];
      if (!diffs.length && r.code !== 0) diffs.push(`exit ${r.code}`);
      check('run --empty', diffs, summary(exp));
    }

    // ---- --repeat 2: the same answer, the second run from the memory cache --------------
    {
      const c = caseByName.funnel_over_conditions_step_and_end_aggregations;
      const single = await cli(['run', DATASET, '--string', JSON.stringify(c.query), '--nopretty']);
      const rep = await cli(['run', DATASET, '--string', JSON.stringify(c.query), '--nopretty', '--repeat', '2']);
      const exp = await expectedResponse(conn, 'ev', c, formatKey);
      const diffs = [];
      if (rep.code !== 0) diffs.push(`exit ${rep.code}: ${describeRun(rep)}`);
      const docs = jsonDocuments(rep.stdout);
      if (!docs || docs.length === 0) {
        diffs.push(`no JSON on stdout: ${describeRun(rep)}`);
      } else {
        // stdout holds the last run's response (or one response per run)
        const last = docs[docs.length - 1];
        for (const [i, d] of docs.entries()) {
          for (const x of compareResponse(exp, d)) diffs.push(`response ${i + 1} of ${docs.length}: ${x}`);
        }
        if (docs.length === 2 && answerOf(docs[0]) !== answerOf(docs[1])) {
          diffs.push('the two runs gave different answers');
        }
        if (single.json && answerOf(single.json) !== answerOf(last)) {
          diffs.push(`--repeat 2 answer differs from a single run's: ${clip(answerOf(last))} vs ${clip(answerOf(single.json))}`);
        }
        const cache = last?.stats?.worker?.cache;
        if (!cache || cache.memoryCache !== PARTS) {
          diffs.push(`second run's stats.worker.cache: expected memoryCache ${PARTS}, got ${show(cache)}`);
        }
        // a fresh process has nothing cached: the single run read every part from its source
        const sc = single.json?.stats?.worker?.cache;
        if (!sc || sc.memoryCache !== 0 || sc.source !== PARTS) {
          diffs.push(`single (first) run's stats.worker.cache: expected {"source": ${PARTS}, "memoryCache": 0}, got ${show(sc)}`);
        }
      }
      check('run --repeat 2 (memory cache)', diffs,
        docs ? `${docs.length} response(s) on stdout; cache ${show(docs[docs.length - 1]?.stats?.worker?.cache)}` : '');
    }

    // ---- re-register the name over a regenerated directory ------------------------------
    // Regenerated with another seed, then rewritten by DuckDB in the layout pyarrow and Spark
    // write: rows in no order, timestamps cut to the day (so they tie heavily and come
    // dictionary-encoded), row groups of 2,000 rows. Every query runs again over it.
    {
      const raw2 = join(root, 'activity-regenerated-raw');
      const gen2 = await cli(['generate', raw2, '--rows', String(ROWS), '--parts', String(PARTS),
        '--seed', String(SEED_REGENERATED)]);
      if (gen2.code !== 0) throw new Error(`frocket generate (regenerated) failed: ${describeRun(gen2)}`);
      mkdirSync(dataDir2);
      for (const f of readdirSync(raw2).filter((n) => n.endsWith('.parquet'))) {
        await conn.run(`COPY (SELECT * REPLACE (ts - ts % 86400000 AS ts)
                              FROM read_parquet(${sqlString(join(raw2, f))})
                              ORDER BY hash(user_id, ts, event_type, url))
                        TO ${sqlString(join(dataDir2, f))} (FORMAT parquet, ROW_GROUP_SIZE 2000)`);
      }
      const files2 = readdirSync(dataDir2).filter((n) => n.endsWith('.parquet')).sort();
      await conn.run(`CREATE VIEW ev2 AS SELECT * FROM read_parquet(${sqlString(join(dataDir2, '*.parquet'))})`);
      {
        const glob = sqlString(join(dataDir2, '*.parquet'));
        const [[dictGroups, groups]] = await rows(conn, `
          SELECT count(*) FILTER (WHERE encodings LIKE '%DICTIONARY%'), count(*)
          FROM parquet_metadata(${glob}) WHERE path_in_schema = 'ts'`);
        const [[unordered]] = await rows(conn, `
          SELECT count(*) FROM (SELECT ts, lag(ts) OVER (PARTITION BY filename ORDER BY file_row_number) AS prev
                                FROM read_parquet(${glob}, filename = true, file_row_number = true))
          WHERE ts < prev`);
        const ld = [];
        if (Number(groups) < 2 * PARTS || Number(dictGroups) !== Number(groups)) {
          ld.push(`expected dictionary-encoded timestamps in every row group, got ${dictGroups} of ${groups}`);
        }
        if (Number(unordered) === 0) ld.push('expected rows out of timestamp order');
        check('regenerated dataset layout', ld,
          `${groups} row groups, timestamps dictionary-encoded, ${unordered} rows earlier than the row before`);
      }

      const reg2 = await cli(['register', DATASET, dataDir2, 'user_id', 'ts', '--validation', 'first_last', '--nopretty']);
      const diffs = [];
      if (reg2.code !== 0) diffs.push(`exit ${reg2.code}: ${describeRun(reg2)}`);
      if (reg2.json?.dataset?.totalParts !== files2.length) diffs.push(`dataset.totalParts: got ${show(reg2.json?.dataset?.totalParts)}`);
      check('re-register same name over a regenerated directory', diffs, `seed ${SEED_REGENERATED}`);

      const l = await cli(['list', '--nopretty']);
      const entries = Array.isArray(l.json) ? l.json.filter((x) => x?.id?.name === DATASET) : null;
      const ld = [];
      if (!entries || entries.length !== 1) ld.push(`expected one entry named ${DATASET}, got ${show(l.json ?? l.stdout)}`);
      else if (!String(entries[0].basepath).replace(/\/$/, '').endsWith(dataDir2)) {
        ld.push(`basepath: expected ${show(dataDir2)}, got ${show(entries[0].basepath)}`);
      }
      check('list after re-register', ld);
      await checkInfo('info after re-register', dataDir2, files2);

      // Later queries answer for the new files (and the answers do differ from the old ones).
      for (const c of cases) {
        const name = c.name;
        const { expected } = await runCase(c, 'ev2', `query after re-register ${name}`);
        const old = await expectedResponse(conn, 'ev', c, formatKey);
        if (expected && show(old.query) === show(expected.query) && show(old.funnel) === show(expected.funnel)) {
          console.log(`  note: ${name} has the same expected answer on both datasets (not a discriminating check)`);
        }
      }
    }

    // ---- unregister ----------------------------------------------------------------------
    {
      const q = await cli(['run', DATASET, '--empty', '--nopretty']);
      const u1 = await cli(['unregister', DATASET, '--nopretty']);
      const diffs = [];
      if (q.code !== 0) diffs.push(`the query before unregister failed: ${describeRun(q)}`);
      if (u1.code !== 1) diffs.push(`unregister right after a query: expected exit 1, got ${u1.code}: ${describeRun(u1)}`);
      if (u1.json && u1.json.success !== false) diffs.push(`unregister right after a query: success ${show(u1.json.success)}`);
      const l = await cli(['list', '--nopretty']);
      if (!Array.isArray(l.json) || !l.json.some((x) => x?.id?.name === DATASET)) {
        diffs.push(`after the refused unregister the dataset must still be listed, got ${show(l.json ?? l.stdout)}`);
      }
      check('unregister right after a query is refused', diffs,
        `exit ${u1.code}: ${clip((u1.json?.errorMessage ?? u1.stderr).trim(), 160)}`);

      const u2 = await cli(['unregister', DATASET, '--force', '--nopretty']);
      const d2 = [];
      if (u2.code !== 0) d2.push(`unregister --force: expected exit 0, got ${describeRun(u2)}`);
      if (u2.json && u2.json.success !== true) d2.push(`unregister --force: success ${show(u2.json.success)}`);
      if (u2.json && u2.json.datasetFound !== true) d2.push(`unregister --force: datasetFound ${show(u2.json.datasetFound)}`);
      const l2 = await cli(['list', '--nopretty']);
      if (!Array.isArray(l2.json) || l2.json.some((x) => x?.id?.name === DATASET)) {
        d2.push(`after unregister --force the dataset must not be listed, got ${show(l2.json ?? l2.stdout)}`);
      }
      check('unregister --force', d2);

      const r = await cli(['run', DATASET, '--string', '{}', '--nopretty']);
      const d3 = [];
      if (r.code !== 1) d3.push(`expected exit 1, got ${describeRun(r)}`);
      const msg = `${r.json?.errorMessage ?? ''}\n${r.stderr}`;
      if (!msg.includes(DATASET)) d3.push(`the error does not name the dataset ${show(DATASET)}: ${describeRun(r)}`);
      if (r.json && r.json.success !== false) d3.push(`success: expected false, got ${show(r.json.success)}`);
      check('run after unregister fails naming the dataset', d3,
        `exit ${r.code}: ${clip((r.json?.errorMessage ?? r.stderr).trim(), 160)}`);
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
