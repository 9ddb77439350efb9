// Cytoscape stylesheet. Later rules win, so state styles (highlight, selection, drag feedback) come last.

const TASK = { bg: '#eef4ff', border: '#3b62c4', text: '#1b2a4a' };
const GROUP = { bg: '#fff4e0', border: '#d48806' };
const CYCLE = '#d6336c';
const CRITICAL = '#7048e8';
const SELECTED = '#e8590c';
const CONNECT = '#2f9e44';
const DIFF_ADDED = '#2b8a3e';
const DIFF_CHANGED = '#e67700';
const DIFF_REMOVED = '#c92a2a';

// Labels smaller than this on screen are not drawn: zoomed out on a big DAG they are unreadable
// anyway, and skipping them makes drawing 2,000 nodes several times cheaper.
const MIN_ZOOMED_FONT = 7;

export const STYLE = [
  { selector: 'node, edge', style: { 'min-zoomed-font-size': MIN_ZOOMED_FONT } },
  { selector: 'node.task', style: {
    shape: 'round-rectangle', width: 'data(width)', height: 40, label: 'data(label)',
    'text-wrap': 'wrap', 'text-valign': 'center', 'text-halign': 'center', 'font-size': 11, 'line-height': 1.35,
    color: TASK.text, 'background-color': TASK.bg, 'border-width': 1, 'border-color': TASK.border,
  } },
  // Mapped and fanned-out tasks look like a stack of cards: one box stands for many task instances.
  { selector: 'node.task.mapped, node.task.fanout', style: {
    ghost: 'yes', 'ghost-offset-x': 4, 'ghost-offset-y': 4, 'ghost-opacity': 0.35, 'border-width': 2,
  } },
  // Setup and teardown tasks (Airflow's as_setup / as_teardown): a green solid or purple dashed border.
  { selector: 'node.task.setup', style: { 'border-width': 2, 'border-color': '#2b8a3e', 'border-style': 'solid' } },
  { selector: 'node.task.teardown', style: { 'border-width': 2, 'border-color': '#862e9c', 'border-style': 'dashed' } },
  { selector: 'node.group', style: {
    shape: 'round-rectangle', label: 'data(label)', 'text-valign': 'top', 'text-halign': 'center',
    'text-margin-y': 16, 'font-size': 12, 'font-weight': 'bold', color: '#8a5a00',
    'background-color': GROUP.bg, 'background-opacity': 0.45, 'border-width': 2, 'border-style': 'dashed',
    'border-color': GROUP.border, padding: '16px', 'compound-sizing-wrt-labels': 'include',
    'min-width': 120, 'min-height': 50,
  } },
  // A collapsed group is drawn as one box standing in for the group and everything inside it.
  { selector: 'node.proxy', style: {
    shape: 'round-rectangle', width: 'data(width)', height: 44, label: 'data(label)', 'text-wrap': 'wrap',
    'text-valign': 'center', 'text-halign': 'center', 'font-size': 11, 'font-weight': 'bold', color: '#8a5a00',
    'background-color': '#ffe8c2', 'border-width': 3, 'border-style': 'double', 'border-color': GROUP.border,
  } },
  { selector: 'edge', style: {
    'curve-style': 'bezier', 'target-arrow-shape': 'triangle', width: 1.5, 'arrow-scale': 1.1,
    'line-color': '#8a8f98', 'target-arrow-color': '#8a8f98', label: 'data(label)', 'font-size': 10,
    'text-background-color': '#ffffff', 'text-background-opacity': 0.8, 'text-background-padding': 2,
  } },
  // Edges pointing back (against the left-to-right flow, e.g. a cycle being drawn) bow out of the
  // row instead of running straight through the boxes between their ends.
  { selector: 'edge.back', style: {
    'curve-style': 'unbundled-bezier', 'control-point-distances': 'data(bend)', 'control-point-weights': 0.5 } },
  { selector: 'edge.meta', style: { 'line-style': 'dashed', 'line-color': '#b08a4a', 'target-arrow-color': '#b08a4a' } },
  { selector: '.folded', style: { display: 'none' } },
  { selector: '.unfocused', style: { display: 'none' } }, // focus mode: outside the neighbourhood

  { selector: 'node.hl-critical', style: { 'border-color': CRITICAL, 'border-width': 3 } },
  { selector: 'edge.hl-critical', style: { 'line-color': CRITICAL, 'target-arrow-color': CRITICAL, width: 3 } },
  { selector: 'node.hl-cycle', style: { 'border-color': CYCLE, 'border-width': 3, 'background-color': '#ffe3ea' } },
  { selector: 'edge.hl-cycle', style: { 'line-color': CYCLE, 'target-arrow-color': CYCLE, width: 3 } },
  // Compare tab, "Show on canvas": what the compared-with design did not have, and what differs.
  { selector: 'node.hl-diff-added', style: { 'border-color': DIFF_ADDED, 'border-width': 3, 'border-style': 'solid', 'background-color': '#e6fcf5' } },
  { selector: 'edge.hl-diff-added', style: { 'line-color': DIFF_ADDED, 'target-arrow-color': DIFF_ADDED, width: 3 } },
  { selector: 'node.hl-diff-changed', style: { 'border-color': DIFF_CHANGED, 'border-width': 3, 'border-style': 'solid', 'background-color': '#fff4e6' } },
  // Ghosts: what a compared design had and this one has not (dashed, faded, not part of the design).
  { selector: 'node.ghost', style: {
    shape: 'round-rectangle', width: 'data(width)', height: 40, label: 'data(label)', 'text-wrap': 'wrap',
    'text-valign': 'center', 'text-halign': 'center', 'font-size': 11, 'line-height': 1.35, color: DIFF_REMOVED,
    'background-color': '#fff5f5', 'background-opacity': 0.7, 'border-width': 2, 'border-style': 'dashed',
    'border-color': DIFF_REMOVED, opacity: 0.8 } },
  { selector: 'edge.ghost', style: { 'line-color': DIFF_REMOVED, 'target-arrow-color': DIFF_REMOVED, 'line-style': 'dashed', width: 2 } },
  { selector: 'edge.hl-diff-changed', style: { 'line-color': DIFF_CHANGED, 'target-arrow-color': DIFF_CHANGED, width: 3, 'line-style': 'dashed' } },

  { selector: 'node:selected', style: { 'border-color': SELECTED, 'border-width': 3, 'overlay-color': SELECTED, 'overlay-opacity': 0.08 } },
  { selector: 'edge:selected', style: { 'line-color': SELECTED, 'target-arrow-color': SELECTED, width: 3 } },

  { selector: 'node.drop-target', style: { 'border-color': CONNECT, 'border-style': 'solid', 'border-width': 3, 'background-opacity': 0.7 } },
  { selector: '.eh-source, .eh-target', style: { 'border-color': CONNECT, 'border-width': 3 } },
  { selector: '.eh-preview, .eh-ghost-edge', style: {
    'line-color': CONNECT, 'target-arrow-color': CONNECT, 'line-style': 'dashed', width: 2, label: '' } },
  { selector: '.eh-ghost-edge.eh-preview-active', style: { opacity: 0 } },
];
