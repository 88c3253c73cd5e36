// frocket's web UI: pick a dataset, read its columns, build a query (or edit its JSON — the
// two are kept in step), have the server check it as it is typed, run it with live progress,
// and look at the answer: the funnel as a chart and a table, aggregations as tables, the
// audience of a step as a CSV download. The query lives in the page's URL, so a link reproduces
// it. Plain modules and Chart.js (Debian's libjs-chart.js, served by frocket itself).

const $ = (id) => document.getElementById(id);
const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

// ---- The API --------------------------------------------------------------------------------

function headers(json) {
  const h = json ? { 'Content-Type': 'application/json' } : {};
  const token = sessionStorage.getItem('frocket-token');
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

async function api(path, body, signal) {
  const response = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (response.status === 401) document.querySelector('.token').hidden = false;
  return response;
}

$('token').addEventListener('change', (e) => {
  sessionStorage.setItem('frocket-token', e.target.value);
  loadDatasets();
});

// ---- Datasets and their columns -------------------------------------------------------------

const state = { dataset: null, columns: {}, unit: 1, unitName: 'ms', running: null };

async function loadDatasets() {
  const response = await api('/datasets');
  const list = $('datasets');
  list.replaceChildren();
  if (!response.ok) {
    $('datasets-status').textContent = `Could not list datasets (${response.status}).`;
    return;
  }
  const datasets = await response.json();
  $('datasets-status').textContent = datasets.length ? '' : 'No dataset is registered yet.';
  for (const d of datasets) {
    const name = d.id?.name ?? d.name;
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = name;
    button.dataset.name = name;
    button.addEventListener('click', () => openDataset(name));
    const item = document.createElement('li');
    item.append(button);
    list.append(item);
  }
}

// The timestamp column's unit, from the size of its values: seconds, milliseconds,
// microseconds or nanoseconds since the epoch (as Funnel Rocket's datasets hold them).
function unitOf(max) {
  if (!(max > 0)) return ['ms', 1];
  if (max < 1e11) return ['s', 1 / 1000];
  if (max < 1e14) return ['ms', 1];
  if (max < 1e17) return ['µs', 1000];
  return ['ns', 1e6];
}

async function openDataset(name, query) {
  const [schemaResponse, partsResponse] = await Promise.all([
    api(`/datasets/${encodeURIComponent(name)}/schema?full=true`),
    api(`/datasets/${encodeURIComponent(name)}/parts`),
  ]);
  if (!schemaResponse.ok) {
    $('datasets-status').textContent = `Could not read ${name}'s schema (${schemaResponse.status}).`;
    return;
  }
  const schema = await schemaResponse.json();
  const parts = partsResponse.ok ? await partsResponse.json() : null;
  state.dataset = name;
  state.columns = schema.columns ?? {};
  state.groupColumn = schema.groupIdColumn;
  state.timeColumn = schema.timestampColumn;
  const time = state.columns[state.timeColumn]?.colattrs ?? {};
  [state.unitName, state.unit] = unitOf(time.numericMax);
  for (const b of document.querySelectorAll('#datasets button')) {
    b.setAttribute('aria-current', String(b.dataset.name === name));
  }
  $('dataset').hidden = false;
  $('dataset-title').textContent = name;
  const facts = [`${number.format(Object.keys(state.columns).length)} columns`];
  if (parts) facts.push(`${number.format(parts.totalParts)} parts`, bytes(parts.totalSize));
  if (time.numericMin !== undefined) {
    facts.push(`from ${isoOf(time.numericMin)} to ${isoOf(time.numericMax)}`);
  }
  $('dataset-facts').textContent = facts.join(' · ');
  $('unit-hint').textContent = `timestamps in ${state.unitName} (${state.timeColumn})`;
  renderSchema();
  fillColumnPickers();
  setQuery(query ?? {});
}

function bytes(n) {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) n /= 1024, i++;
  return `${number.format(n)} ${units[i]}`;
}

// A timestamp of the dataset's unit as a date and time (UTC).
function isoOf(t) {
  const ms = t / state.unit;
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : String(t);
}

function renderSchema() {
  const body = $('schema').tBodies[0];
  body.replaceChildren();
  for (const [name, c] of Object.entries(state.columns)) {
    const a = c.colattrs ?? {};
    let facts = '';
    if (a.catTopValues) {
      facts = Object.entries(a.catTopValues).map(([v, f]) => `${v} (${percent.format(f)})`).join(', ');
    } else if (a.numericMin !== undefined) {
      facts = `${number.format(a.numericMin)} – ${number.format(a.numericMax)}`;
    }
    const row = body.insertRow();
    row.insertCell().textContent = name;
    row.insertCell().textContent = c.coltype;
    row.insertCell().textContent = facts;
  }
}

// ---- The builder ----------------------------------------------------------------------------

