// The DuckDB oracle of the differential and end-to-end tests: a query's expected answer
// computed by DuckDB in SQL over the same rows (an independent engine), and the comparison of
// an answer with it. The SQL building blocks below write conditions as SQL over the temp
// tables the oracle prepares.

// Floats agree within this relative tolerance (sums may be added in another order).
export const FLOAT_REL_TOL = 1e-9;
// FROCKET_AGGREGATIONS_TOP_DEFAULT_COUNT's default: the entries an aggregation without "top"
// returns.
export const DEFAULT_TOP = 10;

export const show = (v) => JSON.stringify(v);

export async function rows(conn, sql) {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowsJS();
}

export const num = (v) => (v === null || v === undefined ? v : Number(v));

// ------------------------------------------------------------------------------------------
// SQL building blocks (same approach as tests/differential). The expected result of a query is
// computed from:
//   r  = rows of the dataset inside the timeframe            (temp table)
//   g  = the matching groups (hand-written SQL over r)       (temp table)
//   m  = rows of r whose group is in g                       (temp table)
//   s1..sk = funnel steps: (uid, t) of the groups reaching each step (temp tables)
// In WHERE / FILTER a NULL predicate is not a match: the spec's NULL semantics for every
// operator except != and "not contains", whose SQL is written explicitly (IS DISTINCT FROM /
// IS NULL OR NOT contains).
// ------------------------------------------------------------------------------------------

export const ALL = 'SELECT DISTINCT user_id FROM r';

// count target: n = rows matching p; match iff (n op v) and (n > 0 or includeZero)
export function cnt(p, op = '>=', v = 1, includeZero = false) {
  return `SELECT user_id FROM r GROUP BY user_id
          HAVING count(*) FILTER (WHERE ${p}) ${op} ${v}
             AND (count(*) FILTER (WHERE ${p}) > 0 OR ${includeZero})`;
}

// sum target: only groups with >= 1 matching row; NULLs skipped; a sum over only NULLs is 0
export function sum(p, col, op, v) {
  return `SELECT user_id FROM r WHERE ${p} GROUP BY user_id
          HAVING coalesce(sum(${col}), 0) ${op} ${v}`;
}

// sequence: t1 = min ts of rows matching step 1; t_i = min ts of rows matching step i with
// ts > t_{i-1}; the group matches iff all t_i exist.
export function seq(preds, src = 'r') {
  const ctes = preds.map((p, i) => i === 0
    ? `q1 AS (SELECT user_id AS uid, min(ts) AS t FROM ${src} WHERE ${p} GROUP BY user_id)`
    : `q${i + 1} AS (SELECT x.user_id AS uid, min(x.ts) AS t FROM ${src} x
                     JOIN q${i} ON x.user_id = q${i}.uid AND x.ts > q${i}.t
                     WHERE ${p} GROUP BY x.user_id)`);
  return `WITH ${ctes.join(',\n')} SELECT uid AS user_id FROM q${preds.length}`;
}

// relation: a boolean expression over in_(...) terms, evaluated for every existing group
export function rel(expr) {
  return `SELECT user_id FROM (${ALL}) WHERE ${expr}`;
}
export function in_(sql) {
  return `(user_id IN (${sql}))`;
}

// ------------------------------------------------------------------------------------------
// Expected results via DuckDB
// ------------------------------------------------------------------------------------------

