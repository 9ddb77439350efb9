// The messages Python sends the canvas (designer/ui/canvas/delta.py): the whole payload, or a delta
// against the payload of the previous message. Pure: no DOM, so `npm test` checks it directly, on the
// same cases as the Python twin (test/delta_cases.json).
//
//   full:  {...payload, stream: s, seq: n}
//   delta: {version: 2, stream: s, seq: n, base: n - 1, items?: {tasks|groups|edges: {put?: [item], drop?: [key]}},
//           set?: {key: value}, unset?: [key], prev?: [{seq: n - 1, base: n - 2, items?, set?, unset?}, ...]}
// `prev` repeats earlier deltas (newest first): a canvas that missed a message catches up through them.
// A seq names a payload only within its stream (one per canvas and Python session).

export const WIRE_VERSION = 2;

/** Collections sent item by item, and the fields that key an item (Map semantics, see applyDelta). */
export const COLLECTIONS = { tasks: ['id'], groups: ['id'], edges: ['upstream', 'downstream'] };
const GRAPH_KEYS = Object.keys(COLLECTIONS);

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStrings = (v) => Array.isArray(v) && v.every((s) => typeof s === 'string');
const keyOf = (kind, item) => JSON.stringify(COLLECTIONS[kind].map((field) => item[field]));
const hasKey = (kind, item) => isObject(item) && COLLECTIONS[kind].every((field) => typeof item[field] === 'string');
const dropKey = (kind, key) => JSON.stringify(COLLECTIONS[kind].length === 1 ? [key] : key);
const isDropKey = (kind, key) => (COLLECTIONS[kind].length === 1 ? typeof key === 'string'
  : isStrings(key) && key.length === COLLECTIONS[kind].length);

// What the canvas reads from each payload key (a missing key has its default): a value of another
// shape would throw inside the canvas, so the message carrying it is refused instead.
const SHAPES = {
  tasks: (v) => Array.isArray(v) && v.every((t) => hasKey('tasks', t)),
  groups: (v) => Array.isArray(v) && v.every((g) => hasKey('groups', g)),
  edges: (v) => Array.isArray(v) && v.every((e) => hasKey('edges', e)),
  operators: isObject,
  selected: isStrings,
  focus: isStrings,
  highlight: (v) => isObject(v) && Object.values(v).every(isStrings),
  edge_highlight: (v) => isObject(v) && Object.values(v).every(Array.isArray),
  removed: (v) => isObject(v) && ['tasks', 'groups', 'edges'].every((k) => v[k] === undefined || Array.isArray(v[k])),
  ack: isObject,
  height: (v) => typeof v === 'number',
  relayout_token: (v) => typeof v === 'number',
  instance: (v) => typeof v === 'string',
};

/** Why `value` cannot be payload key `key` (null: it can). Keys the canvas does not read pass. */
export function shapeProblem(key, value) {
  const check = SHAPES[key];
  return !check || value === undefined || value === null || check(value) ? null : `"${key}" has the wrong shape`;
}

/**
 * The payload `delta` makes of `old` (neither is changed; unchanged values are shared). Collections
 * follow Map semantics: a put item whose key was there keeps its place, a new one goes at the end,
 * dropped keys go away. Throws an Error when the delta does not fit `old` or is malformed.
 */
export function applyDelta(old, delta) {
  const out = { ...old };
  const unset = delta.unset ?? [];
  if (!isStrings(unset)) throw new Error('"unset" is not a list of keys');
  for (const key of unset) delete out[key];
  const items = delta.items ?? {};
  if (!isObject(items)) throw new Error('"items" is not an object');
  for (const [kind, change] of Object.entries(items)) {
    if (!COLLECTIONS[kind] || !isObject(change) || !Array.isArray(out[kind])) throw new Error(`cannot change "${kind}"`);
    const { put = [], drop = [] } = change;
    if (!Array.isArray(put) || !put.every((item) => hasKey(kind, item))) throw new Error(`bad "${kind}" items`);
    if (!Array.isArray(drop) || !drop.every((key) => isDropKey(kind, key))) throw new Error(`bad "${kind}" keys`);
    const rows = new Map(out[kind].map((item) => [keyOf(kind, item), item]));
    for (const key of drop) rows.delete(dropKey(kind, key));
    for (const item of put) rows.set(keyOf(kind, item), item);
    out[kind] = [...rows.values()];
  }
  const set = delta.set ?? {};
  if (!isObject(set)) throw new Error('"set" is not an object');
  Object.assign(out, set);
  return out;
}

/**
 * Read `message` given what the canvas holds (`held`: {stream, seq, data} or null). Returns one of
 *   {data, stream, seq, full: true}                         a whole payload
 *   {data, stream, seq, full: false, graphChanged: bool}    delta(s) applied to held.data
 *   {same: true}                                    the message held already (Streamlit called again)
 *   {problem: string}                               unusable: an unknown version, a broken shape, or a
 *                                                   delta based on another payload than the one held
 */
export function readMessage(held, message) {
  if (!isObject(message)) return { problem: 'not a message' };
  if (message.version !== WIRE_VERSION) return { problem: `unknown version ${JSON.stringify(message.version)}` };
  const { stream, seq } = message;
  if (!Number.isInteger(seq) || typeof stream !== 'string') return { problem: 'no stream and seq' };
  if (held && held.stream === stream && held.seq === seq) return { same: true };
  if (!('base' in message)) {
    const { seq: _seq, stream: _stream, ...data } = message;
    const problem = Object.entries(data).map(([k, v]) => shapeProblem(k, v)).find(Boolean);
    return problem ? { problem } : { data, stream, seq, full: true };
  }
  const steps = stepsFrom(held, message);
  if (typeof steps === 'string') return { problem: steps };
  let data = held.data;
  try {
    for (const step of steps) data = applyDelta(data, step);
  } catch (err) {
    return { problem: err.message };
  }
  const touched = steps.flatMap((step) => [...Object.keys(step.items ?? {}), ...Object.keys(step.set ?? {}),
    ...(step.unset ?? [])]);
  const problem = touched.map((k) => shapeProblem(k, data[k])).find(Boolean);
  if (problem) return { problem };
  return { data, stream, seq, full: false, graphChanged: touched.some((k) => GRAPH_KEYS.includes(k)) };
}

/** The deltas to apply, oldest first, to get from the held payload to `message`'s (a string: why none). */
function stepsFrom(held, message) {
  const prev = message.prev ?? [];
  if (!Array.isArray(prev) || !prev.every(isObject)) return '"prev" is not a list of deltas';
  const steps = [message, ...prev]; // newest first; each step's base is the next one's seq
  for (let i = 1; i < steps.length; i += 1) if (steps[i].seq !== steps[i - 1].base) return '"prev" is not a chain';
  const start = held && held.stream === message.stream ? steps.findIndex((step) => step.base === held.seq) : -1;
  if (start < 0) return `based on ${steps.map((step) => step.base).join(' / ')}, holding ${held ? held.seq : 'nothing'}`;
  return steps.slice(0, start + 1).reverse();
}