const OPERATORS = {
  STRING: ['==', '!=', 'contains', 'not contains', '>', '>=', '<', '<=', 'regex'],
  INT: ['==', '!=', '>', '>=', '<', '<='],
  FLOAT: ['==', '!=', '>', '>=', '<', '<='],
  BOOL: ['==', '!='],
};
const AGGREGATIONS = ['count', 'countPerValue', 'groupsPerValue', 'sum', 'sumPerValue', 'meanPerValue'];
const NEEDS_OTHER = new Set(['sumPerValue', 'meanPerValue']);

function option(value, text = value) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}

function fillColumnPickers() {
  const breakdown = $('breakdown');
  breakdown.replaceChildren(option('', '—'));
  $('hold').replaceChildren(option('', '—'), ...Object.keys(state.columns).map((n) => option(n)));
  for (const [name, c] of Object.entries(state.columns)) {
    if (c.coltype === 'STRING' || c.coltype === 'BOOL') breakdown.append(option(name));
  }
}

function columnSelect(value, path, label) {
  const select = document.createElement('select');
  select.setAttribute('aria-label', label);
  select.dataset.path = path;
  for (const name of Object.keys(state.columns)) select.append(option(name));
  if (value) select.value = value;
  return select;
}

// A filter's controls: column, an operator fitting its type, a value (offering top values).
function filterControls(f, path, onChange) {
  const column = columnSelect(f.column, `${path}[0]`, 'Column');
  const op = document.createElement('select');
  op.setAttribute('aria-label', 'Operator');
  op.dataset.path = `${path}[1]`;
  const value = document.createElement('input');
  value.setAttribute('aria-label', 'Value');
  value.dataset.path = `${path}[2]`;
  value.size = 14;
  const list = document.createElement('datalist');
  list.id = `values-${path.replace(/[^a-z0-9]/gi, '-')}`;
  value.setAttribute('list', list.id);
  const refresh = () => {
    const type = state.columns[column.value]?.coltype ?? 'STRING';
    const previous = op.value || f.op;
    op.replaceChildren(...OPERATORS[type].map((o) => option(o)));
    op.value = OPERATORS[type].includes(previous) ? previous : OPERATORS[type][0];
    const top = state.columns[column.value]?.colattrs?.catTopValues ?? {};
    list.replaceChildren(...Object.keys(top).map((v) => option(v)));
    value.type = type === 'INT' || type === 'FLOAT' ? 'number' : 'text';
  };
  refresh();
  value.value = f.value ?? '';
  column.addEventListener('change', () => { refresh(); onChange(); });
  op.addEventListener('change', onChange);
  value.addEventListener('input', onChange);
  const read = () => {
    const type = state.columns[column.value]?.coltype;
    let v = value.value;
    if ((type === 'INT' || type === 'FLOAT') && v !== '' && !Number.isNaN(Number(v))) v = Number(v);
    if (type === 'BOOL') v = v === 'true';
    return { column: column.value, op: op.value, value: v };
  };
  return { elements: [column, op, value, list], read };
}

function textInput(label, value, path, size = 10, placeholder = '') {
  const input = document.createElement('input');
  input.setAttribute('aria-label', label);
  input.value = value ?? '';
  input.size = size;
  input.placeholder = placeholder;
  input.dataset.path = path;
  input.addEventListener('input', builderChanged);
  return input;
}

function selectOf(label, values, value, path) {
  const select = document.createElement('select');
  select.setAttribute('aria-label', label);
  select.dataset.path = path;
  select.append(...values.map(([v, text]) => option(v, text)));
  select.value = value;
  select.addEventListener('change', builderChanged);
  return select;
}

const COMPARISONS = ['==', '!=', '>', '>=', '<', '<='].map((o) => [o, o]);

function removeButton(onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = 'Remove';
  b.addEventListener('click', onClick);
  return b;
}

// Each list of the builder: its items' controls are rebuilt from `items` on every change of
// its length, and read back into the query on every edit.
const lists = {
  conditions: { items: [], make: makeCondition },
  steps: { items: [], make: makeStep },
  'step-aggregations': { items: [], make: (a, i) => makeAggregation(a, `funnel.stepAggregations[${i}]`) },
  aggregations: { items: [], make: (a, i) => makeAggregation(a, `query.aggregations[${i}]`) },
};

function renderList(id) {
  const list = lists[id];
  const ol = $(id);
  ol.replaceChildren();
  list.readers = list.items.map((item, i) => {
    const li = document.createElement('li');
    const { elements, read } = list.make(item, i);
    li.append(...elements, removeButton(() => {
      list.items = list.readers.map((r) => r());
      list.items.splice(i, 1);
      renderList(id);
      builderChanged();
    }));
    ol.append(li);
    return read;
  });
}

