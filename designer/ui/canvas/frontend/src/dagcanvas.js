// The canvas: one Cytoscape instance per mounted component, kept across reruns and updated in place.
//
// Python is the source of truth. The canvas applies a user's edit locally at once (so it feels
// instant), sends it to Python as an op, and then shows whatever design Python sends back. Two rules
// keep that from flickering or looping:
//  * Ops carry a sequence number and Python acknowledges the last one it applied (`data.ack`). While
//    some op is unacknowledged, incoming data predates it, so the graph is not synced (that would
//    briefly undo the user's edit); the data that acknowledges it is synced instead.
//  * Syncing is a diff (add / remove / move only what differs), never a rebuild, and positions that
//    Python echoes back compare equal, so a rerun never moves anything.
// Python sends mostly deltas against the payload the canvas holds (delta.js); a message the canvas
// cannot use (another base, an unknown version, a broken shape) is not applied: the canvas keeps
// showing what it has and asks for a whole payload (`resync`).
import cytoscape from 'cytoscape';
import edgehandles from 'cytoscape-edgehandles';

import { applyCollapse, membersCentre, refOf, shown } from './collapse.js';
import { readMessage } from './delta.js';
import { makeHook } from './hook.js';
import { installConnectHandle, installDropIntoGroups } from './interactions.js';
import { elkPositions, placeNew } from './layout.js';
import {
  diffGraph, edgeId, ghostElements, highlightEdges, isEmptyPlan, MARK_KINDS, markedEdges, normalize, PATH_KINDS, roundPx,
  TASK_MARKS, uniqueId,
} from './model.js';
import { Outbox } from './outbox.js';
import { STYLE } from './style.js';
import CSS from './canvas.css';

cytoscape.use(edgehandles);

const FULL_LAYOUT_SHARE = 0.25; // more unplaced nodes than this share -> ELK lays out everything
const MAX_FIT_ZOOM = 1.4;
const READABLE_ZOOM = 0.5; // below this a 40 px box is too small to read: a found box is shown at 1:1
const RESYNC_AFTER_MS = 3000; // an unanswered ask for a whole payload is repeated after this...
const MAX_RESYNCS = 3; // ...this many times in a row at most (a newer app would answer in a format we cannot read)

const HTML = `
<div class="dagc-toolbar" role="toolbar">
  <button type="button" data-act="fit" title="Fit the whole DAG in view">Fit</button>
  <button type="button" data-act="zoom-in" title="Zoom in">+</button>
  <button type="button" data-act="zoom-out" title="Zoom out">−</button>
  <button type="button" data-act="relayout" title="Lay out the whole DAG again (ELK layered)">Re-layout</button>
  <span class="dagc-sep"></span>
  <button type="button" data-act="add-task" title="Add a task (into the selected group)">+ Task</button>
  <button type="button" data-act="collapse" title="Collapse or expand the selected groups (or double-click a group)">Collapse / expand</button>
  <button type="button" data-act="delete" title="Delete the selection (Delete key)">Delete</button>
  <span class="dagc-status" aria-live="polite"></span>
</div>
<div class="dagc-wrap" tabindex="0">
  <div class="dagc-cy"></div>
  <div class="dagc-handle" title="Drag to another task or group to connect"></div>
  <div class="dagc-hint">Drag ● to connect · drag a box onto a group to move it in · double-click a group to collapse</div>
</div>`;

