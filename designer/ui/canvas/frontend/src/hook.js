// window.__dagCanvas[instance]: lets browser tests (tests/browser) find nodes on screen and read
// the canvas' state. Every function returns plain JSON, never Cytoscape collections: Playwright
// would serialise a whole collection (seconds for a big graph).
import { shown } from './collapse.js';
import { edgeId } from './model.js';

export function makeHook(canvas) {
  const { cy } = canvas;
  const pageBox = (bb) => {
    const r = canvas.container.getBoundingClientRect();
    return { x1: r.left + bb.x1, x2: r.left + bb.x2, y1: r.top + bb.y1, y2: r.top + bb.y2,
      cx: r.left + (bb.x1 + bb.x2) / 2, cy: r.top + (bb.y1 + bb.y2) / 2 };
  };
  return {
    cy,
    canvas,
    /** Page coordinates of the box drawn for `id` (its stand-in if it is collapsed). */
    box(id) {
      const n = cy.getElementById(canvas.visibleOf(id));
      return n.empty() ? null : pageBox(n.renderedBoundingBox({ includeLabels: false, includeOverlays: false }));
    },
    /** Page coordinates of the middle of the edge u -> d. */
    edgePoint(u, d) {
      const e = cy.getElementById(edgeId(u, d));
      if (e.empty()) return null;
      const r = canvas.container.getBoundingClientRect();
      const m = e.renderedMidpoint();
      return { x: r.left + m.x, y: r.top + m.y };
    },
    positions() {
      const out = {};
      cy.nodes('.task, .group').forEach((n) => { out[n.id()] = { x: n.position('x'), y: n.position('y') }; });
      return out;
    },
    parentOf(id) { const p = cy.getElementById(id).parent(); return p.nonempty() ? p.id() : null; },
    selected() { const key = canvas.selectionKey(); return key ? key.split('\n') : []; },
    selectedEdges() { return cy.edges(':selected.real').map((e) => e.id()); },
    counts() {
      return { tasks: cy.nodes('.task').length, groups: cy.nodes('.group').length, edges: cy.edges('.real').length,
        proxies: cy.nodes('.proxy').length, visibleTasks: cy.nodes('.task').filter(shown).length,
        ghosts: cy.nodes('.ghost').length, ghostEdges: cy.edges('.ghost').length };
    },
    /** Design ids of the boxes on screen (a stand-in box counts as its group), sorted. */
    visibleIds() {
      return [...new Set(cy.nodes('.task, .group, .proxy').filter(shown).map((n) => n.data('ref') || n.id()))].sort();
    },
    /** Whether the box drawn for `id` lies wholly inside the canvas' view. */
    inView(id) {
      const n = cy.getElementById(canvas.visibleOf(id));
      if (n.empty() || !shown(n)) return false;
      const b = n.boundingBox({ includeLabels: false }); const v = cy.extent();
      return b.x1 >= v.x1 && b.x2 <= v.x2 && b.y1 >= v.y1 && b.y2 <= v.y2;
    },
    /** Ids of the ghost boxes and edges drawn for removed items (`ghost:<id>`, `ghost:<upstream>><downstream>`), sorted. */
    ghostIds() { return cy.elements('.ghost').map((e) => e.id()).sort(); },
    hasEdge(u, d) { return cy.getElementById(edgeId(u, d)).nonempty(); },
    classesOf(id) { return cy.getElementById(id).classes(); },
    state() {
      const { outbox } = canvas;
      return { client: outbox.client, seq: outbox.seq, outbox: outbox.ops.length, layoutRunning: canvas.layoutRunning,
        zoom: cy.zoom(), pan: { ...cy.pan() }, held: canvas.held ? canvas.held.seq : null, ...canvas.stats, ...outbox.stats };
    },
    /** The page run (payload `run`) whose data the canvas last drew, or null. */
    syncedRun() { return canvas.syncedRun ?? null; },
    /** Nothing waiting for Python and no layout running. */
    idle() { return !canvas.outbox.pending && !canvas.layoutRunning; },
  };
}