// A condition: a name (for the relation), then either rows — a filter, and what the group's
// matching rows must add up to: at least one (the default), a count, or a sum of a numeric
// column — or a sequence of filters in time order, within an optional window.
function makeCondition(c, i) {
  const path = `query.conditions[${i}]`;
  const name = textInput(`Condition ${i + 1} name`, c.name, `${path}.name`, 8, `$${i}`);
  const shape = selectOf(`Condition ${i + 1} kind`, [['rows', 'rows where'], ['sequence', 'in sequence']],
    c.sequence ? 'sequence' : 'rows', path);
  const sequence = makeSequence(c, path);
  const f = filterControls(c.sequence ? { column: c.sequence[0]?.column } : c, `${path}.filter`, builderChanged);
  const target = c.target ?? [];
  const kind = selectOf('Target', [['', 'at least once'], ['count', 'count'], ['sum', 'sum of']],
    target[0] ?? '', `${path}.target`);
  const numeric = Object.entries(state.columns).filter(([, col]) => col.coltype === 'INT' || col.coltype === 'FLOAT')
    .map(([n]) => [n, n]);
  const sumColumn = selectOf('Summed column', numeric, target[0] === 'sum' ? target[1] : numeric[0]?.[0],
    `${path}.target[1]`);
  const op = selectOf('Target comparison', COMPARISONS, target[0] === 'sum' ? target[2] : target[1] ?? '>=',
    `${path}.target`);
  const value = textInput('Target value', target[0] === 'sum' ? target[3] : target[2], `${path}.target`, 5);
  value.type = 'number';
  const show = () => {
    const rows = shape.value === 'rows';
    for (const e of [...f.elements, kind]) e.hidden = !rows;
    sequence.element.hidden = rows;
    sumColumn.hidden = !rows || kind.value !== 'sum';
    op.hidden = value.hidden = !rows || kind.value === '';
  };
  show();
  kind.addEventListener('change', show);
  shape.addEventListener('change', show);
  const read = () => {
    if (shape.value === 'sequence') return { name: name.value, ...sequence.read() };
    const out = { name: name.value, ...f.read() };
    const v = value.value === '' ? value.value : Number(value.value);
    if (kind.value === 'count') out.target = ['count', op.value, v];
    if (kind.value === 'sum') out.target = ['sum', sumColumn.value, op.value, v];
    return out;
  };
  return { elements: [name, shape, ...f.elements, kind, sumColumn, op, value, sequence.element], read };
}

// A sequence condition's steps (each a filter) and its window.
function makeSequence(c, path) {
  const element = document.createElement('div');
  element.className = 'sequence';
  const ol = document.createElement('ol');
  let items = c.sequence ?? [{ column: firstColumn('STRING') }, { column: firstColumn('STRING') }];
  let readers = [];
  const render = () => {
    ol.replaceChildren();
    readers = items.map((step, j) => {
      const li = document.createElement('li');
      const f = filterControls(step, `${path}.sequence[${j}].filter`, builderChanged);
      li.append(...f.elements, removeButton(() => {
        items = readers.map((r) => r());
        items.splice(j, 1);
        render();
        builderChanged();
      }));
      ol.append(li);
      return f.read;
    });
  };
  render();
  const add = document.createElement('button');
  add.type = 'button';
  add.textContent = 'Add to sequence';
  add.addEventListener('click', () => {
    items = readers.map((r) => r());
    items.push({ column: firstColumn('STRING') });
    render();
    builderChanged();
  });
  const within = textInput('Sequence window', c.maxDuration, `${path}.maxDuration`, 8, 'within, e.g. 1d');
  element.append(ol, add, within);
  const read = () => ({
    sequence: readers.map((r) => r()),
    maxDuration: within.value.trim() || undefined,
  });
  return { element, read };
}

// A step: its name, its filter, and — after the first — whether it is an exclusion (no such
// row may come between its neighbours) and the longest gap from the step before.
function makeStep(s, i) {
  const path = `funnel.sequence[${i}]`;
  const name = textInput(`Step ${i + 1} name`, s.name, `${path}.name`, 10, `Step ${i + 1}`);
  const f = filterControls(s, `${path}.filter`, builderChanged);
  const elements = [name, ...f.elements];
  let excluded = null;
  let gap = null;
  if (i > 0) {
    excluded = document.createElement('input');
    excluded.type = 'checkbox';
    excluded.checked = s.rowFound === false;
    excluded.dataset.path = `${path}.rowFound`;
    excluded.addEventListener('change', builderChanged);
    const label = document.createElement('label');
    label.append(excluded, ' must not happen');
    gap = textInput(`Step ${i + 1} longest gap`, s.maxGap, `${path}.maxGap`, 6, 'gap, e.g. 1h');
    elements.push(label, gap);
  }
  const read = () => ({
    name: name.value, ...f.read(),
    rowFound: excluded?.checked ? false : undefined,
    maxGap: gap?.value.trim() || undefined,
  });
  return { elements, read };
}

