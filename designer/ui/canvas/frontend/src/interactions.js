// Pointer interactions: drawing an edge from the hover handle, and dropping nodes into groups.
// Both need "which node is under the pointer" with nested boxes, which edgehandles' snapping and
// cytoscape-compound-drag-and-drop get wrong for this app: the latter only accepts top-level groups
// as drop targets, cannot drag a group, and always drops a dragged-out node at the top level. So
// the hit test below is our own and the innermost box under the pointer always wins.
import { refOf, shown } from './collapse.js';

/** Is `pos` (model coordinates) inside the node's box? */
function contains(node, pos) {
  const bb = node.boundingBox({ includeLabels: false, includeOverlays: false });
  return pos.x >= bb.x1 && pos.x <= bb.x2 && pos.y >= bb.y1 && pos.y <= bb.y2;
}

/** The innermost visible task, group or stand-in box at `pos`, or null. */
export function nodeAt(cy, pos, accept = () => true) {
  let best = null;
  let bestDepth = -1;
  cy.nodes('.task, .group, .proxy').forEach((n) => {
    if (!shown(n) || !accept(n) || !contains(n, pos)) return;
    const depth = n.ancestors().length * 2 + (n.isParent() ? 0 : 1); // a member beats its box
    if (depth > bestDepth) { best = n; bestDepth = depth; }
  });
  return best;
}

/**
 * The hover handle: a small circle at the right edge of the node under the mouse. Dragging it to
 * another node draws an edge (edgehandles renders the preview; the target is our hit test).
 */
export function installConnectHandle(canvas) {
  const { cy, handle, container } = canvas;
  const eh = cy.edgehandles({
    snap: false, // we choose the target ourselves (see nodeAt)
    hoverDelay: 0,
    // Its default sets and clears a style on every edge at the start and end of each gesture: a restyle
    // of the whole graph on the mouse release. Our hit test (nodeAt) ignores edges anyway.
    noEdgeEventsInDraw: false,
    canConnect: (s, t) => t.nonempty() && canvas.canConnect(refOf(s), refOf(t)),
    edgeParams: () => ({ data: { label: '' } }),
  });
  canvas.eh = eh;

  let hovered = null;
  // One pending hide at a time: every mouseout re-arms it and every mouseover cancels it, so a
  // stale timer from an earlier gesture can never hide the handle of the node now under the mouse.
  let hideTimer = null;
  const cancelHide = () => { clearTimeout(hideTimer); hideTimer = null; };
  const hideSoon = () => { cancelHide(); hideTimer = setTimeout(hide, 350); };
  const place = (n) => {
    const bb = n.renderedBoundingBox({ includeLabels: false, includeOverlays: false });
    handle.style.left = `${bb.x2 - 7}px`;
    handle.style.top = `${n.isParent() ? bb.y1 + 14 : (bb.y1 + bb.y2) / 2 - 7}px`;
    handle.style.display = 'block';
  };
  function hide() { cancelHide(); handle.style.display = 'none'; hovered = null; }
  // mousemove too: after an edge is dropped on a node the pointer is already inside it, so no
  // mouseover comes, yet that node is the natural start of the next edge.
  cy.on('mouseover mousemove', 'node.task, node.group, node.proxy', (e) => {
    if (eh.active || canvas.dragging) return;
    cancelHide();
    if (hovered && hovered.same(e.target) && handle.style.display === 'block') return;
    hovered = e.target;
    place(hovered);
  });
  cy.on('mouseout', 'node', () => { if (!eh.active) hideSoon(); });
  cy.on('pan zoom position grab', () => { if (hovered && handle.style.display === 'block') place(hovered); });
  cy.on('remove', 'node', (e) => { if (hovered && hovered.same(e.target)) hide(); });
  handle.addEventListener('mouseenter', cancelHide);
  handle.addEventListener('mouseleave', () => { if (!eh.active) hideSoon(); });

  const toModel = (ev) => {
    const r = container.getBoundingClientRect();
    const pan = cy.pan(); const z = cy.zoom();
    return { x: (ev.clientX - r.left - pan.x) / z, y: (ev.clientY - r.top - pan.y) / z };
  };
  handle.addEventListener('mousedown', (ev) => {
    if (ev.button !== 0 || !hovered) return;
    ev.preventDefault();
    ev.stopPropagation();
    const source = hovered;
    hide();
    eh.start(source);
    let target = null;
    const move = (me) => {
      const pos = toModel(me);
      eh.update(pos);
      const hit = nodeAt(cy, pos, (n) => !n.same(source));
      if (hit === target || (hit && target && hit.same(target))) return;
      if (target) eh.unpreview(target);
      target = hit && eh.preview(hit, false) ? hit : null;
    };
    const up = (me) => {
      window.removeEventListener('mousemove', move, true);
      window.removeEventListener('mouseup', up, true);
      move(me);
      eh.stop(); // fires "ehcomplete" when there is a valid target
    };
    window.addEventListener('mousemove', move, true);
    window.addEventListener('mouseup', up, true);
  });
  cy.on('ehcomplete', (_e, s, t, added) => {
    added.remove(); // the canvas adds the real edge under its canonical id
    canvas.connect(refOf(s), refOf(t));
  });
}

