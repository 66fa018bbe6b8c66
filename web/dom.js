// @ts-check
// Tiny DOM helpers: every piece of data goes in as text, never as HTML.
import { t } from "./i18n.js";

/**
 * What `h` and `append` take as children: nodes, text, and nothing (skipped), nested in arrays.
 * @typedef {Node | string | number | null | undefined | false | Child[]} Child
 */

/** @typedef {{ [name: string]: unknown }} Attrs */

/**
 * h("button", {class: "primary", onclick: fn}, "Save") → element.
 * Attributes: `class`, `for`, `on<event>` handlers, booleans (true → present, false/null → absent),
 * `dataset` (object). Children: strings, numbers, nodes, arrays, null/false (skipped).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs | null} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (name === "value" && "value" in el) {
      Object.assign(el, { value });
    } else if (name === "checked" || name === "selected" || name === "disabled") {
      Object.assign(el, { [name]: Boolean(value) });
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

/**
 * @template {Node & ParentNode} P
 * @param {P} parent
 * @param {Child[]} children
 * @returns {P}
 */
export function append(parent, children) {
  // unknown[]: flattening the recursive Child type to any depth is past what tsc will compute.
  for (const child of /** @type {unknown[]} */ (children).flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/**
 * @template {Node} E
 * @param {E} el
 * @returns {E}
 */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/**
 * An element of the page shell (`index.html`), which is always there.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function shellElement(id) {
  return /** @type {HTMLElement} */ (document.getElementById(id));
}

let idCounter = 0;
/** @param {string} [prefix] */
export function uid(prefix = "f") {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/**
 * A labelled form field: label + control (+ hint, + error slot bound with aria-describedby).
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} control
 * @param {{ hint?: string, required?: boolean }} [options]
 */
export function field(label, control, { hint, required } = {}) {
  const id = control.id || uid(control.name || "f");
  control.id = id;
  const describedBy = [];
  let hintEl = null;
  if (hint) {
    hintEl = h("p", { class: "hint", id: `${id}-hint` }, hint);
    describedBy.push(hintEl.id);
  }
  const errorEl = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
  describedBy.push(errorEl.id);
  control.setAttribute("aria-describedby", describedBy.join(" "));
  if (required) control.required = true;
  return h(
    "div",
    { class: "field", dataset: { field: control.name || "" } },
    h("label", { for: id }, label, required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
    hintEl,
    control,
    errorEl,
  );
}

// A value that must never wrap inside itself: a date ("2024-Jun-02"), optionally with a time.
const UNBREAKABLE = /^(\d{4}-[A-Z][a-z]{2}-\d{2}|\d{4}\/\d{2}\/\d{2})( \d{2}:\d{2}( \S+)?)?$/;

/**
 * On a phone the rows of a table stack (styles.css): each cell shows its column's name before its
 * value, from `data-label`. Cells of a row that spans every column are left alone; a cell that
 * holds only a date is kept on one line.
 * @param {HTMLTableSectionElement} tbody
 * @param {string[]} labels
 */
function labelCells(tbody, labels) {
  for (const row of Array.from(tbody.rows)) {
    let column = 0;
    for (const cell of Array.from(row.cells)) {
      if (cell.colSpan === 1 && labels[column] && !cell.hasAttribute("data-label")) cell.dataset.label = labels[column];
      if (UNBREAKABLE.test((cell.textContent || "").trim())) cell.classList.add("nowrap");
      column += cell.colSpan;
    }
  }
}

/**
 * A table with a caption, header cells with scope (a Node column is used as its own header cell),
 * and rows (each a `tr`, or an array of them).
 * @param {{ caption?: string, columns: (string | Node)[], rows: Child[], empty?: string, className?: string }} options
 */
export function table({ caption, columns, rows, empty = t("table.empty"), className = "" }) {
  const thead = h("thead", {}, h("tr", {}, columns.map((c) => (c instanceof Node ? c : h("th", { scope: "col" }, c)))));
  const tbody = h("tbody");
  if (!rows.length) {
    tbody.append(h("tr", {}, h("td", { colspan: columns.length, class: "empty" }, empty)));
  } else {
    for (const r of rows) append(tbody, [r]);
    labelCells(/** @type {HTMLTableSectionElement} */ (tbody), columns.map((c) => (c instanceof Node ? c.textContent || "" : c).trim()));
  }
  // The wrapper scrolls sideways on narrow screens: a focusable, named region so keyboard users can scroll it.
  const captionId = caption ? uid("caption") : null;
  return h(
    "div",
    { class: "table-wrap", role: "region", tabindex: "0", "aria-labelledby": captionId, "aria-label": caption ? null : t("table.name") },
    h("table", { class: className }, caption ? h("caption", { id: captionId }, h("span", {}, caption)) : null, thead, tbody),
  );
}