function makeAggregation(a, path) {
  const column = columnSelect(a.column, `${path}.column`, 'Aggregated column');
  const type = document.createElement('select');
  type.setAttribute('aria-label', 'Aggregation');
  type.dataset.path = `${path}.type`;
  type.append(...AGGREGATIONS.map((t) => option(t)));
  type.value = a.type ?? 'countPerValue';
  const other = columnSelect(a.otherColumn, `${path}.otherColumn`, 'Summed column');
  const showOther = () => { other.hidden = !NEEDS_OTHER.has(type.value); };
  showOther();
  for (const e of [column, other]) e.addEventListener('change', builderChanged);
  type.addEventListener('change', () => { showOther(); builderChanged(); });
  const read = () => ({ column: column.value, type: type.value,
    otherColumn: NEEDS_OTHER.has(type.value) ? other.value : undefined });
  return { elements: [column, type, other], read };
}

function addTo(id, item) {
  const list = lists[id];
  list.items = (list.readers ?? []).map((r) => r());
  list.items.push(item);
  renderList(id);
  builderChanged();
}

const firstColumn = (type) =>
  Object.entries(state.columns).find(([n, c]) => c.coltype === type && n !== state.groupColumn)?.[0];

$('add-condition').addEventListener('click', () => addTo('conditions', { column: firstColumn('STRING') }));
$('add-step').addEventListener('click', () => addTo('steps', { column: firstColumn('STRING') }));
$('add-step-aggregation').addEventListener('click', () =>
  addTo('step-aggregations', { column: firstColumn('STRING'), type: 'groupsPerValue' }));
$('add-aggregation').addEventListener('click', () =>
  addTo('aggregations', { column: firstColumn('STRING'), type: 'countPerValue' }));
for (const id of ['from', 'to', 'max-duration', 'order', 'breakdown', 'attribution', 'breakdown-top',
  'time-to-convert', 'relation', 'hold']) {
  $(id).addEventListener('input', builderChanged);
}

// datetime-local (read as UTC) <-> the timestamp column's unit.
function toUnit(local) {
  if (!local) return undefined;
  const ms = Date.parse(local.length === 16 ? `${local}:00Z` : `${local}Z`);  // minutes or seconds
  return Number.isFinite(ms) ? Math.round(ms * state.unit) : undefined;
}
function fromUnit(t) {
  return typeof t === 'number' ? new Date(t / state.unit).toISOString().slice(0, 16) : '';
}

// The query the builder shows.
function builderQuery() {
  const q = {};
  const from = toUnit($('from').value);
  const to = toUnit($('to').value);
  if (from !== undefined || to !== undefined) {
    q.timeframe = {};
    if (from !== undefined) q.timeframe.from = from;
    if (to !== undefined) q.timeframe.to = to;
  }
  const read = (id) => (lists[id].readers ?? []).map((r) => r());
  const duration = (d) => (/^\d+$/.test(d) ? Number(d) : d);
  const conditions = read('conditions').map((c) => (c.sequence ? {
    ...(c.name ? { name: c.name } : {}),
    sequence: c.sequence.map((f) => ({ filter: [f.column, f.op, f.value] })),
    ...(c.maxDuration ? { maxDuration: duration(c.maxDuration) } : {}),
  } : {
    ...(c.name ? { name: c.name } : {}), filter: [c.column, c.op, c.value], ...(c.target ? { target: c.target } : {}),
  }));
  const relation = $('relation').value.trim();
  const aggregations = read('aggregations').map(cleanAggregation);
  if (conditions.length || aggregations.length) {
    q.query = {};
    if (conditions.length) q.query.conditions = conditions;
    if (relation) q.query.relation = relation;
    if (aggregations.length) q.query.aggregations = aggregations;
  }
  const steps = read('steps');
  if (steps.length) {
    q.funnel = {
      sequence: steps.map((s) => ({
        ...(s.name ? { name: s.name } : {}), filter: [s.column, s.op, s.value],
        ...(s.rowFound === false ? { rowFound: false } : {}),
        ...(s.maxGap ? { maxGap: /^\d+$/.test(s.maxGap) ? Number(s.maxGap) : s.maxGap } : {}),
      })),
    };
    const within = $('max-duration').value.trim();
    if (within) q.funnel.maxDuration = /^\d+$/.test(within) ? Number(within) : within;
    if ($('order').value !== 'ordered') q.funnel.order = $('order').value;
    if ($('hold').value) q.funnel.holdConstant = [$('hold').value];
    if ($('time-to-convert').checked) q.funnel.timeToConvert = true;
    if ($('breakdown').value) {
      q.funnel.breakdown = { column: $('breakdown').value };
      if ($('attribution').value) q.funnel.breakdown.attribution = $('attribution').value;
      if ($('breakdown-top').value) q.funnel.breakdown.top = Number($('breakdown-top').value);
    }
    const stepAggregations = read('step-aggregations').map(cleanAggregation);
    if (stepAggregations.length) q.funnel.stepAggregations = stepAggregations;
  }
  return q;
}

