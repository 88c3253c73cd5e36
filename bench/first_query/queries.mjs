// The queries of the first-query suite (bench/first_query.sh): each as frocket's JSON and as
// SQL for DuckDB and ClickHouse, made from one description, and how each engine's answer is
// flattened to [key, number] pairs, so that the suite can check that all give the same answer.
//
// The SQL is the fastest form found for each engine (both were measured): a condition is a
// GROUP BY user_id with a HAVING, the aggregations over the matching users' rows one pass with
// GROUPING SETS, a funnel one pass collecting each user's step times as arrays (faster in both
// than joins per step, and in ClickHouse than windowFunnel).

// One month of the generated dataset (Aug-Oct 2026), in its unit, milliseconds.
const MONTH = { from: 1788220800000, to: 1790812800000 };  // 2026-09-01 .. 2026-10-01

// What differs between the engines' SQL.
export const dialects = {
  duckdb: {
    files: (glob) => `read_parquet('${glob}')`,
    countIf: (c) => `count(*) FILTER (WHERE ${c})`,
    sumIf: (x, c) => `coalesce(sum(${x}) FILTER (WHERE ${c}), 0)`,
    minIf: (x, c) => `min(${x}) FILTER (WHERE ${c})`,
    maxIf: (x, c) => `max(${x}) FILTER (WHERE ${c})`,
    listIf: (x, c) => `list(${x}) FILTER (WHERE ${c})`,
    distinctValues: (x) => `list(DISTINCT ${x}) FILTER (WHERE ${x} IS NOT NULL)`,
    firstAfter: (list, t) => `list_min(list_filter(${list}, x -> x > ${t}))`,
    // rows of `from` (with a list column `list`), one per element, as `alias`
    explode: (from, list, alias) => `(SELECT *, unnest(${list}) AS ${alias} FROM ${from})`,
  },
  clickhouse: {
    files: (glob) => `file('${glob}', Parquet)`,
    countIf: (c) => `countIf(${c})`,
    sumIf: (x, c) => `sumIf(coalesce(${x}, 0), ${c})`,
    minIf: (x, c) => `minIfOrNull(${x}, ${c})`,
    maxIf: (x, c) => `maxIfOrNull(${x}, ${c})`,
    listIf: (x, c) => `groupArrayIf(${x}, ${c})`,
    distinctValues: (x) => `groupUniqArray(${x})`,
    firstAfter: (list, t) => `nullIf(arrayMin(arrayFilter(x -> x > ${t}, ${list})), 0)`,
    explode: (from, list, alias) => `(SELECT *, ${alias} FROM ${from} ARRAY JOIN ${list} AS ${alias})`,
  },
};

const is = (value) => `event_type = '${value}'`;
const step = (value) => ({ filter: ['event_type', '==', value] });
const funnelSteps = ['pageview', 'addtocart', 'purchase'];
const inMonth = `ts >= ${MONTH.from} AND ts < ${MONTH.to}`;

// SQL: the users of `src` (rows where `where`) whose rows satisfy `having`.
const users = (src, having, where = 'true') =>
  `SELECT user_id FROM ${src} WHERE ${where} GROUP BY user_id HAVING ${having}`;

// SQL: the aggregations `aggs` ({column, type, other}) over the rows of the users `inner`
// (SQL of a user_id list), with the groups and rows: one pass, a grouping set per column.
function aggregationsSql(src, inner, aggs) {
  const columns = [...new Set(aggs.filter((a) => a.type !== 'count').map((a) => a.column))];
  const select = ['count(*) AS rows_of', 'count(DISTINCT user_id) AS users'];
  for (const a of aggs) {
    if (a.type === 'count') select.push(`count(${a.column}) AS count_${a.column}`);
    if (a.type === 'sumPerValue') select.push(`sum(${a.other}) AS sum_${a.other}`);
    if (a.type === 'meanPerValue') select.push(`avg(${a.other}) AS mean_${a.other}`);
  }
  const grouping = columns.length ? `grouping(${columns.join(', ')}) AS gid, ` : '0 AS gid, ';
  return `SELECT ${grouping}${columns.join(', ')}${columns.length ? ', ' : ''}${select.join(', ')}
    FROM ${src} WHERE user_id IN (${inner})
    GROUP BY GROUPING SETS (${[...columns.map((c) => `(${c})`), '()'].join(', ')})`;
}

