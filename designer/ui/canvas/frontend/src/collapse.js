// Collapsed groups. A collapsed group and everything in it stay in the graph but are hidden (class
// "folded"); a stand-in box ("proxy", id `c:<group>`) is drawn where the group was, and edges that
// touch hidden nodes are redrawn as dashed "meta" edges to the stand-in. The real elements never
// leave the graph, so the diff against Python and the positions of hidden tasks are unaffected.
import { labelWidth } from './model.js';

export const proxyId = (groupId) => `c:${groupId}`;

/** Whether a node is drawn: not inside a collapsed group and not outside focus mode's neighbourhood.
 * Decided by class, not by Cytoscape's `visible()`: that also asks whether each parent box takes up
 * space, and a group box just unfolded still has the zero size it had while its members were hidden
 * until the next render (seen in Chromium: a found task in a just-expanded group read as invisible). */
export const shown = (node) => !node.hasClass('folded') && !node.hasClass('unfocused');

/** The design id an on-canvas node stands for (a stand-in box stands for its group). */
export const refOf = (node) => (node.hasClass('proxy') ? node.data('ref') : node.id());

/** Centre of a group's members from their positions (hidden boxes have no usable bounding box). */
export function membersCentre(group) {
  const leaves = group.descendants().filter((n) => !n.isParent());
  if (leaves.empty()) return { ...group.position() };
  const xs = leaves.map((n) => n.position('x'));
  const ys = leaves.map((n) => n.position('y'));
  return { x: (Math.min(...xs) + Math.max(...xs)) / 2, y: (Math.min(...ys) + Math.max(...ys)) / 2 };
}

/**
 * Redraw collapsed groups for the set `collapsed` (group ids). Idempotent: it first removes every
 * stand-in and meta edge, then rebuilds them. Returns a function mapping an id to the id drawn for
 * it (itself, or the stand-in of its outermost collapsed group).
 */
export function applyCollapse(cy, collapsed) {
  let visibleOf = (id) => id;
  // Nothing collapsed now or before: skip the batch (ending a batch restyles a 2,000-node graph).
  if (!collapsed.size && cy.$('.proxy, .folded').empty()) return visibleOf;
  cy.batch(() => {
    cy.elements('.proxy, .meta').remove();
    cy.elements('.folded').removeClass('folded');
    const outermost = [];
    for (const id of collapsed) {
      const g = cy.getElementById(id);
      if (g.empty() || !g.hasClass('group')) continue;
      if (g.ancestors().some((a) => collapsed.has(a.id()))) continue; // an outer collapsed group hides it
      outermost.push(g);
    }
    if (!outermost.length) return;
    const standIn = new Map();
    for (const g of outermost) {
      const tasks = g.descendants('.task').length;
      const label = `${g.id()}\n▸ ${tasks} task${tasks === 1 ? '' : 's'}`;
      const parent = g.parent();
      cy.add({ group: 'nodes', classes: 'proxy', position: membersCentre(g),
        data: { id: proxyId(g.id()), ref: g.id(), label, width: labelWidth(label),
          parent: parent.nonempty() ? parent.id() : undefined } });
      g.union(g.descendants()).addClass('folded').forEach((n) => standIn.set(n.id(), proxyId(g.id())));
    }
    visibleOf = (id) => standIn.get(id) || id;
    const metas = new Set();
    cy.edges('.real').forEach((e) => {
      const s = visibleOf(e.source().id());
      const t = visibleOf(e.target().id());
      if (s === e.source().id() && t === e.target().id()) return;
      e.addClass('folded');
      const key = `m:${s}>${t}`;
      if (s === t || metas.has(key)) return; // an edge inside one collapsed group disappears with it
      metas.add(key);
      cy.add({ group: 'edges', classes: 'meta', data: { id: key, source: s, target: t, label: '' } });
    });
  });
  return visibleOf;
}