function cleanAggregation(a) {
  const out = { column: a.column, type: a.type };
  if (a.otherColumn) out.otherColumn = a.otherColumn;
  return out;
}

// Fills the builder from a query; false if the query holds what the builder cannot show (it is
// then edited as JSON only).
function fillBuilder(q) {
  const known = { timeframe: 1, query: 1, funnel: 1 };
  if (typeof q !== 'object' || q === null || Object.keys(q).some((k) => !known[k])) return false;
  const filterOf = (x, keys) => Array.isArray(x?.filter) && x.filter.length === 3 &&
    Object.keys(x).every((k) => ['filter', 'name', ...keys].includes(k));
  const targetOk = (t) => t === undefined || (Array.isArray(t) &&
    ((t[0] === 'count' && t.length === 3) || (t[0] === 'sum' && t.length === 4)));
  const aggregationOk = (a) => Object.keys(a).every((k) => ['column', 'type', 'otherColumn'].includes(k));
  const query = q.query ?? {};
  const funnel = q.funnel ?? {};
  if (Object.keys(query).some((k) => !['conditions', 'aggregations', 'relation'].includes(k))) return false;
  if (query.relation !== undefined && typeof query.relation !== 'string') return false;
  const sequenceOk = (c) => Array.isArray(c.sequence) && c.sequence.length > 0 &&
    c.sequence.every((st) => filterOf(st, [])) &&
    Object.keys(c).every((k) => ['sequence', 'name', 'maxDuration'].includes(k));
  if ((query.conditions ?? []).some((c) => c.sequence ? !sequenceOk(c)
    : !filterOf(c, ['target']) || !targetOk(c.target))) return false;
  if ((query.aggregations ?? []).some((a) => !aggregationOk(a))) return false;
  const funnelKeys = ['sequence', 'maxDuration', 'order', 'timeToConvert', 'breakdown', 'stepAggregations',
    'holdConstant'];
  if (Object.keys(funnel).some((k) => !funnelKeys.includes(k))) return false;
  if ((funnel.sequence ?? []).some((s, i) => !filterOf(s, i ? ['rowFound', 'maxGap'] : []) ||
    (s.rowFound !== undefined && s.rowFound !== false))) return false;
  if (funnel.holdConstant !== undefined &&
    (!Array.isArray(funnel.holdConstant) || funnel.holdConstant.length !== 1)) return false;
  if ((funnel.stepAggregations ?? []).some((a) => !aggregationOk(a))) return false;
  const b = funnel.breakdown;
  if (b && (Object.keys(b).some((k) => !['column', 'attribution', 'top'].includes(k)) ||
    (b.attribution !== undefined && !['firstStep', 'lastStep'].includes(b.attribution)))) return false;
  const timeframe = q.timeframe ?? {};
  if (Object.keys(timeframe).some((k) => k !== 'from' && k !== 'to')) return false;
  if ([timeframe.from, timeframe.to].some((t) => t !== undefined && typeof t !== 'number')) return false;

  $('from').value = fromUnit(timeframe.from);
  $('to').value = fromUnit(timeframe.to);
  const asFilter = (x) => ({ ...x, column: x.filter[0], op: x.filter[1], value: x.filter[2] });
  lists.conditions.items = (query.conditions ?? []).map((c) => (c.sequence
    ? { ...c, sequence: c.sequence.map(asFilter) } : asFilter(c)));
  lists.steps.items = (funnel.sequence ?? []).map(asFilter);
  lists.aggregations.items = query.aggregations ?? [];
  lists['step-aggregations'].items = funnel.stepAggregations ?? [];
  for (const id of Object.keys(lists)) renderList(id);
  $('max-duration').value = funnel.maxDuration ?? '';
  $('order').value = funnel.order ?? 'ordered';
  $('relation').value = query.relation ?? '';
  $('hold').value = funnel.holdConstant?.[0] ?? '';
  $('time-to-convert').checked = funnel.timeToConvert === true;
  $('breakdown').value = funnel.breakdown?.column ?? '';
  $('attribution').value = funnel.breakdown?.attribution ?? '';
  $('breakdown-top').value = funnel.breakdown?.top ?? '';
  return true;
}

// ---- Keeping the builder, the JSON and the URL in step; validation --------------------------

let validateTimer = null;
let validateSeq = 0;

function builderChanged() {
  showQuery(builderQuery());
}

function setQuery(q) {
  const fits = fillBuilder(q);
  $('builder').classList.toggle('custom', !fits);
  showQuery(q);
}

function showQuery(q) {
  $('json').value = JSON.stringify(q, null, 2);
  $('json').classList.remove('invalid');
  history.replaceState(null, '', `#dataset=${encodeURIComponent(state.dataset)}&query=${encodeURIComponent(JSON.stringify(q))}`);
  scheduleValidation(q);
}

