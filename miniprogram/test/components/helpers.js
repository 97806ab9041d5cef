// Shared helpers for the component tests (miniprogram-simulate).
const path = require('path');
const simulate = require('miniprogram-simulate');

// A component's JS runs once per test file (Node caches the require), so load each one once.
const ids = {};

// Loads components/<name>/index and renders it attached, with the given properties.
function mount(name, props = {}) {
  if (!ids[name]) ids[name] = simulate.load(path.join(__dirname, '../../components', name, 'index'));
  const id = ids[name];
  const comp = simulate.render(id, props);
  comp.attach(document.createElement('parent-wrapper'));
  return comp;
}

// miniprogram-simulate delivers dispatched taps/inputs in a microtask; let them run
// (works with Jest fake timers too, which do not fake promises).
async function flushEvents() {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
}

// Records the details of every `name` event a component fires.
function record(comp, name) {
  const details = [];
  comp.addEventListener(name, (event) => details.push(event.detail));
  return details;
}

function text(comp, selector) {
  const node = comp.querySelector(selector);
  return node ? node.dom.textContent : null;
}

module.exports = { mount, flushEvents, record, text };