// The rows of aggregationsSql as [key, number] pairs, keyed as answerOf keys frocket's.
function aggregationPairs(rows, aggs) {
  const columns = [...new Set(aggs.filter((a) => a.type !== 'count').map((a) => a.column))];
  const out = [];
  for (const r of rows) {
    const gid = Number(r.gid);
    if (gid === (1 << columns.length) - 1) {  // the grand total
      out.push(['groups', r.users], ['rows', r.rows_of]);
      for (const a of aggs) if (a.type === 'count') out.push([`${a.column}.count`, r[`count_${a.column}`]]);
      continue;
    }
    // grouping(): a bit per column, the first the highest, set where it is not grouped by
    const column = columns.find((c, i) => (gid & (1 << (columns.length - 1 - i))) === 0);
    const value = r[column];
    if (value === null || value === undefined) continue;  // per-value results skip NULL
    for (const a of aggs.filter((x) => x.column === column)) {
      const v = { countPerValue: r.rows_of, groupsPerValue: r.users, sumPerValue: r[`sum_${a.other}`] ?? 0,
        meanPerValue: r[`mean_${a.other}`] }[a.type];
      if (v !== null && v !== undefined) out.push([`${column}.${a.type}.${String(value)}`, v]);
    }
  }
  return out;
}

// SQL: the 3-step funnel over the rows of `src` where `where`: per step, the users reaching it
// and their rows (g1, r1, ...); with `browsers`, per step and browser the users reaching it
// with a row of that browser (b, u1, u2, u3).
function funnelSql(d, src, where, browsers = false) {
  const [a, b, c] = funnelSteps.map(is);
  const per = `(SELECT user_id, count(*) AS n, ${d.minIf('ts', a)} AS t1, ${d.listIf('ts', b)} AS l2,
      ${d.listIf('ts', c)} AS l3${browsers ? `, ${d.distinctValues('browser')} AS bs` : ''}
    FROM ${src} WHERE ${where} GROUP BY user_id)`;
  const f2 = `(SELECT *, ${d.firstAfter('l2', 't1')} AS t2 FROM ${per})`;
  const f3 = `(SELECT *, ${d.firstAfter('l3', 't2')} AS t3 FROM ${f2})`;
  if (browsers) {
    return `SELECT b, count(t1) AS u1, count(t2) AS u2, count(t3) AS u3
      FROM ${d.explode(f3, 'bs', 'b')} GROUP BY b`;
  }
  return `SELECT ${[1, 2, 3].map((i) => `count(t${i}) AS g${i},
      sum(CASE WHEN t${i} IS NOT NULL THEN n ELSE 0 END) AS r${i}`).join(', ')} FROM ${f3}`;
}
const funnelPairs = (r) => [1, 2, 3].flatMap((i) => [[`step${i}.groups`, r[`g${i}`]], [`step${i}.rows`, r[`r${i}`]]]);

// An aggregation query: `having` selects the users, `aggs` runs over their rows.
function aggregationQuery(name, frocketQuery, having, aggs) {
  return {
    name,
    frocket: { query: { ...frocketQuery, aggregations: aggs.map((a) => ({
      column: a.column, type: a.type, ...(a.other ? { otherColumn: a.other } : {}),
      ...(a.type === 'count' ? {} : { top: 1000 }) })) } },
    sql: (d, src) => [aggregationsSql(src, users(src, having(d)), aggs)],
    pairs: ([rows]) => aggregationPairs(rows, aggs),
  };
}

