// Small DOM builders: every text goes in as text (never as HTML), every field gets a label.
import { ApiError } from "./api.js";

/** h("p.muted", {id: "x"}, "text", child) */
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split(".");
  const el = document.createElement(name || "div");
  if (classes.length) el.className = classes.join(" ");
  if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = [el.className, v].filter(Boolean).join(" ");
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** A page section with a heading. */
export const section = (title, ...children) => h("section.panel", h("h2", title), ...children);

/**
 * A table. columns: [{label, value: row => text|Node, class?: row => string, sort?: row => key, num?: true}].
 * With `sortable`, clicking (or pressing Enter on) a header sorts by that column.
 */
export function table(columns, rows, { caption, rowClass, empty = "Nothing here yet.", sortable = false } = {}) {
  if (!rows.length) return h("p.muted.empty", empty);
  let order = { index: -1, dir: 1 };
  const tbody = h("tbody");
  const render = () => {
    let list = rows;
    if (order.index >= 0) {
      const key = columns[order.index].sort || columns[order.index].value;
      list = [...rows].sort((a, b) => {
        const x = key(a);
        const y = key(b);
        return (x < y ? -1 : x > y ? 1 : 0) * order.dir;
      });
    }
    tbody.replaceChildren(
      ...list.map((row) =>
        h(
          "tr",
          { class: rowClass ? rowClass(row) : null },
          columns.map((c) => h(c.num ? "td.num" : "td", { class: c.class ? c.class(row) : null }, c.value(row))),
        ),
      ),
    );
  };
  const heads = columns.map((c, index) => {
    if (!sortable || c.nosort) return h(c.num ? "th.num" : "th", { scope: "col" }, c.label);
    const th = h(c.num ? "th.num" : "th", { scope: "col", "aria-sort": "none" });
    const button = h("button.sort", { type: "button" }, c.label);
    button.addEventListener("click", () => {
      order = { index, dir: order.index === index ? -order.dir : 1 };
      for (const other of th.parentElement.children) other.setAttribute("aria-sort", "none");
      th.setAttribute("aria-sort", order.dir > 0 ? "ascending" : "descending");
      render();
    });
    th.append(button);
    return th;
  });
  render();
  return h("div.table-wrap", h("table", caption ? h("caption", caption) : null, h("thead", h("tr", heads)), tbody));
}

let uid = 0;

/**
 * A form from field specs: {name, label, type?, options?: [[value, label]], value?, required?, step?, help?}.
 * `submit(values)` is awaited; an ApiError puts each field's message at that field, the rest on top.
 * What the person typed stays in the fields whatever happens.
 */
export function form({ id, fields, submitLabel, submit, onDone, extra, okText = "Saved." }) {
  const general = h("p.form-error", { role: "alert" });
  const done = h("p.form-ok", { role: "status" });
  const inputs = {};
  const errors = {};
  const rows = fields.map((f) => {
    uid += 1;
    const inputId = `${id}-${f.name.replace(/\W/g, "-")}-${uid}`;
    const errId = `${inputId}-error`;
    let input;
    if (f.options) {
      input = h(
        "select",
        { id: inputId, name: f.name },
        f.options.map(([v, label]) => h("option", { value: v, selected: String(f.value ?? "") === String(v) }, label)),
      );
    } else if (f.type === "textarea") {
      input = h("textarea", { id: inputId, name: f.name, rows: 8 }, f.value ?? "");
    } else if (f.type === "checkbox") {
      input = h("input", { id: inputId, name: f.name, type: "checkbox", checked: Boolean(f.value) });
    } else {
      input = h("input", {
        id: inputId,
        name: f.name,
        // Numbers are text fields with a numeric keyboard: the browser keeps what was typed
        // (an <input type=number> silently empties "1,5"), and the API names the mistake.
        type: f.type === "number" ? "text" : f.type || "text",
        value: f.value ?? "",
        inputmode: f.type === "number" ? (f.step === "1" ? "numeric" : "decimal") : null,
        placeholder: f.placeholder,
        autocomplete: "off",
      });
    }
    if (f.required) input.setAttribute("aria-required", "true");
    input.setAttribute("aria-describedby", errId);
    inputs[f.name] = input;
    errors[f.name] = h("span.field-error", { id: errId, role: "alert" });
    return h(
      "div.field",
      { dataset: { field: f.name } },
      h("label", { for: inputId }, f.label, f.required ? h("span.req", { "aria-hidden": "true" }, " *") : null),
      input,
      f.help ? h("small.help", f.help) : null,
      errors[f.name],
    );
  });
  const button = h("button", { type: "submit" }, submitLabel);
  const el = h("form.form", { id, novalidate: true }, general, h("div.fields", rows), extra || null, button, done);
  const clear = () => {
    general.textContent = "";
    done.textContent = "";
    for (const [name, err] of Object.entries(errors)) {
      err.textContent = "";
      inputs[name].removeAttribute("aria-invalid");
    }
  };
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear();
    const values = {};
    for (const f of fields) {
      const input = inputs[f.name];
      if (f.type === "checkbox") values[f.name] = input.checked;
      else if (input.value.trim() !== "") values[f.name] = f.type === "number" ? numberOrText(input.value) : input.value.trim();
    }
    button.disabled = true;
    try {
      const result = await submit(values);
      done.textContent = okText;
      if (onDone) await onDone(result, values);
    } catch (error) {
      showErrors(error);
    } finally {
      button.disabled = false;
    }
  });
  const showErrors = (error) => {
    if (!(error instanceof ApiError)) {
      general.textContent = String(error.message || error);
      return;
    }
    const byField = error.fieldErrors();
    let placed = false;
    for (const [name, message] of Object.entries(byField)) {
      const key = errors[name] ? name : Object.keys(errors).find((n) => n.endsWith(`.${name}`) || name.endsWith(`.${n}`));
      if (key) {
        errors[key].textContent = message;
        inputs[key].setAttribute("aria-invalid", "true");
        if (!placed) inputs[key].focus();
        placed = true;
      }
    }
    if (!placed) general.textContent = error.message;
  };
  el.inputs = inputs;
  el.showErrors = showErrors;
  return el;
}

// A typed number goes out as a number; anything else as typed, so the API names the mistake.
function numberOrText(raw) {
  const s = raw.trim().replace(/,/g, "");
  return s !== "" && Number.isFinite(Number(s)) ? Number(s) : raw.trim();
}

/** Set a nested key "new.strike" in an object. */
export function nest(values) {
  const out = {};
  for (const [k, v] of Object.entries(values)) {
    const parts = k.split(".");
    let target = out;
    for (const p of parts.slice(0, -1)) target = target[p] ??= {};
    target[parts.at(-1)] = v;
  }
  return out;
}

/** A figure with its label (cards). */
export const stat = (label, value, cls, title) => h("div.stat", { title }, h("dt", label), h("dd", { class: cls || null }, value));

/** A page's error message. */
export const failure = (error) => h("p.form-error", { role: "alert" }, `Could not load: ${error.message || error}`);

export const link = (href, label) => h("a", { href }, label);