export class DagCanvas {
  constructor(host) {
    this.host = host;
    this.outbox = new Outbox(() => {
      // Python is not taking edits: show its design again.
      this.status('edits were not saved');
      this.seen.graph = null;
      if (this.data) this.sync(this.data);
    });
    this.collapsed = new Set();
    this.visibleOf = (id) => id;
    this.focus = null; // focus mode: the only design ids shown (null: all)
    this.seen = { graph: null, selected: null, collapsed: null, highlight: null, relayout: null, focus: null, ghosts: null };
    this.held = null; // {stream, seq, data}: the last message's payload, rebuilt whole (data is also this.data)
    this.graphRev = 0; // bumped when held tasks, groups or edges change (sync diffs the graph only then)
    this.fullGraphKey = null; // tasks, groups and edges of the last whole payload, as JSON
    this.resyncs = { timer: null, tries: 0 };
    this.stats = { syncs: 0, skipped: 0, layouts: 0, lastLayoutMs: null, lastSyncMs: null, fulls: 0, deltas: 0,
      resyncs: 0, lastProblem: null };
    this.layoutRunning = false;
    this.fitted = false;

    this.root = document.createElement('div');
    this.root.className = 'dagc';
    this.root.innerHTML = `<style>${CSS}</style>${HTML}`;
    host.appendChild(this.root);
    this.wrap = this.root.querySelector('.dagc-wrap');
    this.container = this.root.querySelector('.dagc-cy');
    this.handle = this.root.querySelector('.dagc-handle');
    this.statusEl = this.root.querySelector('.dagc-status');

    // Box selection needs a modifier key (shift) because a plain drag on the background pans.
    this.cy = cytoscape({ container: this.container, style: STYLE, elements: [], minZoom: 0.05, maxZoom: 3,
      boxSelectionEnabled: true });
    installConnectHandle(this);
    installDropIntoGroups(this);
    this.installSelection();
    this.installToolbar();
    // The component can be resized by Streamlit's layout (sidebar, window); Cytoscape must know.
    this.resizeObserver = new ResizeObserver(() => this.cy.resize());
    this.resizeObserver.observe(this.container);
    // Cytoscape caches where its container is on screen and listens for scrolling only up to the
    // shadow root, so scrolling Streamlit's page would leave pointer hits off by the scroll
    // distance. Scroll events do not bubble; a capture listener on the document sees them all.
    this.onPageScroll = () => {
      if (this.scrollFrame) return;
      this.scrollFrame = requestAnimationFrame(() => { this.scrollFrame = null; this.cy.resize(); });
    };
    document.addEventListener('scroll', this.onPageScroll, { capture: true, passive: true });
    // The page can also move the canvas without a scroll or a resize: a panel above it that reruns alone
    // grows or shrinks (a message appears), even during a drag. Cytoscape's cached place would then put a
    // drop off by that much, so it is forgotten at every pointer event (before Cytoscape's own handlers;
    // it is measured again, once, when next needed).
    this.onPointer = () => this.cy.renderer().invalidateContainerClientCoordsCache();
    for (const type of ['pointerenter', 'pointerdown', 'pointermove']) {
      this.container.addEventListener(type, this.onPointer, { capture: true, passive: true });
    }
  }

  destroy() {
    this.outbox.destroy();
    this.resizeObserver.disconnect();
    document.removeEventListener('scroll', this.onPageScroll, { capture: true });
    cancelAnimationFrame(this.scrollFrame);
    clearTimeout(this.resyncs.timer);
    if (this.eh) this.eh.destroy();
    this.cy.destroy();
    this.root.remove();
    if (window.__dagCanvas && this.instance && window.__dagCanvas[this.instance] === this.hook) delete window.__dagCanvas[this.instance];
  }

  // ---------------------------------------------------------------- Python -> canvas

  /** Called by the component entry on every rerun whose data changed: `message` is a whole payload or a delta. */
  update(message, api) {
    this.outbox.api = api;
    const got = readMessage(this.held, message);
    if (got.same) return;
    if (got.problem) {
      this.stats.lastProblem = got.problem;
      this.askResync();
      return; // keep showing what we have
    }
    this.receive(got);
    const { data } = this;
    if (data.height) this.container.style.height = `${data.height}px`;
    this.registerHook(data.instance || 'canvas');
    this.outbox.acknowledge(data.ack);
    if (this.outbox.pending) {
      // This data was built before Python saw our latest op: syncing now would undo it on screen.
      // The data that acknowledges the op comes with the rerun the op causes.
      this.stats.skipped += 1;
      return;
    }
    this.sync(data);
    this.syncedRun = data.run ?? null; // the page run whose payload is on screen (browser tests wait for it)
  }

  /** Hold a usable message's payload (see readMessage) and note whether its graph changed. */
  receive({ data, stream, seq, full, graphChanged }) {
    this.held = { stream, seq, data };
    this.data = data;
    clearTimeout(this.resyncs.timer);
    this.resyncs = { timer: null, tries: 0 };
    if (full) {
      this.stats.fulls += 1;
      const key = JSON.stringify([data.tasks, data.groups, data.edges]);
      if (key !== this.fullGraphKey) this.graphRev += 1;
      this.fullGraphKey = key;
    } else {
      this.stats.deltas += 1;
      if (graphChanged) { this.graphRev += 1; this.fullGraphKey = null; }
    }
  }

