// Layout: ELK "layered" over the visible graph (groups as nested boxes), and a cheap placement of a
// few new nodes next to their neighbours so that adding one task never moves the others.
//
// elkjs is used directly rather than through cytoscape-elk: that adapter swallows ELK errors (the
// promise rejection is unhandled and "layoutstop" never fires) and always runs ELK on the main
// thread. Here ELK runs in its Web Worker (build/elk-worker.min.js, fetched only when a layout is
// first needed), so a 2,000-task layout does not freeze the page, and failures are reported.
import ELK from 'elkjs/lib/elk-api.js';
import { shown } from './collapse.js';

const ELK_OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.layered.spacing.nodeNodeBetweenLayers': '50',
  'elk.spacing.nodeNode': '18',
  'elk.spacing.componentComponent': '30',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
};
// Above this many boxes, fewer crossing-minimisation sweeps: measured with elkjs on layered designs,
// 500 tasks 3.5 s -> 0.8 s and 2,000 tasks 5.3 s -> 3.4 s, for a few more crossings.
const BIG_LAYOUT = 300;
const FAST_OPTIONS = {
  'elk.layered.thoroughness': '1',
  'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
};
// Room for the group's label above its members.
const GROUP_PADDING = '[top=38,left=16,bottom=16,right=16]';

let elk = null;
function getElk() {
  if (!elk) elk = new ELK({ workerUrl: new URL('./elk-worker.min.js', import.meta.url).href });
  return elk;
}

/** Nodes ELK should place: visible tasks, groups and collapsed-group boxes (not edgehandles' ghosts). */
const layoutNodes = (cy) => cy.nodes('.task, .group, .proxy').filter(shown);

/**
 * Run ELK on the visible graph. Resolves to {id: {x, y}} centre positions of leaf nodes (tasks,
 * collapsed-group boxes and empty groups); group boxes follow their members.
 */
export async function elkPositions(cy) {
  const nodes = layoutNodes(cy);
  const inLayout = new Set(nodes.map((n) => n.id()));
  const elkNode = new Map();
  const visibleChildren = (n) => n.children().filter((c) => inLayout.has(c.id()));
  for (const n of nodes) {
    elkNode.set(n.id(), visibleChildren(n).length
      ? { id: n.id(), children: [], layoutOptions: { 'elk.padding': GROUP_PADDING } }
      : { id: n.id(), width: n.outerWidth(), height: n.outerHeight() });
  }
  const layoutOptions = nodes.length > BIG_LAYOUT ? { ...ELK_OPTIONS, ...FAST_OPTIONS } : ELK_OPTIONS;
  const root = { id: '__root__', layoutOptions, children: [], edges: [] };
  for (const n of nodes) {
    const parent = n.parent();
    const holder = parent.nonempty() && inLayout.has(parent.id()) ? elkNode.get(parent.id()) : root;
    holder.children.push(elkNode.get(n.id()));
  }
  // An edge between a group and its own member cannot be laid out as a hierarchy edge; skip it.
  const related = (a, b) => a.ancestors().contains(b) || b.ancestors().contains(a);
  cy.edges('.real, .meta').filter((e) => !e.hasClass('folded') && shown(e.source()) && shown(e.target())).forEach((e) => {
    const s = e.source(); const t = e.target();
    if (s.same(t) || related(s, t) || !inLayout.has(s.id()) || !inLayout.has(t.id())) return;
    root.edges.push({ id: e.id(), sources: [s.id()], targets: [t.id()] });
  });
  const laid = await getElk().layout(root);
  const out = {};
  const walk = (k, ox, oy) => {
    const x = ox + (k.x || 0); const y = oy + (k.y || 0);
    if (k.children && k.children.length) k.children.forEach((c) => walk(c, x, y));
    else if (k.id !== '__root__') out[k.id] = { x: x + k.width / 2, y: y + k.height / 2 };
  };
  walk(laid, 0, 0);
  return out;
}

const boxOf = (n, p) => ({ x1: p.x - n.outerWidth() / 2, x2: p.x + n.outerWidth() / 2,
  y1: p.y - n.outerHeight() / 2, y2: p.y + n.outerHeight() / 2 });
const overlap = (a, b, gap) => a.x1 < b.x2 + gap && b.x1 < a.x2 + gap && a.y1 < b.y2 + gap && b.y1 < a.y2 + gap;
const mean = (xs) => xs.reduce((s, v) => s + v, 0) / xs.length;

/**
 * Positions for the nodes in `ids` (which have none yet), chosen without moving anything else:
 * right of their placed upstream nodes, else left of their downstream nodes, else below their
 * group's placed members, else the middle of the view; then nudged down until they overlap nothing.
 */
export function placeNew(cy, ids) {
  const pending = new Set(ids);
  const out = {};
  const placedLeaves = () => cy.nodes('.task, .proxy, .group').filter((n) => shown(n) && !pending.has(n.id()) && !n.isParent());
  for (const id of ids) {
    const n = cy.getElementById(id);
    if (n.empty()) continue;
    const ready = (m) => !pending.has(m.id()) && shown(m);
    const ups = n.incomers('node').filter(ready);
    const downs = n.outgoers('node').filter(ready);
    const mates = n.parent().nonempty() ? n.parent().children().filter((m) => ready(m) && !m.same(n)) : cy.collection();
    let p;
    if (ups.length) p = { x: Math.max(...ups.map((m) => m.position('x'))) + 200, y: mean(ups.map((m) => m.position('y'))) };
    else if (downs.length) p = { x: Math.min(...downs.map((m) => m.position('x'))) - 200, y: mean(downs.map((m) => m.position('y'))) };
    else if (mates.length) {
      const bb = mates.boundingBox({ includeLabels: false });
      p = { x: bb.x1 + n.outerWidth() / 2, y: bb.y2 + 40 };
    } else {
      const ext = cy.extent();
      p = { x: (ext.x1 + ext.x2) / 2, y: (ext.y1 + ext.y2) / 2 };
    }
    // Stay clear of other boxes, including group boxes the node is not in (touching a group's
    // border would look like membership).
    const foreignGroups = cy.nodes('.group').filter((g) => shown(g) && g.isParent() && !n.ancestors().contains(g))
      .map((g) => g.boundingBox({ includeLabels: false, includeOverlays: false }));
    const others = placedLeaves().filter((m) => !m.same(n)).map((m) => boxOf(m, m.position())).concat(foreignGroups);
    for (let tries = 0; tries < 60 && others.some((b) => overlap(boxOf(n, p), b, 10)); tries += 1) p = { x: p.x, y: p.y + 50 };
    n.position(p);
    pending.delete(id);
    out[id] = p;
  }
  return out;
}
