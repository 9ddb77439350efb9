// `npm test`: the canvas' pure helpers (payload normalisation and the graph diff).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  diffGraph, edgeId, ghostElements, highlightEdges, isEmptyPlan, markedEdges, normalize, parentsFirst, TASK_MARKS, taskLabel,
  uniqueId,
} from '../src/model.js';

const payload = {
  operators: { empty: 'Empty', bash: 'Bash' },
  tasks: [
    { id: 'start', operator: 'empty', position: { x: 0, y: 0 } },
    { id: 'a', operator: 'bash', group: 'inner', position: { x: 100, y: 0 }, mapped: true },
    { id: 'b', operator: 'bash', group: 'outer', fan_out: 3 },
  ],
  groups: [
    { id: 'inner', parent: 'outer' },
    { id: 'outer' },
  ],
  edges: [
    { upstream: 'start', downstream: 'outer' },
    { upstream: 'a', downstream: 'b', label: 'x' },
    { upstream: 'a', downstream: 'a', label: null },
    { upstream: 'a', downstream: 'ghost', label: null },
  ],
};

test('normalize keeps the design and drops what cannot be drawn', () => {
  const g = normalize(payload);
  assert.deepEqual([...g.nodes.keys()].sort(), ['a', 'b', 'inner', 'outer', 'start']);
  assert.equal(g.nodes.get('a').parent, 'inner');
  assert.equal(g.nodes.get('a').classes, 'task mapped');
  assert.equal(g.nodes.get('b').classes, 'task fanout');
  assert.deepEqual([...g.edges.keys()].sort(), [edgeId('a', 'b'), edgeId('start', 'outer')]);
  assert.equal(g.edges.get(edgeId('a', 'b')).label, 'x');
  assert.equal(g.nodes.get('a').label, 'a\nBash · mapped');
});

test('labels show the id, the operator and the mapping markers', () => {
  assert.equal(taskLabel({ id: 'load', operator: 'bash' }, { bash: 'Bash' }), 'load\nBash');
  assert.equal(taskLabel({ id: 'load', operator: 'my.Op' }), 'load\nmy.Op');
  assert.equal(taskLabel({ id: 'load', label: 'Bash', mapped: true }), 'load\nBash · mapped');
  assert.equal(taskLabel({ id: 'load', label: 'Bash', fan_out: 4 }), 'load\nBash · ×4');
});

test('broken parents put nodes at the top level', () => {
  const g = normalize({ groups: [{ id: 'x', parent: 'y' }, { id: 'y', parent: 'x' }], tasks: [{ id: 't', group: 'nope' }] });
  assert.equal(g.nodes.get('t').parent, null);
  const parents = [g.nodes.get('x').parent, g.nodes.get('y').parent];
  assert.ok(parents.includes(null), 'a parent cycle is cut');
});

test('parents come before their members', () => {
  const order = parentsFirst(normalize(payload).nodes).map((n) => n.id);
  assert.ok(order.indexOf('outer') < order.indexOf('inner'));
  assert.ok(order.indexOf('inner') < order.indexOf('a'));
});

test('a canvas that already shows the design needs no change (echoed positions included)', () => {
  const wanted = normalize(payload);
  const current = normalize(JSON.parse(JSON.stringify(payload)));
  current.nodes.get('a').position = { x: 100.04, y: -0.03 };
  current.nodes.get('b').position = { x: 555, y: 5 }; // Python has no position: keep the canvas'
  assert.ok(isEmptyPlan(diffGraph(current, wanted)));
});

