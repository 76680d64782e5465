// Trades: record (per share or total, fees, back-dated opened_at), expire, assign, close, roll; history + CSV.
import * as api from "./api.js";
import { form, h, link, nest, section, table } from "./dom.js";
import { money, text, when } from "./format.js";

const OUTCOMES = ["open", "expired", "assigned", "closed", "rolled"];

/** datetime-local "2026-11-02T10:30" (local time) -> ISO with its zone; anything else as typed. */
function openedAt(values) {
  const raw = values.opened_at;
  if (raw === undefined) return values;
  const d = new Date(raw);
  return { ...values, opened_at: /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(raw) && !Number.isNaN(d.getTime()) ? d.toISOString() : raw };
}

/** The record form; `wheels` are the wheels one may record on, `preset` fills it (a recommendation). */
export function recordForm(wheels, preset, onDone) {
  const wheelOptions = [["", "Choose a wheel…"], ...wheels.map((w) => [w.id, `${w.symbol} · ${w.portfolio_name} (${w.state})`])];
  const direction = preset.direction || (wheels.find((w) => String(w.id) === String(preset.wheel))?.state === "shares" ? "call" : "put");
  return form({
    id: "record-form",
    submitLabel: "Record trade",
    fields: [
      { name: "wheel", label: "Wheel", options: wheelOptions, value: preset.wheel, required: true },
      { name: "direction", label: "Direction", options: [["put", "Put"], ["call", "Call"]], value: direction, required: true },
      { name: "strike", label: "Strike", type: "number", step: "0.01", value: preset.strike, required: true },
      { name: "expiration_date", label: "Expiration", type: "date", value: preset.expiration_date, required: true },
      { name: "contracts", label: "Contracts", type: "number", step: "1", value: preset.contracts || 1, required: true },
      {
        name: "premium_per_share",
        label: "Premium per share",
        type: "number",
        step: "0.0001",
        value: preset.premium_per_share,
        help: "or give the total below (exactly one)",
      },
      { name: "total_premium", label: "Total premium", type: "number", step: "0.01", value: preset.total_premium },
      { name: "fees", label: "Fees", type: "number", step: "0.01", value: preset.fees },
      { name: "opened_at", label: "Opened at (blank = now)", type: "datetime-local" },
      { name: "notes", label: "Notes", value: preset.notes },
    ],
    submit: async (values) => {
      const { wheel, ...body } = openedAt(values);
      if (!wheel) {
        throw new api.ApiError(400, {
          error: { code: "VALIDATION_ERROR", message: "choose a wheel", details: { errors: { wheel: ["choose a wheel"] } } },
        });
      }
      return api.post(`/wheels/${wheel}/trades`, body);
    },
    onDone,
  });
}

/**
 * Expire / assign / close / roll forms for one open trade; `roll` (close_cost, strike,
 * expiration_date, premium_per_share: a position's advice) fills the roll form and opens it.
 */
export function tradeActions(trade, onDone, roll_ = null) {
  const r = roll_ || {};
  const price = [
    { name: "stock_price_at_expiry", label: "Stock price at expiry", type: "number", step: "0.01", required: true },
    { name: "fees", label: "Fees", type: "number", step: "0.01" },
  ];
  const settle = (outcome, fields) =>
    form({
      id: `${outcome}-form-${trade.id}`,
      submitLabel: outcome === "expired" ? "Expire" : outcome === "assigned" ? "Assign" : "Close",
      fields,
      submit: (v) => api.post(`/trades/${trade.id}/settle`, { outcome, ...v }),
      onDone,
    });
  const roll = form({
    id: `roll-form-${trade.id}`,
    submitLabel: "Roll",
    fields: [
      { name: "close_cost", label: "Close cost (total debit)", type: "number", step: "0.01", value: r.close_cost, required: true },
      { name: "fees", label: "Fees", type: "number", step: "0.01" },
      { name: "new.strike", label: "New strike", type: "number", step: "0.01", value: r.strike ?? trade.strike, required: true },
      { name: "new.expiration_date", label: "New expiration", type: "date", value: r.expiration_date, required: true },
      { name: "new.contracts", label: "New contracts", type: "number", step: "1", value: trade.contracts },
      { name: "new.premium_per_share", label: "New premium per share", type: "number", step: "0.0001", value: r.premium_per_share },
      { name: "new.total_premium", label: "or new total premium", type: "number", step: "0.01" },
      { name: "new.fees", label: "New fees", type: "number", step: "0.01" },
    ],
    submit: (v) => api.post(`/trades/${trade.id}/roll`, nest(v)),
    onDone,
  });
  const title = `${trade.symbol} ${trade.direction} ${money(trade.strike)} ${trade.expiration_date}`;
  return h(
    "div.actions",
    { dataset: { trade: trade.id } },
    h("h3", title),
    h("details", h("summary", "Expire worthless"), settle("expired", price)),
    h("details", h("summary", "Assign"), settle("assigned", price)),
    h(
      "details",
      h("summary", "Close (buy back)"),
      settle("closed", [
        { name: "close_cost", label: "Close cost (total debit)", type: "number", step: "0.01", required: true },
        { name: "fees", label: "Fees", type: "number", step: "0.01" },
      ]),
    ),
    h("details", { open: Boolean(roll_) }, h("summary", "Roll"), roll),
  );
}

