// Pure helpers for the canvas: payload normalisation, the graph diff and small id utilities.
// No DOM and no Cytoscape here, so `npm test` (node --test) can check them directly.

/** Cytoscape id of the edge upstream -> downstream (ids never contain '>', see designer/ids.py). */
export const edgeId = (u, d) => `e:${u}>${d}`;

/** Positions are whole pixels in the design (enough for a drawing, and they keep the YAML tidy). */
export const roundPx = (v) => Math.round(v);

/** Two positions closer than this are "the same" (absorbs the rounding, so echoes compare equal). */
export const SAME_POSITION_PX = 0.5;

/** Text of a task box: its id, then the operator label with a mapped / fan-out marker. */
export function taskLabel(t, operators = {}) {
  let second = operators[t.operator] || t.label || t.operator || '';
  if (t.mapped) second += ' · mapped';
  if (t.fan_out) second += ` · ×${t.fan_out}`;
  if (t.role) second += ` · ${t.role}`;
  if (t.task_id) second += ` · as ${t.task_id}`; // the id Airflow sees differs from the design id
  return `${t.id}\n${second}`;
}

/** Classes a task box carries besides `task` (kept by the diff, styled in style.js). */
export const TASK_MARKS = ['mapped', 'fanout', 'setup', 'teardown'];

/** Box width for a two-line label (12 px font, ~6.6 px per character). */
export function labelWidth(label) {
  const longest = Math.max(...String(label).split('\n').map((line) => line.length));
  return Math.max(90, Math.round(longest * 6.6 + 26));
}

/**
 * Normalise the Python payload into the graph the canvas should show (keys with default values
 * may be missing from the payload: group, parent, position, mapped, fan_out, collapsed, label).
 * Returns {nodes: Map(id -> node), edges: Map(edgeId -> edge)}; node = {id, kind: 'task'|'group',
 * parent, label, width, position, classes}. Broken references are tolerated the way the Python side
 * tolerates them (they are lint findings there): an unknown parent or a parent cycle puts the node at
 * the top level, and edges with an unknown end or self loops are not drawn.
 */
export function normalize(data) {
  const nodes = new Map();
  for (const g of data.groups || []) {
    nodes.set(g.id, { id: g.id, kind: 'group', parent: g.parent || null, label: g.id, width: null,
      position: g.position || null, classes: 'group' });
  }
  for (const t of data.tasks || []) {
    if (nodes.has(t.id)) continue; // a task reusing a group id: the group wins (a lint error anyway)
    const label = taskLabel(t, data.operators || {});
    const marks = [t.mapped ? 'mapped' : '', t.fan_out ? 'fanout' : '', t.role === 'setup' ? 'setup' : '',
      t.role === 'teardown' ? 'teardown' : ''].filter(Boolean).join(' ');
    nodes.set(t.id, { id: t.id, kind: 'task', parent: t.group || null, label, width: labelWidth(label),
      position: t.position || null, classes: `task${marks ? ' ' + marks : ''}` });
  }
  for (const n of nodes.values()) {
    const p = n.parent && nodes.get(n.parent);
    if (!p || p.kind !== 'group') n.parent = null;
  }
  breakParentCycles(nodes);
  const edges = new Map();
  for (const e of data.edges || []) {
    if (e.upstream === e.downstream || !nodes.has(e.upstream) || !nodes.has(e.downstream)) continue;
    const id = edgeId(e.upstream, e.downstream);
    if (!edges.has(id)) edges.set(id, { id, source: e.upstream, target: e.downstream, label: e.label || '' });
  }
  return { nodes, edges };
}

function breakParentCycles(nodes) {
  for (const start of nodes.values()) {
    const seen = new Set();
    let n = start;
    while (n && n.parent) {
      if (seen.has(n.id)) { n.parent = null; break; }
      seen.add(n.id);
      n = nodes.get(n.parent);
    }
  }
}

/** Nodes ordered so that every group comes before its members (Cytoscape needs parents first). */
export function parentsFirst(nodes) {
  const out = [];
  const done = new Set();
  const visit = (n) => {
    if (done.has(n.id)) return;
    done.add(n.id);
    if (n.parent && nodes.has(n.parent)) visit(nodes.get(n.parent));
    out.push(n);
  };
  for (const n of nodes.values()) visit(n);
  return out;
}

const samePos = (a, b) => Math.abs(a.x - b.x) <= SAME_POSITION_PX && Math.abs(a.y - b.y) <= SAME_POSITION_PX;