test('the diff lists adds, removals, moves, reparents and edge changes', () => {
  const current = normalize(payload);
  const next = JSON.parse(JSON.stringify(payload));
  next.tasks.push({ id: 'new', operator: 'empty', group: 'inner' });
  next.tasks = next.tasks.filter((t) => t.id !== 'start');
  next.tasks[0].group = 'outer'; // a
  next.tasks[0].position = { x: 300, y: 40 };
  next.edges = [{ upstream: 'b', downstream: 'a' }, { upstream: 'a', downstream: 'b', label: 'y' }];
  const plan = diffGraph(current, normalize(next));
  assert.deepEqual(plan.add.map((n) => n.id), ['new']);
  assert.deepEqual(plan.remove, ['start']);
  assert.deepEqual(plan.reparent, [['a', 'outer']]);
  assert.deepEqual(plan.move, [['a', { x: 300, y: 40 }]]);
  assert.deepEqual(plan.addEdges.map((e) => e.id), [edgeId('b', 'a')]);
  assert.deepEqual(plan.removeEdges, [edgeId('start', 'outer')]);
  assert.deepEqual(plan.updateEdges.map((e) => e.label), ['y']);
});

test('unique ids follow designer.edits.unique_id', () => {
  const taken = new Set(['task', 'task_2']);
  assert.equal(uniqueId('task', (c) => taken.has(c)), 'task_3');
  assert.equal(uniqueId('load', (c) => taken.has(c)), 'load');
});

test('highlighted edges include edges that name a group around a highlighted task', () => {
  const g = normalize(payload);
  const parentOf = (id) => (g.nodes.get(id) || {}).parent || null;
  assert.deepEqual(highlightEdges(['start', 'a'], g.edges, parentOf).sort(), [edgeId('start', 'outer')]);
  assert.deepEqual(highlightEdges(['a', 'b'], g.edges, parentOf).sort(), [edgeId('a', 'b')]);
});

test('markedEdges keeps the listed pairs that are edges of the graph, nothing else', () => {
  const g = normalize(payload);
  const cases = [
    [[['start', 'outer']], [edgeId('start', 'outer')]],
    [[['a', 'b'], ['start', 'outer']], [edgeId('a', 'b'), edgeId('start', 'outer')]],
    [[['b', 'a']], []], // the reverse of an edge is not that edge
    [[['a', 'ghost']], []], // dropped by normalize: not drawn, so not marked
    [[['a']], []],
    [['a>b'], []],
    [undefined, []],
  ];
  for (const [pairs, expected] of cases) assert.deepEqual(markedEdges(pairs, g.edges), expected);
});

test('ghosts: removed tasks and groups become ghost boxes, removed edges join existing boxes or ghosts', () => {
  const removed = {
    tasks: [{ id: 'old', operator: 'bash', position: { x: 5, y: 6 } }, { id: 'gone', operator: 'custom.Op' }],
    groups: [{ id: 'retired' }],
    edges: [['load', 'old'], ['old', 'gone'], ['load', 'nowhere'], ['x', 'x'], ['bad']],
  };
  const { nodes, edges } = ghostElements(removed, { bash: 'Bash' }, (id) => id === 'load' || id === 'x');
  assert.deepEqual(nodes.map((n) => [n.id, n.label, n.position]), [
    ['ghost:old', 'old\n✕ Bash', { x: 5, y: 6 }],
    ['ghost:gone', 'gone\n✕ custom.Op', null],
    ['ghost:retired', 'retired\n✕ group', null],
  ]);
  assert.deepEqual(edges, [
    { id: 'ghost:load>old', source: 'load', target: 'ghost:old' },
    { id: 'ghost:old>gone', source: 'ghost:old', target: 'ghost:gone' },
  ]);
  assert.deepEqual(ghostElements(null, {}, () => true), { nodes: [], edges: [] });
});

test('setup, teardown and an own Airflow id show in the label and as classes the diff keeps', () => {
  const data = { operators: { empty: 'Empty' }, tasks: [
    { id: 'make', operator: 'empty', role: 'setup' },
    { id: 'drop', operator: 'empty', role: 'teardown', task_id: 'cleanup' },
    { id: 'plain', operator: 'empty' },
  ] };
  const { nodes } = normalize(data);
  assert.deepEqual([...nodes.values()].map((n) => [n.label, n.classes]), [
    ['make\nEmpty · setup', 'task setup'],
    ['drop\nEmpty · teardown · as cleanup', 'task teardown'],
    ['plain\nEmpty', 'task'],
  ]);
  assert.ok(TASK_MARKS.includes('setup') && TASK_MARKS.includes('teardown'));
});