  /** Ask Python for a whole payload: once at a time, again after RESYNC_AFTER_MS while no usable message
   * came, at most MAX_RESYNCS times in a row. Python answers in the rerun the trigger causes. */
  askResync() {
    if (this.resyncs.timer) return; // asked already: the answer is on its way
    if (this.resyncs.tries >= MAX_RESYNCS) { this.status('out of step with the app: reload the page'); return; }
    if (!this.outbox.api) return;
    this.resyncs.tries += 1;
    this.stats.resyncs += 1;
    this.outbox.api.setTriggerValue('resync', this.held ? this.held.seq : 0);
    this.resyncs.timer = setTimeout(() => { this.resyncs.timer = null; this.askResync(); }, RESYNC_AFTER_MS);
  }

  sync(data) {
    const t0 = performance.now();
    const { cy } = this;
    const collapsedKey = (data.groups || []).filter((g) => g.collapsed).map((g) => g.id).sort().join('\n');
    let unplaced = [];
    let structureChanged = false;
    let replaced = false;
    if (this.graphRev !== this.seen.graph) {
      this.seen.graph = this.graphRev;
      let added;
      ({ unplaced, structureChanged, added } = this.applyDiff(normalize(data)));
      replaced = added > cy.nodes().length / 2; // another design was opened: show all of it
    }
    // Collapsed groups, selection and highlight from Python are commands: they are applied when
    // Python's value changes, not on every rerun, so a caller that ignores the canvas' own
    // selection / collapsing does not keep undoing the user's clicks.
    if (collapsedKey !== this.seen.collapsed) {
      this.seen.collapsed = collapsedKey;
      this.collapsed = new Set(collapsedKey ? collapsedKey.split('\n') : []);
      structureChanged = true;
    }
    const focusKey = data.focus ? data.focus.join('\n') : null; // Python sends it sorted
    const focusChanged = focusKey !== this.seen.focus;
    if (focusChanged) {
      this.seen.focus = focusKey;
      this.focus = data.focus ? new Set(data.focus) : null;
      // Focus mode's positions are a view Python made for it: nothing may drag them into the design.
      this.cy.autoungrabify(Boolean(this.focus));
    }
    const ghostKey = JSON.stringify(data.removed || null);
    if (ghostKey !== this.seen.ghosts || structureChanged) {
      this.seen.ghosts = ghostKey;
      this.drawGhosts(data.removed || null, data.operators || {});
    }
    const hlKey = JSON.stringify([data.highlight || {}, data.edge_highlight || {}]);
    if (structureChanged) this.refreshCollapse(); // also re-applies focus, highlight and back-edge bows
    else if (focusChanged) this.applyFocus();
    else if (hlKey !== this.seen.highlight) this.applyHighlight(data.highlight || {}, data.edge_highlight || {});
    this.seen.highlight = hlKey;
    if (focusChanged && this.fitted) this.fit(); // show the whole neighbourhood (or everything again)
    const selKey = JSON.stringify(data.selected || []);
    if (selKey !== this.seen.selected) {
      this.seen.selected = selKey;
      if (this.select(data.selected || []) && !focusChanged) this.bringIntoView(data.selected || []);
    }
    const token = data.relayout_token ?? 0;
    const relayout = this.seen.relayout !== null && token !== this.seen.relayout;
    this.seen.relayout = token;
    this.stats.syncs += 1;
    this.stats.lastSyncMs = Math.round(performance.now() - t0);
    const leaves = cy.nodes('.task, .group').filter((n) => !n.isParent()).length;
    if (relayout || (unplaced.length && (unplaced.length > FULL_LAYOUT_SHARE * leaves || unplaced.length === leaves))) {
      this.relayout();
    } else if (unplaced.length) {
      const placed = Object.keys(placeNew(cy, unplaced));
      this.emitMove(placed);
      this.reveal(placed);
    }
    if (unplaced.length) this.markBackEdges();
    if ((!this.fitted || replaced) && !this.layoutRunning && cy.nodes().length) { this.fit(); this.fitted = true; }
    this.showCounts();
  }

