// Wheels: the list by state (create, import shares, archive) and a page per wheel with chains and a chart.
import * as api from "./api.js";
import { draw, day } from "./chart.js";
import { form, h, link, section, stat, table } from "./dom.js";
import { money, num, STATE_LABEL, text, when } from "./format.js";
import { recordForm, tradeActions, tradeColumns } from "./trades.js";

const STATES = ["short_put", "short_call", "shares", "cash"];
const PROFILES = ["conservative", "moderate", "aggressive", "defensive"];

function createForms(ctx) {
  const portfolios = ctx.portfolios.map((p) => [p.id, p.name]);
  const chosen = ctx.portfolioId ?? ctx.portfolios.find((p) => p.is_default)?.id;
  const common = [
    { name: "portfolio", label: "Portfolio", options: portfolios, value: chosen, required: true },
    { name: "symbol", label: "Symbol", required: true, placeholder: "AAPL" },
    { name: "capital_allocated", label: "Capital allocated", type: "number", step: "0.01" },
    { name: "profile", label: "Profile", options: PROFILES.map((p) => [p, p]), value: "moderate" },
  ];
  const submit = (extra) => (v) => {
    const { portfolio, ...body } = v;
    return api.post(`/portfolios/${portfolio}/wheels`, { ...body, ...extra });
  };
  const done = (wheel) => ctx.go(`#/wheels/${wheel.id}`);
  return [
    form({ id: "wheel-create", submitLabel: "Create wheel", fields: common, submit: submit({}), onDone: done }),
    form({
      id: "wheel-import",
      submitLabel: "Import shares",
      fields: [
        ...common,
        { name: "shares", label: "Shares held", type: "number", step: "1", required: true },
        { name: "cost_basis", label: "Cost basis per share", type: "number", step: "0.01", required: true },
      ],
      submit: submit({ starting_direction: "call" }),
      onDone: done,
    }),
  ];
}

/** #/wheels — every wheel grouped by state. */
export async function wheelsPage(params, ctx) {
  if (!ctx.portfolios.length) {
    return h("div", h("h1", "Wheels"), h("p.empty", "Create a portfolio first (Overview)."));
  }
  const showArchived = params.archived === "true";
  const wheels = await api.all(`/wheels${api.query({ portfolio_id: ctx.portfolioId, archived: showArchived ? "true" : null })}`);
  const columns = [
    { label: "Symbol", value: (w) => link(`#/wheels/${w.id}`, w.symbol), sort: (w) => w.symbol },
    { label: "Portfolio", value: (w) => w.portfolio_name },
    { label: "Profile", value: (w) => w.profile },
    { label: "Capital", value: (w) => money(w.capital_allocated), num: true, sort: (w) => w.capital_allocated },
    { label: "Shares", value: (w) => String(w.shares), num: true },
    { label: "Adj. basis", value: (w) => money(w.adjusted_cost_basis), num: true },
    { label: "Cycle net", value: (w) => money(w.cycle_net_premium), num: true },
    {
      label: "",
      nosort: true,
      value: (w) =>
        w.is_active
          ? h(
              "button.secondary",
              {
                type: "button",
                "aria-label": `Archive ${w.symbol}`,
                onclick: async (e) => {
                  e.target.disabled = true;
                  try {
                    await api.patch(`/wheels/${w.id}`, { archived: true });
                    ctx.go("#/wheels");
                  } catch (error) {
                    e.target.after(h("span.field-error", { role: "alert" }, error.message));
                    e.target.disabled = false;
                  }
                },
              },
              "Archive",
            )
          : h("span.muted", `archived ${when(w.archived_at)}`),
    },
  ];
  const groups = STATES.map((s) => [s, wheels.filter((w) => w.state === s)]).filter(([, list]) => list.length);
  const [create, imp] = createForms(ctx);
  return h(
    "div",
    h("h1", "Wheels"),
    h("p", link(showArchived ? "#/wheels" : "#/wheels?archived=true", showArchived ? "Show active wheels" : "Show archived wheels")),
    groups.length
      ? groups.map(([state, list]) => section(`${STATE_LABEL[state]} (${list.length})`, table(columns, list, { sortable: true })))
      : h("p.empty", showArchived ? "No archived wheels." : "No wheels yet."),
    h("details.panel", { open: !wheels.length && !showArchived }, h("summary", "Create a wheel"), create),
    h("details.panel", h("summary", "Import shares (start with covered calls)"), imp),
  );
}

