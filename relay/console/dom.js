// DOM building without innerHTML: every value from the API is untrusted and only ever
// becomes text (textContent) or an attribute value set through setAttribute.

// Set as properties, not attributes, so form state and booleans behave.
const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'readOnly', 'required', 'open']);

// h('button', {class: 'x', 'data-testid': 'y', onclick: fn}, 'text', childNode, [more])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (PROPS.has(key)) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Replace an element's children (nothing, a node, text, or a list of those).
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// An element to be filled later: a placeholder with a "Loading…" line.
export function slot(tag = 'div', attrs = {}) {
  return h(tag, attrs, h('p', { class: 'muted' }, 'Loading…'));
}