  /** Apply the diff between the canvas and `wanted`; returns the leaf ids that still need a position,
   * whether anything changed, and how many nodes were added. */
  applyDiff(wanted) {
    const { cy } = this;
    const plan = diffGraph(this.readGraph(), wanted);
    if (isEmptyPlan(plan)) return { unplaced: [], structureChanged: false, added: 0 };
    const unplaced = [];
    cy.batch(() => {
      // Order matters: removing a group removes its members, so members move out first; new
      // groups are added parents-first (plan.add is in that order).
      cy.elements('.proxy, .meta').remove(); // rebuilt by refreshCollapse
      for (const id of plan.remove.filter((id) => wanted.nodes.has(id))) cy.getElementById(id).remove(); // kind changed
      for (const n of plan.add) {
        cy.add({ group: 'nodes', classes: n.classes, position: n.position ? { ...n.position } : { x: 0, y: 0 },
          data: { id: n.id, label: n.label, width: n.width || undefined } });
      }
      for (const n of plan.add) if (n.parent) cy.getElementById(n.id).move({ parent: n.parent });
      for (const [id, parent] of plan.reparent) cy.getElementById(id).move({ parent });
      for (const n of plan.update) {
        const node = cy.getElementById(n.id);
        node.data({ label: n.label, width: n.width || undefined });
        node.classes(n.classes); // highlight and collapse classes are re-applied after the diff
      }
      for (const id of plan.remove.filter((id) => !wanted.nodes.has(id))) {
        const node = cy.getElementById(id);
        if (node.nonempty()) { node.children().move({ parent: node.parent().nonempty() ? node.parent().id() : null }); node.remove(); }
      }
      for (const [id, p] of plan.move) {
        const node = cy.getElementById(id);
        if (node.nonempty() && !node.isParent()) node.position({ ...p });
      }
      for (const id of plan.removeEdges) cy.getElementById(id).remove();
      for (const e of plan.addEdges) {
        cy.add({ group: 'edges', classes: 'real', data: { id: e.id, source: e.source, target: e.target, label: e.label } });
      }
      for (const e of plan.updateEdges) cy.getElementById(e.id).data('label', e.label);
    });
    for (const n of plan.add) {
      const node = cy.getElementById(n.id);
      if (!n.position && !node.isParent()) unplaced.push(n.id);
    }
    return { unplaced, structureChanged: true, added: plan.add.length };
  }

  /** The design graph as drawn (same shape as model.normalize), read from Cytoscape. */
  readGraph() {
    const nodes = new Map();
    this.cy.nodes('.task, .group').forEach((n) => {
      const parent = n.parent();
      nodes.set(n.id(), { id: n.id(), kind: n.hasClass('group') ? 'group' : 'task',
        parent: parent.nonempty() ? parent.id() : null, label: n.data('label'),
        classes: n.classes().filter((c) => c === 'task' || c === 'group' || TASK_MARKS.includes(c)).join(' '),
        position: n.isParent() ? null : { ...n.position() } });
    });
    const edges = new Map();
    this.cy.edges('.real').forEach((e) => edges.set(e.id(), { id: e.id(), source: e.source().id(), target: e.target().id(), label: e.data('label') || '' }));
    return { nodes, edges };
  }

  refreshCollapse() {
    // Stand-in boxes are rebuilt, which drops their selection: select them again (silently).
    const selected = this.cy.nodes(':selected').map(refOf);
    this.visibleOf = applyCollapse(this.cy, this.collapsed);
    this.suppressSelect = true;
    for (const id of selected) this.cy.getElementById(this.visibleOf(id)).select();
    this.suppressSelect = false;
    this.applyFocus();
    if (this.data) this.applyHighlight(this.data.highlight || {}, this.data.edge_highlight || {});
    this.markBackEdges();
  }