// A float key: the shortest digits that round-trip, laid out as Funnel Rocket (Python's
// repr(float)) does: fixed notation with at least one decimal ("4.0", "129.89") for
// 1e-4 <= |x| < 1e16, else "d.ddde+XX".
export function floatKey(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  const sign = x < 0 ? '-' : '';
  const digits = mant.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits[0] + (digits.length > 1 ? '.' + digits.slice(1) : '');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

export function makeKeyFormatter(types) {
  return (column, v) => {
    const type = types[column];
    if (typeof v === 'bigint') return v.toString();
    if (type === 'BOOL') return v ? 'true' : 'false';
    if (type === 'FLOAT') return floatKey(v);
    return String(v);
  };
}

// Aggregations may be given as {"columns": [...]} (api.md) or as a bare array (the guide).
export function aggregationList(spec) {
  if (!spec) return null;
  if (Array.isArray(spec)) return spec;
  return spec.columns ?? null;
}

export async function expectedAggregations(conn, src, spec, formatKey) {
  const list = aggregationList(spec);
  if (!list) return null;
  const out = [];
  for (const a of list) {
    const types = a.type ? [a.type] : ['count', 'countPerValue', 'groupsPerValue'];
    for (const type of types) {
      const col = a.column;
      const top = a.top ?? DEFAULT_TOP;
      let value;
      if (type === 'count') {
        const [[c]] = await rows(conn, `SELECT count(${col}) FROM ${src}`);
        value = num(c);
      } else {
        let measure;
        let where = `${col} IS NOT NULL`; // NULL keys are skipped
        if (type === 'countPerValue') measure = 'count(*)';
        else if (type === 'groupsPerValue') measure = 'count(DISTINCT user_id)';
        // NULLs of otherColumn are skipped. Assumption (the spec is silent): a key whose
        // otherColumn is NULL in every row has sum 0 (like a sum target over only NULLs, and
        // pandas' groupby().sum()), and no mean (the key is absent from meanPerValue).
        else if (type === 'sumPerValue') measure = `coalesce(sum(${a.otherColumn}), 0)`;
        else if (type === 'meanPerValue') {
          measure = `avg(${a.otherColumn})`;
          where += ` AND ${a.otherColumn} IS NOT NULL`;
        } else throw new Error(`unknown aggregation type ${type}`);
        const res = await rows(conn, `SELECT ${col} AS k, ${measure} AS v FROM ${src} WHERE ${where}
                                      GROUP BY ${col} ORDER BY v DESC, k ASC LIMIT ${top}`);
        value = {};
        for (const [k, v] of res) value[formatKey(col, k)] = num(v);
      }
      const isMap = type !== 'count';
      out.push({ column: col, type, name: a.name ?? null, top: isMap ? top : undefined, value });
    }
  }
  return out;
}

export async function groupCounts(conn, src) {
  const [[g, n]] = await rows(conn, `SELECT count(DISTINCT user_id), count(*) FROM ${src}`);
  return { matchingGroups: num(g), matchingGroupRows: num(n) };
}

// c: a case; view: the DuckDB view over the dataset's files.
export async function expectedResponse(conn, view, c, formatKey) {
  const q = c.query;
  const tf = q.timeframe ?? {};
  const tfConds = [];
  if (tf.from !== undefined) tfConds.push(`ts >= ${tf.from}`);
  if (tf.to !== undefined) tfConds.push(`ts < ${tf.to}`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE r AS SELECT * FROM ${view}
                  ${tfConds.length ? 'WHERE ' + tfConds.join(' AND ') : ''}`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE g AS SELECT DISTINCT user_id FROM (${c.groups ?? ALL})`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE m AS SELECT * FROM r WHERE user_id IN (SELECT user_id FROM g)`);

  const expected = {
    query: { ...(await groupCounts(conn, 'm')),
      aggregations: await expectedAggregations(conn, 'm', q.query?.aggregations, formatKey) },
    funnel: null,
  };
  if (q.funnel) {
    const positive = q.funnel.sequence.filter((step) => step.rowFound !== false).length;
    if (!c.funnel || c.funnel.length !== positive ||
        (c.funnelSets && c.funnelSets.length !== positive)) {
      throw new Error('test definition: funnel SQL steps missing or of the wrong length');
    }
    const sequence = [];
    for (let i = 1; i <= c.funnel.length; i++) {
      const p = c.funnel[i - 1];
      if (c.funnelSets) {
        // Steps with constraints (DESIGN.md §3b): the case gives, per step, SQL over m for the
        // groups having a chain that reaches it.
        await conn.run(`CREATE OR REPLACE TEMP TABLE s${i} AS
                        SELECT DISTINCT user_id AS uid FROM (${c.funnelSets[i - 1]})`);
      } else if (i === 1) {
        await conn.run(`CREATE OR REPLACE TEMP TABLE s1 AS
                        SELECT user_id AS uid, min(ts) AS t FROM m WHERE ${p} GROUP BY user_id`);
      } else {
        await conn.run(`CREATE OR REPLACE TEMP TABLE s${i} AS
                        SELECT x.user_id AS uid, min(x.ts) AS t FROM m x
                        JOIN s${i - 1} ON x.user_id = s${i - 1}.uid AND x.ts > s${i - 1}.t
                        WHERE ${p} GROUP BY x.user_id`);
      }
      await conn.run(`CREATE OR REPLACE TEMP TABLE step_rows AS
                      SELECT * FROM m WHERE user_id IN (SELECT uid FROM s${i})`);
      sequence.push({ ...(await groupCounts(conn, 'step_rows')),
        aggregations: await expectedAggregations(conn, 'step_rows', q.funnel.stepAggregations, formatKey) });
    }
    // step_rows now holds the rows of the groups that completed the last step
    expected.funnel = {
      sequence,
      endAggregations: await expectedAggregations(conn, 'step_rows', q.funnel.endAggregations, formatKey),
    };
  }
  return expected;
}

// ------------------------------------------------------------------------------------------
// Comparison
// ------------------------------------------------------------------------------------------

export function approxEqual(a, b) {
  if (typeof a !== 'number' || typeof b !== 'number') return false;
  if (a === b) return true;
  return Math.abs(a - b) <= FLOAT_REL_TOL * Math.max(Math.abs(a), Math.abs(b));
}

export function compareAggregations(path, exp, act, diffs) {
  if (exp === null) {
    if (act !== null && act !== undefined) diffs.push(`${path}: expected null, got ${show(act)}`);
    return;
  }
  if (!Array.isArray(act)) {
    diffs.push(`${path}: expected ${exp.length} aggregation results, got ${show(act)}`);
    return;
  }
  if (act.length !== exp.length) {
    diffs.push(`${path}: expected ${exp.length} aggregation results, got ${act.length}: ` +
      show(act.map((a) => `${a.column}/${a.type}`)));
    return;
  }
  exp.forEach((e, i) => {
    const a = act[i];
    const p = `${path}[${i}](${e.column}/${e.type})`;
    if (a.column !== e.column) diffs.push(`${p}.column: expected ${show(e.column)}, got ${show(a.column)}`);
    if (a.type !== e.type) diffs.push(`${p}.type: expected ${show(e.type)}, got ${show(a.type)}`);
    if ((a.name ?? null) !== e.name) diffs.push(`${p}.name: expected ${show(e.name)}, got ${show(a.name)}`);
    if (e.top !== undefined && a.top !== e.top) diffs.push(`${p}.top: expected ${e.top}, got ${show(a.top)}`);
    if (a.approximate) diffs.push(`${p}: marked approximate, expected an exact result`);
    const floaty = e.type === 'sumPerValue' || e.type === 'meanPerValue';
    if (e.type === 'count') {
      if (a.value !== e.value) diffs.push(`${p}.value: expected ${e.value}, got ${show(a.value)}`);
      return;
    }
    if (a.value === null || typeof a.value !== 'object' || Array.isArray(a.value)) {
      diffs.push(`${p}.value: expected an object, got ${show(a.value)}`);
      return;
    }
    // The selected top-N entries must be exactly the same keys with the same values (the order
    // of keys in the JSON object is not compared: JSON.parse reorders integer-like keys).
    const ek = Object.keys(e.value);
    const ak = Object.keys(a.value);
    const missing = ek.filter((k) => !(k in a.value));
    const extra = ak.filter((k) => !(k in e.value));
    if (missing.length) diffs.push(`${p}: missing keys ${show(missing.map((k) => [k, e.value[k]]))}`);
    if (extra.length) diffs.push(`${p}: unexpected keys ${show(extra.map((k) => [k, a.value[k]]))}`);
    for (const k of ek) {
      if (!(k in a.value)) continue;
      const ok = floaty ? approxEqual(a.value[k], e.value[k]) : a.value[k] === e.value[k];
      if (!ok) diffs.push(`${p}.value[${show(k)}]: expected ${e.value[k]}, got ${show(a.value[k])}`);
    }
  });
}

export function compareCounts(path, exp, act, diffs) {
  for (const key of ['matchingGroups', 'matchingGroupRows']) {
    if (act?.[key] !== exp[key]) diffs.push(`${path}.${key}: expected ${exp[key]}, got ${show(act?.[key])}`);
  }
}

export function compareResponse(exp, act) {
  const diffs = [];
  if (!act || act.success !== true) {
    diffs.push(`success: expected true, got ${show(act?.success)}` +
      (act?.errorMessage ? ` (errorMessage: ${act.errorMessage})` : ''));
    return diffs;
  }
  if (!act.query) {
    diffs.push('query: missing');
  } else {
    compareCounts('query', exp.query, act.query, diffs);
    compareAggregations('query.aggregations', exp.query.aggregations, act.query.aggregations ?? null, diffs);
  }
  if (exp.funnel === null) {
    if (act.funnel !== null && act.funnel !== undefined) diffs.push(`funnel: expected null, got ${show(act.funnel)}`);
    return diffs;
  }
  if (!act.funnel || !Array.isArray(act.funnel.sequence)) {
    diffs.push(`funnel: expected a funnel result, got ${show(act.funnel)}`);
    return diffs;
  }
  const es = exp.funnel.sequence;
  const as = act.funnel.sequence;
  if (as.length !== es.length) diffs.push(`funnel.sequence: expected ${es.length} steps, got ${as.length}`);
  for (let i = 0; i < Math.min(es.length, as.length); i++) {
    compareCounts(`funnel.sequence[${i}]`, es[i], as[i], diffs);
    compareAggregations(`funnel.sequence[${i}].aggregations`, es[i].aggregations, as[i].aggregations ?? null, diffs);
  }
  compareAggregations('funnel.endAggregations', exp.funnel.endAggregations, act.funnel.endAggregations ?? null, diffs);
  return diffs;
}