/**
 * Dropping nodes into groups. While nodes are dragged, the innermost group box under the pointer
 * (boxes as they were when the drag started, so a box stretching to follow its own member does not
 * count) is the drop target; on release, dragged nodes whose group differs are moved into it, or
 * to the top level when the pointer is over no group.
 */
export function installDropIntoGroups(canvas) {
  const { cy } = canvas;
  let gesture = null;

  cy.on('grab', 'node', (e) => {
    if (gesture) return; // one "grab" per dragged node; the first one starts the gesture
    const n = e.target;
    const moving = n.selected() ? cy.nodes(':selected').filter((m) => m.grabbable()) : n;
    const top = moving.filter((m) => !m.ancestors().some((a) => moving.contains(a)));
    const carried = top.union(top.descendants());
    const boxes = [];
    cy.nodes('.group, .proxy').forEach((g) => {
      if (!shown(g) || carried.contains(g)) return;
      const bb = g.boundingBox({ includeLabels: false, includeOverlays: false });
      boxes.push({ node: g, depth: g.ancestors().length, bb: { ...bb } });
    });
    gesture = { top, boxes, target: undefined, moved: false, from: new Map(top.map((m) => [m.id(), { ...m.position() }])) };
  });

  const targetAt = (pos) => {
    let best = null;
    for (const b of gesture.boxes) {
      const { bb } = b;
      if (pos.x < bb.x1 || pos.x > bb.x2 || pos.y < bb.y1 || pos.y > bb.y2) continue;
      if (!best || b.depth > best.depth) best = b;
    }
    return best ? best.node : null;
  };

  cy.on('drag', 'node', () => { if (gesture) { gesture.moved = true; canvas.dragging = true; } });
  cy.on('tapdrag', (e) => {
    if (!gesture || !gesture.moved) return;
    const t = targetAt(e.position);
    if (gesture.target !== undefined && (t === gesture.target || (t && gesture.target && t.same(gesture.target)))) return;
    if (gesture.target) gesture.target.removeClass('drop-target');
    gesture.target = t;
    if (t) t.addClass('drop-target');
    canvas.status(t ? `drop into ${refOf(t)}` : 'drop at the top level');
  });
  // "free" fires once per dragged node: finish the gesture once, after the last of them.
  cy.on('free', 'node', () => {
    if (!gesture || gesture.finishing) return;
    gesture.finishing = true;
    setTimeout(() => {
      const g = gesture;
      gesture = null;
      canvas.dragging = false;
      if (g.target) g.target.removeClass('drop-target');
      if (!g.moved) return;
      canvas.dropped(g.top, g.target === undefined ? undefined : (g.target ? refOf(g.target) : null), g.from);
    }, 0);
  });
}