  /** Ghosts of what a compared design had (see ghostElements): redrawn whole, never part of the design. */
  drawGhosts(removed, operators) {
    const { cy } = this;
    const isBox = (id) => { const n = cy.getElementById(id); return n.nonempty() && (n.hasClass('task') || n.hasClass('group')); };
    const { nodes, edges } = ghostElements(removed, operators, isBox);
    cy.batch(() => {
      cy.elements('.ghost').remove();
      for (const n of nodes) {
        cy.add({ group: 'nodes', classes: 'ghost', selectable: false, grabbable: false,
          position: n.position ? { ...n.position } : { x: 0, y: 0 }, data: { id: n.id, label: n.label, width: n.width } });
      }
      for (const e of edges) cy.add({ group: 'edges', classes: 'ghost', selectable: false, data: { ...e, label: '' } });
    });
    const unplaced = nodes.filter((n) => !n.position).map((n) => n.id);
    if (unplaced.length) placeNew(cy, unplaced);
  }

  /** Focus mode: hide (class "unfocused") every box not in `this.focus`; edges to hidden boxes go too. */
  applyFocus() {
    const { cy } = this;
    const hidden = cy.$('.unfocused');
    if (!this.focus && hidden.empty()) return;
    cy.batch(() => {
      hidden.removeClass('unfocused');
      if (!this.focus) return;
      cy.nodes('.task, .group, .proxy').filter((n) => !this.focus.has(refOf(n))).addClass('unfocused');
    });
  }

  /** Class "back" (drawn as a bow, see style.js) on edges whose target is left of their source. */
  markBackEdges(edges = this.cy.edges('.real, .meta')) {
    this.cy.batch(() => edges.forEach((e) => {
      const s = e.source(); const t = e.target();
      const dx = s.position('x') - t.position('x');
      const back = dx > 20 && !s.ancestors().contains(t) && !t.ancestors().contains(s);
      if (back) e.data('bend', Math.round(Math.min(260, 60 + 0.25 * dx)));
      e.toggleClass('back', back);
    }));
  }

  /** Select the nodes drawn for `ids`; returns whether the selection changed. Only nodes: a selected
   * edge is the canvas' own business (and Python echoing the user's node selection back must not
   * unselect the edge just clicked). */
  select(ids) {
    const wanted = new Set(ids.map((id) => this.visibleOf(id)));
    const current = this.cy.nodes(':selected');
    if (current.length === wanted.size && current.every((n) => wanted.has(n.id()))) {
      this.lastSelection = this.selectionKey();
      return false; // already so (typically Python echoing the canvas' own select op)
    }
    this.suppressSelect = true;
    this.cy.batch(() => {
      current.unselect();
      for (const id of wanted) this.cy.getElementById(id).select();
    });
    this.suppressSelect = false;
    this.lastSelection = this.selectionKey();
    return true;
  }

  /** Centre the view on the boxes drawn for `ids` when one is off screen or too small to read: what
   * Python selects (the Find box, a finding) must be seen. Boxes in view at a readable zoom stay put. */
  bringIntoView(ids) {
    const { cy } = this;
    const nodes = cy.collection(ids.map((id) => cy.getElementById(this.visibleOf(id))).filter((n) => n.nonempty() && shown(n)));
    if (nodes.empty()) return;
    const b = nodes.boundingBox({ includeLabels: false });
    const view = cy.extent();
    const inView = b.x1 >= view.x1 && b.x2 <= view.x2 && b.y1 >= view.y1 && b.y2 <= view.y2;
    if (inView && cy.zoom() >= READABLE_ZOOM) return;
    const fitsAtOne = b.w + 60 <= cy.width() && b.h + 60 <= cy.height();
    if (fitsAtOne) { cy.zoom(Math.max(cy.zoom(), 1)); cy.center(nodes); } else cy.fit(nodes, 30);
  }

  applyHighlight(highlight, edgeHighlight = {}) {
    const { cy } = this;
    const edges = this.readGraph().edges;
    const classes = [...PATH_KINDS, ...MARK_KINDS].map((kind) => `hl-${kind}`);
    cy.batch(() => {
      cy.elements(classes.map((c) => `.${c}`).join(', ')).removeClass(classes.join(' '));
      for (const kind of [...PATH_KINDS, ...MARK_KINDS]) {
        for (const id of highlight[kind] || []) cy.getElementById(this.visibleOf(id)).addClass(`hl-${kind}`);
      }
      this.addEdgeHighlights(highlight, edgeHighlight, edges);
    });
  }