/**
 * What to change on the canvas (`current`, same shape as `normalize`'s result, read from Cytoscape)
 * so that it shows `wanted`. Positions: a wanted position of null means "no opinion" (keep the
 * canvas position); otherwise a node is moved only when it is really elsewhere, so a design that
 * echoes the canvas' own positions changes nothing.
 */
export function diffGraph(current, wanted) {
  const plan = { add: [], remove: [], reparent: [], update: [], move: [], addEdges: [], removeEdges: [], updateEdges: [] };
  for (const n of parentsFirst(wanted.nodes)) {
    const have = current.nodes.get(n.id);
    if (!have || have.kind !== n.kind) {
      if (have) plan.remove.push(n.id);
      plan.add.push(n);
      continue;
    }
    if ((have.parent || null) !== (n.parent || null)) plan.reparent.push([n.id, n.parent || null]);
    if (have.label !== n.label || have.classes !== n.classes) plan.update.push(n);
    if (n.position && (!have.position || !samePos(have.position, n.position))) plan.move.push([n.id, n.position]);
  }
  for (const id of current.nodes.keys()) if (!wanted.nodes.has(id)) plan.remove.push(id);
  for (const [id, e] of wanted.edges) {
    const have = current.edges.get(id);
    if (!have) plan.addEdges.push(e);
    else if ((have.label || '') !== (e.label || '')) plan.updateEdges.push(e);
  }
  for (const id of current.edges.keys()) if (!wanted.edges.has(id)) plan.removeEdges.push(id);
  return plan;
}

/** True when the plan changes nothing. */
export const isEmptyPlan = (plan) => Object.values(plan).every((list) => list.length === 0);

/** `wanted`, or `wanted_2`, `wanted_3`, ... whichever is free (same rule as designer.edits.unique_id). */
export function uniqueId(wanted, taken) {
  let candidate = wanted;
  for (let n = 2; taken(candidate); n += 1) candidate = `${wanted}_${n}`;
  return candidate;
}

/** Highlight kinds that mark a path (their edges follow from the tasks) and kinds that mark items as listed. */
export const PATH_KINDS = ['cycle', 'critical'];
export const MARK_KINDS = ['diff-added', 'diff-changed'];

/** Edge ids for [upstream, downstream] pairs (as Python sends them) that are edges of the graph. */
export function markedEdges(pairs, edges) {
  const out = [];
  for (const pair of pairs || []) {
    if (!Array.isArray(pair) || pair.length !== 2) continue;
    const id = edgeId(pair[0], pair[1]);
    if (edges.has(id)) out.push(id);
  }
  return out;
}

/**
 * Edge ids to highlight for a list of highlighted tasks (a cycle or the critical path): edges whose
 * two ends are highlighted tasks or groups containing one. Group ends matter because a design edge
 * often names a group (`start >> data_processing`) while the analysis names the tasks inside it.
 */
export function highlightEdges(ids, edges, parentOf) {
  const marked = new Set();
  for (const id of ids) {
    for (let n = id, guard = 0; n && !marked.has(n) && guard < 1000; n = parentOf(n), guard += 1) marked.add(n);
  }
  const out = [];
  for (const [id, e] of edges) if (marked.has(e.source) && marked.has(e.target)) out.push(id);
  return out;
}

/** Cytoscape id of the ghost drawn for a removed task or group (never a design id: those have no ':'). */
export const ghostId = (id) => `ghost:${id}`;

/**
 * The ghosts to draw for `removed` (payload key: what a compared design had and this one has not):
 * {nodes: [{id, label, width, position}], edges: [{id, source, target}]}. A removed edge is drawn between
 * the boxes that stand for its ends: the design's own box when `exists(id)`, else that end's ghost; an
 * edge whose end is neither is left out.
 */
export function ghostElements(removed, operators, exists) {
  const nodes = [];
  for (const t of removed?.tasks || []) {
    const label = taskLabel({ ...t, operator: t.operator }, operators).replace('\n', '\n✕ ');
    nodes.push({ id: ghostId(t.id), label, width: labelWidth(label), position: t.position || null });
  }
  for (const g of removed?.groups || []) {
    const label = `${g.id}\n✕ group`;
    nodes.push({ id: ghostId(g.id), label, width: labelWidth(label), position: g.position || null });
  }
  const ghosts = new Set(nodes.map((n) => n.id));
  const end = (id) => (exists(id) ? id : (ghosts.has(ghostId(id)) ? ghostId(id) : null));
  const edges = [];
  for (const pair of removed?.edges || []) {
    if (!Array.isArray(pair) || pair.length !== 2) continue;
    const [source, target] = pair.map(end);
    if (source && target && source !== target) edges.push({ id: `ghost:${pair[0]}>${pair[1]}`, source, target });
  }
  return { nodes, edges };
}