$('json').addEventListener('input', () => {
  let q;
  try {
    q = JSON.parse($('json').value);
  } catch (e) {
    $('json').classList.add('invalid');
    setValidation(false, `Not JSON yet: ${e.message}`);
    return;
  }
  $('json').classList.remove('invalid');
  if (!fillBuilder(q)) setValidation(null, 'This query has parts the builder does not show: edit it here.');
  history.replaceState(null, '', `#dataset=${encodeURIComponent(state.dataset)}&query=${encodeURIComponent(JSON.stringify(q))}`);
  scheduleValidation(q);
});

function scheduleValidation(q) {
  clearTimeout(validateTimer);
  validateTimer = setTimeout(() => validate(q), 250);
}

function clearFieldErrors() {
  for (const e of document.querySelectorAll('.field-error')) e.remove();
  for (const e of document.querySelectorAll('#builder .invalid')) {
    e.classList.remove('invalid');
    e.removeAttribute('aria-invalid');
  }
}

// The builder control a JSON path points at: the deepest one whose path it starts with.
function fieldOf(path) {
  let best = null;
  for (const e of document.querySelectorAll('#builder [data-path]')) {
    const p = e.dataset.path;
    if ((path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`)) &&
        (!best || p.length > best.dataset.path.length)) best = e;
  }
  return best;
}

async function validate(q) {
  const seq = ++validateSeq;
  let response;
  try {
    response = await api(`/datasets/${encodeURIComponent(state.dataset)}/validate`, q);
  } catch (e) {
    if (seq === validateSeq) setValidation(false, `The server cannot be reached: ${e.message}`);
    return;
  }
  const answer = await response.json().catch(() => ({}));
  if (seq !== validateSeq) return;  // a later edit is being checked
  clearFieldErrors();
  if (answer.valid) return setValidation(true, 'Valid query.');
  const message = answer.errorMessage ?? `The server answered ${response.status}.`;
  setValidation(false, message);
  const field = answer.errorPath ? fieldOf(answer.errorPath) : null;
  if (field) {
    const note = document.createElement('span');
    note.className = 'error field-error';
    note.id = `error-${validateSeq}`;
    note.textContent = message.replace(/^invalid query: /, '');
    field.classList.add('invalid');
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', note.id);
    field.insertAdjacentElement('afterend', note);
  }
}

function setValidation(ok, message) {
  const v = $('validation');
  v.textContent = message;
  v.className = ok === true ? 'ok' : ok === false ? 'bad' : '';
}

// ---- Running, with progress; cancelling -----------------------------------------------------

$('builder').addEventListener('submit', (e) => {
  e.preventDefault();
  run();
});
$('cancel').addEventListener('click', () => state.running?.abort());

function currentQuery() {
  try {
    return JSON.parse($('json').value);
  } catch {
    return null;
  }
}

async function run() {
  const q = currentQuery();
  if (!q) return setValidation(false, 'The query is not valid JSON.');
  const controller = new AbortController();
  state.running = controller;
  $('run').disabled = true;
  $('cancel').disabled = false;
  $('progress').hidden = false;
  $('progress').value = 0;
  $('progress-text').textContent = 'Starting…';
  const started = performance.now();
  try {
    const response = await api(`/datasets/${encodeURIComponent(state.dataset)}/query?stream=true`, q,
      controller.signal);
    const answer = await readStream(response);
    if (!answer?.success) {
      $('progress-text').textContent = `Failed: ${answer?.errorMessage ?? response.status}`;
      return;
    }
    $('progress-text').textContent = `Done in ${number.format((performance.now() - started) / 1000)} s.`;
    showResults(q, answer);
  } catch (e) {
    $('progress-text').textContent = e.name === 'AbortError' ? 'Cancelled.' : `Failed: ${e.message}`;
  } finally {
    state.running = null;
    $('run').disabled = false;
    $('cancel').disabled = true;
    $('progress').hidden = true;
  }
}

// Progress lines (one JSON object each) until the last line, the response.
async function readStream(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let last = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (!line) continue;
      last = JSON.parse(line);
      if (last.tasks && last.stage) showProgress(last);
    }
    if (done) break;
  }
  if (buffer.trim()) last = JSON.parse(buffer);
  return last;
}

function showProgress(update) {
  const counts = Object.values(update.tasks);
  const total = counts.reduce((a, b) => a + b, 0);
  const ended = (update.tasks.ENDED_SUCCESS ?? 0) + (update.tasks.ENDED_FAILED ?? 0);
  $('progress').max = Math.max(total, 1);
  $('progress').value = ended;
  $('progress-text').textContent = `${update.stage}: ${number.format(ended)} of ${number.format(total)} tasks done`;
}

// ---- Results ----------------------------------------------------------------------------------

let charts = [];

function showResults(q, answer) {
  for (const c of charts) c.destroy();
  charts = [];
  $('results').hidden = false;
  $('summary').textContent = `${number.format(answer.query.matchingGroups)} users, ` +
    `${number.format(answer.query.matchingGroupRows)} rows.`;
  showFunnel(q, answer.funnel);
  showAggregations(answer);
  showStats(answer.stats ?? {});
}

function showFunnel(q, funnel) {
  $('funnel-box').hidden = !funnel;
  $('breakdown-box').hidden = !funnel?.breakdown;
  $('time-box').hidden = true;
  if (!funnel) return;
  const steps = funnel.sequence;
  const labels = steps.map((s, i) => s.name ?? `Step ${i + 1}`);
  const users = steps.map((s) => s.matchingGroups);
  charts.push(new Chart($('funnel-chart'), {
    type: 'bar',
    data: { labels, datasets: [{ label: 'Users', data: users, backgroundColor: '#0b5cad' }] },
    options: {
      maintainAspectRatio: false, animation: false,
      plugins: { tooltip: { callbacks: { afterLabel: (c) => c.dataIndex === 0 ? '' :
        `${percent.format(ratio(users[c.dataIndex], users[0]))} of the first step` } } },
    },
  }));
  const body = $('funnel-table').tBodies[0];
  body.replaceChildren();
  steps.forEach((s, i) => {
    const row = body.insertRow();
    row.dataset.step = i;
    row.insertCell().textContent = labels[i];
    cell(row, number.format(s.matchingGroups), 'users', s.matchingGroups);
    cell(row, i ? percent.format(ratio(s.matchingGroups, users[i - 1])) : '—', 'from-previous');
    cell(row, percent.format(ratio(s.matchingGroups, users[0])), 'from-first');
    cell(row, i ? number.format(users[i - 1] - s.matchingGroups) : '—', 'dropped');
    const t = s.timeToConvert?.fromPrevious;
    cell(row, t?.p50 !== undefined ? duration(t.p50) : '—', 'time');
    const download = document.createElement('button');
    download.type = 'button';
    download.textContent = 'CSV';
    download.setAttribute('aria-label', `Download the users of ${labels[i]} as CSV`);
    download.addEventListener('click', () => downloadAudience(q, i));
    row.insertCell().append(download);
  });
  if (funnel.breakdown) showBreakdown(labels, funnel.breakdown);
  showTimeToConvert(labels, steps);
}

// Time to convert from the previous step: its median, 90th and 99th percentiles per step, in
// the unit that suits the longest.
function showTimeToConvert(labels, steps) {
  const timed = steps.map((s, i) => [labels[i], s.timeToConvert?.fromPrevious]).filter(([, t]) => t?.count);
  $('time-box').hidden = timed.length === 0;
  if (!timed.length) return;
  const longest = Math.max(...timed.map(([, t]) => t.p99 ?? t.max)) / state.unit;  // in ms
  const [unit, ms] = longest >= 172_800_000 ? ['days', 86_400_000] : longest >= 7_200_000 ? ['hours', 3_600_000]
    : longest >= 120_000 ? ['minutes', 60_000] : ['seconds', 1000];
  const series = [['p50', 'median', '#0b5cad'], ['p90', '90th percentile', '#c05600'], ['p99', '99th percentile', '#7a3ea1']];
  charts.push(new Chart($('time-chart'), {
    type: 'bar',
    data: {
      labels: timed.map(([label]) => label),
      datasets: series.map(([key, label, color]) => ({
        label, backgroundColor: color, data: timed.map(([, t]) => t[key] / state.unit / ms),
      })),
    },
    options: { maintainAspectRatio: false, animation: false,
      // Logarithmic: a median of minutes and a 99th percentile of weeks both stay readable.
      scales: { y: { type: 'logarithmic', title: { display: true, text: unit } } } },
  }));
}

function cell(row, text, name, value) {
  const c = row.insertCell();
  c.className = 'num';
  c.textContent = text;
  c.dataset.name = name;
  if (value !== undefined) c.dataset.value = value;
}

const ratio = (a, b) => (b ? a / b : 0);

function duration(t) {
  const ms = t / state.unit;
  if (ms < 1000) return `${number.format(ms)} ms`;
  if (ms < 120_000) return `${number.format(ms / 1000)} s`;
  if (ms < 7_200_000) return `${number.format(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${number.format(ms / 3_600_000)} h`;
  return `${number.format(ms / 86_400_000)} d`;
}

// A breakdown's buckets (the values with the most users at the first step): one bar series
// per value, steps along the axis.
function showBreakdown(labels, breakdown) {
  const entries = breakdown.buckets ?? [];
  const palette = ['#0b5cad', '#c05600', '#1b6e3a', '#7a3ea1', '#a4161a', '#3b6470', '#8a6d00'];
  charts.push(new Chart($('breakdown-chart'), {
    type: 'bar',
    data: {
      labels,
      datasets: entries.slice(0, 7).map((e, i) => ({
        label: String(e.value),
        data: (e.sequence ?? []).map((s) => s.matchingGroups),
        backgroundColor: palette[i],
      })),
    },
    options: { maintainAspectRatio: false, animation: false },
  }));
}

async function downloadAudience(q, step) {
  const body = { ...q, groups: { of: 'step', step } };
  const response = await api(`/datasets/${encodeURIComponent(state.dataset)}/groups?format=csv`, body);
  if (!response.ok) {
    $('progress-text').textContent = `Could not download the audience (${response.status}).`;
    return;
  }
  const blob = await response.blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `${state.dataset}-step-${step + 1}.csv`;
  link.click();
  URL.revokeObjectURL(link.href);
}

function showAggregations(answer) {
  const box = $('aggregations-box');
  box.replaceChildren();
  const sets = [['Over the matching users', answer.query.aggregations]];
  (answer.funnel?.sequence ?? []).forEach((s, i) => {
    if (s.aggregations?.length) sets.push([`At step ${s.name ?? i + 1}`, s.aggregations]);
  });
  if (answer.funnel?.endAggregations?.length) sets.push(['Completed the funnel', answer.funnel.endAggregations]);
  for (const [title, aggregations] of sets) {
    for (const a of aggregations ?? []) box.append(aggregationTable(title, a));
  }
}

function aggregationTable(title, a) {
  const wrap = document.createElement('div');
  wrap.className = 'scroll';
  const table = document.createElement('table');
  table.createCaption().textContent = `${title}: ${a.name ?? `${a.type} of ${a.column}`}`;
  const head = table.createTHead().insertRow();
  for (const h of ['Value', 'Result']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  const entries = a.value !== null && typeof a.value === 'object'
    ? Object.entries(a.value).sort((x, y) => y[1] - x[1]) : [['', a.value]];
  for (const [key, value] of entries) {
    const row = body.insertRow();
    row.insertCell().textContent = key;
    const c = row.insertCell();
    c.className = 'num';
    c.textContent = typeof value === 'number' ? number.format(value) : String(value);
  }
  wrap.append(table);
  return wrap;
}

function showStats(stats) {
  const facts = [
    ['Time', stats.totalTime !== undefined ? `${number.format(stats.totalTime)} s` : undefined],
    ['Rows scanned', stats.worker?.scannedRows !== undefined ? number.format(stats.worker.scannedRows) : undefined],
    ['Tasks', stats.invoker?.totalTasks],
    ['Parts from', stats.worker?.cache ? Object.entries(stats.worker.cache)
      .filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ') : undefined],
    ['Cost', typeof stats.cost === 'number' ? `$${stats.cost.toPrecision(3)}` : undefined],  // serverless
  ];
  $('stats').replaceChildren(...facts.filter(([, v]) => v !== undefined && v !== '').flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = String(v);
    return [dt, dd];
  }));
}

// ---- Examples, sharing, start ---------------------------------------------------------------

// Queries over the columns of frocket's generated dataset (`frocket generate`).
const EXAMPLES = {
  funnel: {
    funnel: {
      sequence: [
        { name: 'Viewed', filter: ['event_type', '==', 'pageview'] },
        { name: 'Added to cart', filter: ['event_type', '==', 'addtocart'] },
        { name: 'Bought', filter: ['event_type', '==', 'purchase'] },
      ],
      stepAggregations: [{ column: 'device', type: 'groupsPerValue' }],
    },
  },
  buyers: {
    query: {
      conditions: [{ name: 'buyers', filter: ['event_type', '==', 'purchase'], target: ['count', '>=', 2] }],
      aggregations: [
        { column: 'country', type: 'sumPerValue', otherColumn: 'goal_value' },
        { column: 'browser', type: 'groupsPerValue' },
      ],
    },
  },
  window: {
    funnel: {
      sequence: [
        { name: 'Added to cart', filter: ['event_type', '==', 'addtocart'] },
        { filter: ['event_type', '==', 'search'], rowFound: false },
        { name: 'Bought', filter: ['event_type', '==', 'purchase'] },
      ],
      maxDuration: '1d',
      timeToConvert: true,
      breakdown: { column: 'device' },
    },
  },
};

$('load-example').addEventListener('click', () => {
  if (!state.columns.event_type) {
    setValidation(null, 'The examples are for the generated dataset (`frocket generate`).');
    return;
  }
  setQuery(structuredClone(EXAMPLES[$('examples').value]));
});

$('share').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(location.href);
    $('progress-text').textContent = 'Link copied.';
  } catch {
    $('progress-text').textContent = `Link: ${location.href}`;
  }
});

async function start() {
  await loadDatasets();
  const params = new URLSearchParams(location.hash.slice(1));
  const name = params.get('dataset');
  if (!name) return;
  let query = {};
  try {
    query = JSON.parse(params.get('query') ?? '{}');
  } catch {
    query = {};
  }
  await openDataset(name, query);
}

start();