  /** Highlight classes on `edges` (a Map as readGraph gives) by the rules of applyHighlight. */
  addEdgeHighlights(highlight, edgeHighlight, edges) {
    const { cy } = this;
    const parentOf = (id) => { const p = cy.getElementById(id).parent(); return p.nonempty() ? p.id() : null; };
    for (const kind of [...PATH_KINDS, ...MARK_KINDS]) {
      const ids = highlight[kind] || [];
      const marked = PATH_KINDS.includes(kind) ? highlightEdges(ids, edges, parentOf) : markedEdges(edgeHighlight[kind], edges);
      for (const id of marked) cy.getElementById(id).addClass(`hl-${kind}`);
    }
  }

  // ---------------------------------------------------------------- canvas -> Python

  /** Send an op to Python (see outbox.js). */
  emit(op) { this.outbox.push(op); }

  /** Hold the canvas' redraw until the ops of this event have left. They leave through Streamlit's own
   * setTimeout(0), and the browser draws the frame an input event asks for before running timers: that
   * redraw (40-80 ms at 500 tasks) came first. A Cytoscape batch skips frames; it ends in a timer queued
   * after Streamlit's (timers run in order), so the edit is drawn one frame later. */
  drawAfterSending() {
    if (this.drawHeld) return;
    this.drawHeld = true;
    this.cy.startBatch();
    queueMicrotask(() => setTimeout(() => { this.drawHeld = false; this.cy.endBatch(); }, 0)); // after the outbox's
  }

  /** Positions to report for `ids`: leaves and every group box (hidden members of stand-ins too). */
  emitMove(ids) {
    const positions = {};
    const put = (n) => { if (n.nonempty() && !n.hasClass('proxy')) positions[n.id()] = { x: roundPx(n.position('x')), y: roundPx(n.position('y')) }; };
    for (const id of ids) {
      const n = this.cy.getElementById(id);
      if (n.hasClass('proxy')) this.cy.getElementById(n.data('ref')).descendants().forEach(put);
      put(n);
      n.ancestors().forEach(put);
    }
    if (Object.keys(positions).length) this.emit({ op: 'move', positions });
  }

  canConnect(upstream, downstream) {
    if (upstream === downstream) return false;
    if (this.cy.getElementById(edgeId(upstream, downstream)).nonempty()) return false; // duplicate
    // A group and its own member cannot depend on each other (and the box makes the target ambiguous).
    const a = this.cy.getElementById(upstream); const b = this.cy.getElementById(downstream);
    return !a.ancestors().contains(b) && !b.ancestors().contains(a);
  }

  connect(upstream, downstream) {
    if (!this.canConnect(upstream, downstream)) return;
    this.emit({ op: 'connect', upstream, downstream }); // first: it leaves as soon as this event is handled
    this.drawAfterSending();
    const { cy } = this;
    const id = edgeId(upstream, downstream);
    const edge = cy.add({ group: 'edges', classes: 'real', data: { id, source: upstream, target: downstream, label: '' } });
    if (this.collapsed.size || cy.$('.proxy').nonempty()) {
      this.refreshCollapse(); // the edge may need re-routing to a stand-in box
    } else {
      // Only the new edge needs styling (re-marking every edge made the release ~20 ms slower at 500 tasks).
      const data = this.data || {};
      this.addEdgeHighlights(data.highlight || {}, data.edge_highlight || {}, new Map([[id, { id, source: upstream, target: downstream }]]));
      this.markBackEdges(edge);
    }
    this.status(`${upstream} → ${downstream}`);
  }

  /** After a drag: move dragged nodes into `target` (undefined: unchanged), report groups and positions. */
  dropped(top, target, from) {
    const { cy } = this;
    if (target !== undefined) {
      for (const n of top) {
        const id = refOf(n);
        const node = cy.getElementById(id);
        const current = node.parent().nonempty() ? node.parent().id() : null;
        if (current === target) continue;
        if (target !== null && (target === id || cy.getElementById(target).ancestors().some((a) => a.id() === id))) continue;
        node.move({ parent: target });
        if (n.hasClass('proxy')) n.move({ parent: target });
        this.emit({ op: 'reparent', id, group: target });
      }
    }
    // A stand-in box carries its hidden members along.
    for (const n of top) {
      if (!n.hasClass('proxy') || !from.has(n.id())) continue;
      const start = from.get(n.id());
      const dx = n.position('x') - start.x; const dy = n.position('y') - start.y;
      cy.getElementById(n.data('ref')).descendants().filter((m) => !m.isParent()).forEach((m) => {
        m.position({ x: m.position('x') + dx, y: m.position('y') + dy });
      });
    }
    this.refreshCollapse(); // rebuilds stand-ins (same ids) at their members' new centre
    this.emitMove(top.union(top.descendants()).filter((n) => !n.isParent()).map((n) => n.id()));
    this.showCounts();
  }