/** Order trades so each roll chain reads as one: the first, then what it rolled to, indented. */
export function chains(trades) {
  const byId = new Map(trades.map((t) => [t.id, t]));
  const out = [];
  for (const t of [...trades].sort((a, b) => a.id - b.id)) {
    if (t.rolled_from_id && byId.has(t.rolled_from_id)) continue;
    let link_ = t;
    let depth = 0;
    while (link_) {
      out.push({ ...link_, depth });
      link_ = link_.rolled_to_id ? byId.get(link_.rolled_to_id) : null;
      depth += 1;
    }
  }
  return out;
}

async function snapshotChart(el, wheelId) {
  const snaps = (await api.all(`/snapshots?wheel_id=${wheelId}&sort=snapshot_date`)).filter((s) => s.current_price !== null);
  if (!snaps.length) {
    el.replaceChildren(h("p.muted", "No snapshots yet: the end-of-day job takes one per open option (Jobs → daily_snapshots)."));
    return;
  }
  const xs = snaps.map((s) => day(s.snapshot_date));
  await draw(
    el,
    [xs, snaps.map((s) => s.current_price), snaps.map((s) => s.strike), snaps.map((s) => s.dte_calendar)],
    [{ label: "Price" }, { label: "Strike" }, { label: "DTE", scale: "dte" }],
    { axes: { y: "$", dte: "days" } },
  );
}

/** The roll form's preset from the positions page's "Roll" (`?roll=<trade id>&close_cost=…`), for that trade only. */
function rollPreset(params, trade) {
  if (!params.roll || params.roll !== String(trade.id)) return null;
  const { close_cost, strike, expiration_date, premium_per_share } = params;
  return { close_cost, strike, expiration_date, premium_per_share };
}

/** #/wheels/{id} — the wheel, its trades as roll chains, its open option's actions, a chart. */
export async function wheelPage(params, ctx) {
  const [wheel, trades] = await Promise.all([api.get(`/wheels/${params.id}`), api.all(`/wheels/${params.id}/trades`)]);
  const chart = h("div.chart", { id: "wheel-chart", role: "img", "aria-label": `${wheel.symbol}: price against strike, with DTE` });
  const reload = () => ctx.go(`#/wheels/${wheel.id}?t=${Date.now()}`);
  const columns = tradeColumns();
  columns[0] = { label: "#", value: (t) => `${"↳ ".repeat(t.depth ? 1 : 0)}${t.id}`, class: (t) => (t.depth ? `chain depth-${Math.min(t.depth, 3)}` : "") };
  const view = h(
    "div",
    h("h1", `${wheel.symbol} `, h("span.tag", STATE_LABEL[wheel.state]), wheel.is_active ? null : h("span.tag", "archived")),
    h(
      "dl.stats.panel",
      stat("Portfolio", wheel.portfolio_name),
      stat("Profile", wheel.profile),
      stat("Capital allocated", money(wheel.capital_allocated)),
      stat("Shares", String(wheel.shares)),
      stat("Cost basis", money(wheel.cost_basis)),
      stat("Adjusted cost basis", money(wheel.adjusted_cost_basis)),
      stat("Cycle", String(wheel.cycle)),
      stat("Cycle net premium", money(wheel.cycle_net_premium)),
    ),
    section("Price against strike", chart),
    wheel.open_trade
      ? section("Open option", tradeActions(wheel.open_trade, reload, rollPreset(params, wheel.open_trade)))
      : wheel.is_active
        ? section(
            "Next trade",
            h("p", link(`#/recommendations?wheel=${wheel.id}`, "See the recommendation"), " or record one:"),
            recordForm([wheel], { wheel: wheel.id }, reload),
          )
        : null,
    section("Trades", table(columns, chains(trades), { empty: "No trades yet.", caption: "Rolls are shown as chains (↳ rolled to)" })),
    wheel.notes ? section("Notes", h("p", text(wheel.notes))) : null,
    h("p.muted", `Created ${when(wheel.created_at)} · adjusted basis = entry price − cycle net premium / shares (${num(wheel.adjusted_cost_basis)})`),
  );
  const preset = wheel.open_trade && rollPreset(params, wheel.open_trade);
  view.onShown = () => {
    if (preset) document.getElementById(`roll-form-${wheel.open_trade.id}`)?.scrollIntoView({ block: "center" });
    return snapshotChart(chart, wheel.id);
  };
  return view;
}