/** Columns of a trade history table. */
export function tradeColumns() {
  return [
    { label: "#", value: (t) => String(t.id), sort: (t) => t.id, num: true },
    { label: "Symbol", value: (t) => link(`#/wheels/${t.wheel_id}`, t.symbol), sort: (t) => t.symbol },
    { label: "Dir.", value: (t) => t.direction },
    { label: "Strike", value: (t) => money(t.strike), sort: (t) => t.strike, num: true },
    { label: "Expiration", value: (t) => t.expiration_date },
    { label: "Qty", value: (t) => String(t.contracts), num: true },
    { label: "Premium", value: (t) => money(t.total_premium), sort: (t) => t.total_premium, num: true },
    { label: "Net", value: (t) => money(t.net_premium), class: (t) => (t.net_premium < 0 ? "neg" : ""), sort: (t) => t.net_premium, num: true },
    { label: "Outcome", value: (t) => h("span", { class: `outcome ${t.outcome}` }, t.outcome) },
    { label: "Result", value: (t) => text(t.result) },
    { label: "Opened", value: (t) => when(t.opened_at), sort: (t) => t.opened_at },
  ];
}

function historySection(ctx, params) {
  const filters = form({
    id: "history-filters",
    submitLabel: "Filter",
    okText: "",
    fields: [
      { name: "symbol", label: "Symbol", value: params.symbol },
      { name: "outcome", label: "Outcome", options: [["", "Any"], ...OUTCOMES.map((o) => [o, o])], value: params.outcome },
      { name: "direction", label: "Direction", options: [["", "Any"], ["put", "put"], ["call", "call"]] },
      { name: "start", label: "From", type: "date" },
      { name: "end", label: "To", type: "date" },
    ],
    submit: (v) => load(v, 1),
  });
  const holder = h("div");
  let current = {};
  const load = async (v, page) => {
    current = { ...v, portfolio_id: ctx.portfolioId, sort: "-id" };
    const env = await api.call("GET", `/trades${api.query({ ...current, page, page_size: 50 })}`);
    const pages = env.pagination.total_pages;
    holder.replaceChildren(
      ...[
      table(tradeColumns(), env.data, { sortable: true, empty: "No trades match.", caption: `${env.pagination.total_items} trades` }),
      pages > 1
        ? h(
            "p.pager",
            h("button", { type: "button", disabled: page <= 1, onclick: () => load(v, page - 1) }, "← Previous"),
            ` page ${page} of ${pages} `,
            h("button", { type: "button", disabled: page >= pages, onclick: () => load(v, page + 1) }, "Next →"),
          )
        : null,
      ].filter(Boolean),
    );
  };
  const csv = h(
    "button",
    {
      type: "button",
      onclick: () => api.download(`/trades${api.query({ ...current, format: "csv" })}`, "trades.csv"),
    },
    "Download CSV",
  );
  const el = section("History", filters, csv, holder);
  el.load = () => load({ symbol: params.symbol, outcome: params.outcome }, 1);
  return el;
}

/** #/trades — record, settle and roll, then the history. */
export async function tradesPage(params, ctx) {
  const wheels = await api.all(`/wheels${api.query({ portfolio_id: ctx.portfolioId })}`);
  const open = await api.all(`/trades${api.query({ portfolio_id: ctx.portfolioId, outcome: "open" })}`);
  const ready = wheels.filter((w) => w.state === "cash" || w.state === "shares");
  const after = () => ctx.go(`#/trades?done=${Date.now()}`);
  const history = historySection(ctx, params);
  await history.load();
  return h(
    "div",
    h("h1", "Trades"),
    section(
      "Record a trade",
      ready.length ? recordForm(ready, params, after) : h("p.empty", "No wheel is ready for a new option (each has one open, or none exists)."),
    ),
    section("Open options", open.length ? open.map((t) => tradeActions(t, after)) : h("p.empty", "No open options.")),
    history,
  );
}