export const queries = [
  {
    name: 'empty query',
    frocket: {},
    sql: (d, src) => [`SELECT count(DISTINCT user_id) AS users, count(*) AS rows_of FROM ${src}`],
    pairs: ([[r]]) => [['groups', r.users], ['rows', r.rows_of]],
  },
  {
    name: '3-step funnel',
    frocket: { funnel: { sequence: funnelSteps.map(step) } },
    sql: (d, src) => [funnelSql(d, src, 'true')],
    pairs: ([[r]]) => funnelPairs(r),
    only: 'step',
  },
  {
    name: 'one month + 3-step funnel',
    frocket: { timeframe: MONTH, funnel: { sequence: funnelSteps.map(step) } },
    sql: (d, src) => [funnelSql(d, src, inMonth)],
    pairs: ([[r]]) => funnelPairs(r),
    only: 'step',
  },
  // Sums of goal_value are multiples of 0.1 up to rounding: the bound lies between two.
  aggregationQuery('count >= 2 and sum >= 200 targets, countPerValue + groupsPerValue',
    { conditions: [
      { filter: ['event_type', '==', 'addtocart'], target: ['count', '>=', 2] },
      { filter: ['event_type', '==', 'purchase'], target: ['sum', 'goal_value', '>=', 200.05] }] },
    (d) => `${d.countIf(is('addtocart'))} >= 2 AND ${d.countIf(is('purchase'))} > 0 AND
            ${d.sumIf('goal_value', is('purchase'))} >= 200.05`,
    [{ column: 'country', type: 'countPerValue' }, { column: 'device', type: 'groupsPerValue' }]),
  aggregationQuery('count == 0 over two filters + countPerValue',
    { conditions: [{ filters: [['event_type', '==', 'addtocart'], ['device', '==', 'mobile']],
      target: ['count', '==', 0] }] },
    (d) => `${d.countIf(`${is('addtocart')} AND device = 'mobile'`)} = 0`,
    [{ column: 'browser', type: 'countPerValue' }]),
  {
    // A user has the sequence pageview -> purchase iff a purchase is after its first pageview.
    name: 'relation of a count and a sequence + funnel with step aggregations',
    frocket: {
      query: {
        conditions: [
          { name: 'searcher', filter: ['event_type', '==', 'search'], target: ['count', '>=', 3] },
          { name: 'buyer', sequence: [step('pageview'), step('purchase')] },
        ],
        relation: '$searcher or $buyer',
      },
      funnel: {
        sequence: funnelSteps.map(step),
        stepAggregations: [{ column: 'browser', type: 'groupsPerValue', top: 1000 }],
      },
    },
    sql: (d, src) => {
      const per = `(SELECT user_id, count(*) AS n, ${d.countIf(is('search'))} AS searches,
          ${d.minIf('ts', is('pageview'))} AS t1, ${d.maxIf('ts', is('purchase'))} AS last_purchase,
          ${d.listIf('ts', is('addtocart'))} AS l2, ${d.listIf('ts', is('purchase'))} AS l3,
          ${d.distinctValues('browser')} AS bs
        FROM ${src} GROUP BY user_id)`;
      const u = `(SELECT * FROM ${per} WHERE searches >= 3 OR last_purchase > t1)`;
      const f2 = `(SELECT *, ${d.firstAfter('l2', 't1')} AS t2 FROM ${u})`;
      const f3 = `(SELECT *, ${d.firstAfter('l3', 't2')} AS t3 FROM ${f2})`;
      return [`SELECT count(*) AS users, sum(n) AS rows_of, ${[1, 2, 3].map((i) => `count(t${i}) AS g${i},
          sum(CASE WHEN t${i} IS NOT NULL THEN n ELSE 0 END) AS r${i}`).join(', ')} FROM ${f3}`,
        `SELECT b, count(t1) AS u1, count(t2) AS u2, count(t3) AS u3 FROM ${d.explode(f3, 'bs', 'b')}
         GROUP BY b`];
    },
    pairs: ([[q], browsers]) => [['groups', q.users], ['rows', q.rows_of], ...funnelPairs(q),
      ...browsers.flatMap((r) => [1, 2, 3].map((i) => [`step${i}.browser.groupsPerValue.${r.b}`, r[`u${i}`]]))
        .filter(([, v]) => Number(v) > 0)],
  },
  aggregationQuery('every aggregation type, over the buyers',
    { conditions: [{ filter: ['event_type', '==', 'purchase'] }] },
    (d) => `${d.countIf(is('purchase'))} > 0`,
    [{ column: 'goal_value', type: 'count' }, { column: 'browser', type: 'countPerValue' },
      { column: 'is_mobile', type: 'groupsPerValue' }, { column: 'campaign_id', type: 'countPerValue' },
      { column: 'country', type: 'sumPerValue', other: 'goal_value' },
      { column: 'device', type: 'meanPerValue', other: 'price' }]),
  aggregationQuery('NULL-heavy column: filter and aggregations',
    { conditions: [{ filter: ['campaign_id', '>=', 1020] }] },
    (d) => `${d.countIf('campaign_id >= 1020')} > 0`,
    [{ column: 'campaign_id', type: 'countPerValue' }, { column: 'goal_value', type: 'count' }]),
];

// frocket's answer flattened to [key, number] pairs; `only`: the keys starting with it.
export function answerOf(response, only) {
  const out = [];
  const aggregations = (prefix, list) => {
    for (const a of list ?? []) {
      const at = `${prefix}${a.column}.${a.type}`;
      if (typeof a.value === 'number') out.push([at, a.value]);
      else for (const [k, v] of Object.entries(a.value)) out.push([`${at}.${k}`, v]);
    }
  };
  if (response.query) {
    out.push(['groups', response.query.matchingGroups], ['rows', response.query.matchingGroupRows]);
    aggregations('', response.query.aggregations);
  }
  (response.funnel?.sequence ?? []).forEach((s, i) => {
    out.push([`step${i + 1}.groups`, s.matchingGroups], [`step${i + 1}.rows`, s.matchingGroupRows]);
    aggregations(`step${i + 1}.`, s.aggregations);
  });
  return normalize(out, only);
}

// Pairs sorted by key, numbers as numbers; `only`: the keys starting with it.
export function normalize(pairs, only) {
  return pairs.filter(([k]) => !only || String(k).startsWith(only))
    .map(([k, v]) => [String(k), Number(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

// Whether two normalized answers agree: the same keys, the same numbers up to a relative
// 1e-9 (float sums differ in their last bits between engines and runs).
export function sameAnswer(a, b) {
  return a.length === b.length && a.every(([k, v], i) => k === b[i][0] &&
    Math.abs(v - b[i][1]) <= 1e-9 * Math.max(1, Math.abs(v), Math.abs(b[i][1])));
}
