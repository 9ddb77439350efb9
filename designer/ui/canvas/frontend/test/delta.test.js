// `npm test`: the canvas' reading of Python's messages (src/delta.js), on the cases the Python twin
// (designer/ui/canvas/delta.py) is checked with: test/delta_cases.json, written by tests/test_canvas_delta.py.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { applyDelta, readMessage, shapeProblem, WIRE_VERSION } from '../src/delta.js';

const CASES = JSON.parse(readFileSync(new URL('./delta_cases.json', import.meta.url), 'utf8'));
const freeze = (v) => { if (v && typeof v === 'object') { Object.values(v).forEach(freeze); Object.freeze(v); } return v; };
const message = (seq, base, delta, stream = 's') => ({ version: WIRE_VERSION, stream, seq, base, ...delta });
const whole = (payload, seq, stream = 's') => ({ ...payload, stream, seq });

test('the shared cases are there, with deltas and whole payloads', () => {
  assert.ok(CASES.length >= 40);
  assert.ok(CASES.some((c) => c.delta === null) && CASES.some((c) => c.delta !== null));
});

for (const { name, old, new: wanted, delta } of CASES) {
  if (delta === null) continue; // Python sends the whole payload
  test(`applyDelta rebuilds the new payload exactly: ${name}`, () => {
    const before = structuredClone(old);
    assert.deepStrictEqual(applyDelta(freeze(structuredClone(old)), delta), wanted);
    assert.deepStrictEqual(old, before, 'the held payload is not changed');
  });
}

test('readMessage: a whole payload, then deltas on it, then the same message again', () => {
  for (const { old, new: wanted, delta } of CASES) {
    const first = readMessage(null, whole(old, 4));
    assert.equal(first.problem, undefined, first.problem);
    assert.deepStrictEqual([first.data, first.stream, first.seq, first.full], [old, 's', 4, true]);
    if (delta === null) continue;
    const next = readMessage({ stream: 's', seq: 4, data: first.data }, message(5, 4, delta));
    assert.equal(next.problem, undefined, next.problem);
    assert.deepStrictEqual([next.data, next.seq, next.full], [wanted, 5, false]);
    const graph = ['tasks', 'groups', 'edges'];
    const touched = [...Object.keys(delta.items || {}), ...Object.keys(delta.set || {}), ...(delta.unset || [])];
    assert.equal(next.graphChanged, touched.some((k) => graph.includes(k)));
    assert.deepStrictEqual(readMessage({ stream: 's', seq: 5, data: next.data }, message(5, 4, delta)), { same: true });
  }
});

test('a delta on another payload than the one held is refused (and nothing is changed)', () => {
  const { old, delta } = CASES.find((c) => c.delta && c.delta.items);
  const held = freeze({ stream: 's', seq: 7, data: structuredClone(old) });
  for (const [h, base, stream] of [[held, 6, 's'], [held, 8, 's'], [null, 7, 's'], [held, 7, 'another']]) {
    const got = readMessage(h, message(9, base, delta, stream));
    assert.match(got.problem, /based on/);
    assert.equal(got.data, undefined);
  }
});

test('unknown versions and broken shapes are refused, never thrown', () => {
  const { old } = CASES[0];
  const held = { stream: 's', seq: 3, data: old };
  const broken = [
    null, 'text', [], {}, { ...whole(old, 4), version: 3 }, { ...old, version: 2 }, whole(old, '4'),
    { ...old, seq: 4 }, whole({ ...old, tasks: 'abc' }, 4), whole({ ...old, tasks: [{ operator: 'bash' }] }, 4),
    whole({ ...old, edges: [{ upstream: 'a' }] }, 4), whole({ ...old, selected: 'a' }, 4),
    whole({ ...old, highlight: { cycle: 'a' } }, 4), whole({ ...old, height: '600' }, 4),
    message(4, 3, { items: [] }), message(4, 3, { items: { tasks: { put: [{ nope: 1 }] } } }),
    message(4, 3, { items: { tasks: { drop: [['a', 'b']] } } }), message(4, 3, { items: { edges: { drop: ['a'] } } }),
    message(4, 3, { items: { nodes: { put: [] } } }), message(4, 3, { items: { operators: { put: [] } } }),
    message(4, 3, { set: [] }), message(4, 3, { set: { tasks: 5 } }), message(4, 3, { unset: 'tasks' }),
    message(5, 4, { prev: 'x' }), message(5, 4, { prev: [{ seq: 3, base: 2 }] }), // not a chain to 4
  ];
  for (const msg of broken) {
    const got = readMessage(held, msg);
    assert.equal(typeof got.problem, 'string', JSON.stringify(msg)?.slice(0, 120));
  }
});

test('shapeProblem passes what the canvas reads with defaults, and keys it does not read', () => {
  assert.equal(shapeProblem('focus', null), null);
  assert.equal(shapeProblem('focus', undefined), null);
  assert.equal(shapeProblem('something_new', { any: 'thing' }), null);
  assert.equal(shapeProblem('run', 'x'), null);
  assert.match(shapeProblem('focus', 'a'), /focus/);
});

test('"prev" repeats earlier deltas: a canvas that missed messages catches up through them', () => {
  const { old: a, new: b, delta } = CASES.find((x) => x.delta && x.delta.items);
  const c = { ...b, run: 99 };
  const m3 = message(3, 2, { set: { run: 99 }, prev: [{ seq: 2, base: 1, ...delta }] });
  const { prev: _prev, ...withoutPrev } = m3;
  const held1 = { stream: 's', seq: 1, data: a };
  assert.match(readMessage(held1, withoutPrev).problem, /based on 2, holding 1/); // message 2 was lost
  const got = readMessage(held1, m3);
  assert.equal(got.problem, undefined, got.problem);
  assert.deepStrictEqual([got.data, got.seq, got.graphChanged], [c, 3, true]);
  const direct = readMessage({ stream: 's', seq: 2, data: b }, m3); // message 2 arrived: prev is not used
  assert.deepStrictEqual([direct.data, direct.seq, direct.graphChanged], [c, 3, false]);
});
