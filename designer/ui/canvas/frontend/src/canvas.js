// Entry point of the Streamlit components-v2 frontend (bundled to build/canvas.js).
//
// Streamlit calls the default export on mount and again whenever `data` changes. The canvas
// instance lives on the mount element, so every call updates the same Cytoscape graph in place.
import { DagCanvas } from './dagcanvas.js';

export default function mountDagCanvas(component) {
  const { parentElement, data } = component;
  let canvas = parentElement.__dagCanvas;
  if (!canvas) {
    canvas = new DagCanvas(parentElement);
    parentElement.__dagCanvas = canvas;
  }
  canvas.update(data || {}, component);
  // Streamlit also calls the returned cleanup when a newer call superseded this one while the module
  // was loading; only a real unmount (our element left the page) may destroy the canvas.
  return () => {
    setTimeout(() => {
      if (!canvas.root.isConnected && parentElement.__dagCanvas === canvas) {
        canvas.destroy();
        delete parentElement.__dagCanvas;
      }
    }, 0);
  };
}