  installSelection() {
    // Select events come one per element; report the settled selection once per turn.
    this.cy.on('select unselect', 'node', () => {
      if (this.suppressSelect || this.selectQueued) return;
      this.selectQueued = true;
      setTimeout(() => {
        this.selectQueued = false;
        const key = this.selectionKey();
        if (key === this.lastSelection) return;
        this.lastSelection = key;
        this.emit({ op: 'select', ids: key ? key.split('\n') : [] });
      }, 0);
    });
    this.cy.on('dbltap', 'node.group, node.proxy', (e) => this.toggleCollapse([refOf(e.target)]));
    this.cy.on('tapstart', () => this.wrap.focus({ preventScroll: true }));
    this.wrap.addEventListener('keydown', (ev) => {
      if (ev.key === 'Delete' || ev.key === 'Backspace') { ev.preventDefault(); this.deleteSelected(); }
      if (ev.key === 'Escape') this.cy.elements(':selected').unselect();
    });
  }

  selectionKey() {
    const ids = new Set(this.cy.nodes(':selected').filter((n) => !n.hasClass('eh-ghost')).map(refOf));
    return [...ids].sort().join('\n');
  }

  toggleCollapse(ids) {
    for (const id of ids) {
      const collapsed = !this.collapsed.has(id);
      if (collapsed) this.collapsed.add(id); else this.collapsed.delete(id);
      this.emit({ op: 'toggle_collapse', id, collapsed });
    }
    this.refreshCollapse();
  }

  deleteSelected() {
    const { cy } = this;
    const nodes = [...new Set(cy.nodes(':selected').map(refOf))];
    const edges = cy.edges(':selected.real').map((e) => ({ upstream: e.source().id(), downstream: e.target().id() }));
    if (!nodes.length && !edges.length) return;
    cy.batch(() => {
      cy.edges(':selected.real').remove();
      const doomed = new Set(nodes);
      const survivor = (n) => { let p = n.parent(); while (p.nonempty() && doomed.has(p.id())) p = p.parent(); return p.nonempty() ? p.id() : null; };
      // A deleted group's members move to its nearest surviving ancestor (as in designer.edits.remove).
      for (const id of nodes) {
        const g = cy.getElementById(id);
        g.children().filter((c) => !doomed.has(c.id())).forEach((c) => c.move({ parent: survivor(c) }));
      }
      for (const id of nodes) { cy.getElementById(id).remove(); this.collapsed.delete(id); }
    });
    this.refreshCollapse();
    this.emit({ op: 'delete', ids: nodes, edges });
    this.showCounts();
  }

  addTask() {
    const { cy } = this;
    const sel = cy.nodes(':selected');
    let group = null;
    if (sel.length === 1) {
      const only = cy.getElementById(refOf(sel[0]));
      group = only.hasClass('group') ? only.id() : (only.parent().nonempty() ? only.parent().id() : null);
    }
    const id = uniqueId('task', (c) => cy.getElementById(c).nonempty());
    cy.add({ group: 'nodes', classes: 'task', data: { id, label: `${id}\nEmpty`, width: 90 } });
    if (group) cy.getElementById(id).move({ parent: group });
    const p = placeNew(cy, [id])[id];
    this.refreshCollapse();
    this.reveal([id]);
    this.emit({ op: 'add_task', id, operator: 'empty', group, position: { x: roundPx(p.x), y: roundPx(p.y) } });
    cy.elements(':selected').unselect();
    cy.getElementById(id).select();
    this.showCounts();
  }

  // ---------------------------------------------------------------- layout and view

  /** ELK over the whole (visible) graph, then report every position to Python. */
  async relayout() {
    if (this.focus) { this.status('no re-layout in focus mode: turn it off first'); return; }
    if (this.layoutRunning) { this.layoutAgain = true; return; }
    this.layoutRunning = true;
    this.status('laying out…');
    const t0 = performance.now();
    try {
      const positions = await elkPositions(this.cy);
      this.cy.batch(() => {
        for (const [id, p] of Object.entries(positions)) {
          const n = this.cy.getElementById(id);
          if (n.nonempty() && !n.isParent()) n.position(p);
        }
      });
      // Stand-ins were placed by ELK; their hidden members follow.
      this.cy.nodes('.proxy').forEach((px) => {
        const g = this.cy.getElementById(px.data('ref'));
        const c = membersCentre(g);
        const dx = px.position('x') - c.x; const dy = px.position('y') - c.y;
        g.descendants().filter((m) => !m.isParent()).forEach((m) => m.position({ x: m.position('x') + dx, y: m.position('y') + dy }));
      });
      this.markBackEdges();
      this.stats.layouts += 1;
      this.stats.lastLayoutMs = Math.round(performance.now() - t0);
      this.fit();
      this.fitted = true;
      this.emitMove(this.cy.nodes('.task, .group').filter((n) => !n.isParent()).map((n) => n.id()));
      this.status(`laid out in ${this.stats.lastLayoutMs} ms`);
    } catch (err) {
      this.status(`layout failed: ${err && err.message ? err.message : err}`);
      const missing = this.cy.nodes('.task').filter((n) => n.position('x') === 0 && n.position('y') === 0).map((n) => n.id());
      if (missing.length) this.emitMove(Object.keys(placeNew(this.cy, missing)));
    } finally {
      this.layoutRunning = false;
      if (this.layoutAgain) { this.layoutAgain = false; this.relayout(); }
    }
  }

  /** Fit the view when one of the boxes `ids` lies outside it: what was just added must be seen. */
  reveal(ids) {
    const { cy } = this;
    const view = cy.extent();
    const outside = ids.some((id) => {
      const n = cy.getElementById(id);
      if (n.empty() || !shown(n)) return false;
      const b = n.boundingBox({ includeLabels: false });
      return b.x1 < view.x1 || b.x2 > view.x2 || b.y1 < view.y1 || b.y2 > view.y2;
    });
    if (outside) this.fit();
  }

  fit() {
    const { cy } = this;
    const boxes = cy.nodes('.task, .group, .proxy').filter(shown);
    if (!boxes.length) return;
    cy.fit(boxes, 30);
    if (cy.zoom() > MAX_FIT_ZOOM) { cy.zoom(MAX_FIT_ZOOM); cy.center(boxes); }
  }

  installToolbar() {
    const act = {
      fit: () => this.fit(),
      'zoom-in': () => this.zoomBy(1.25),
      'zoom-out': () => this.zoomBy(0.8),
      relayout: () => this.relayout(),
      'add-task': () => this.addTask(),
      collapse: () => {
        const ids = [...new Set(this.cy.nodes(':selected').map(refOf))].filter((id) => this.cy.getElementById(id).hasClass('group'));
        if (ids.length) this.toggleCollapse(ids); else this.status('select a group to collapse or expand');
      },
      delete: () => this.deleteSelected(),
    };
    this.root.querySelectorAll('[data-act]').forEach((b) => b.addEventListener('click', () => act[b.dataset.act]()));
  }

  zoomBy(factor) {
    const { cy } = this;
    cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  }

  status(text) {
    this.statusEl.textContent = text;
    clearTimeout(this.statusTimer);
    this.statusTimer = setTimeout(() => this.showCounts(), 2500);
  }

  showCounts() {
    if (this.layoutRunning) return;
    const { cy } = this;
    this.statusEl.textContent = `${cy.nodes('.task').length} tasks · ${cy.nodes('.group').length} groups · ${cy.edges('.real').length} edges`;
  }

  // ---------------------------------------------------------------- test / debug hook

  /** Register window.__dagCanvas[instance] (see hook.js). */
  registerHook(instance) {
    if (this.hook && this.instance === instance) return;
    this.instance = instance;
    this.hook = makeHook(this);
    window.__dagCanvas = window.__dagCanvas || {};
    window.__dagCanvas[instance] = this.hook;
    this.root.dataset.instance = instance;
  }
}
