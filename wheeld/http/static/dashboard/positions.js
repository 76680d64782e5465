// Positions: every open option with its price, age, moneyness and risk; filters; refreshes itself.
import * as api from "./api.js";
import { h, link, table } from "./dom.js";
import { age, DASH, int, money, pct, RISK_ICON, when } from "./format.js";

export const REFRESH_KEY = "wheeld.refresh_seconds";
const RISK_ORDER = { HIGH: 0, MEDIUM: 1, LOW: 2 };
// The advice, most urgent first (the Advice column sorts this way).
export const ADVICE_LABEL = {
  close: "Close",
  roll: "Roll",
  expect_assignment: "Expect assignment",
  take_profit: "Take profit",
  let_expire: "Let expire",
  hold: "Hold",
};
const ADVICE_ORDER = Object.fromEntries(Object.keys(ADVICE_LABEL).map((a, i) => [a, i]));
const MARK_REASON = {
  not_in_chain: "strike or expiration not listed in the chain",
  no_bid_ask: "no bid/ask quoted",
  chain_pending: "chain not fetched yet",
  no_chain: "the provider gave no chain",
  expired: "expired",
};

/** Seconds between refreshes (Settings page; default 60). */
export function refreshSeconds() {
  const n = Number(localStorage.getItem(REFRESH_KEY));
  return Number.isFinite(n) && n >= 5 ? n : 60;
}

function risk(p) {
  if (!p.risk_level) return DASH;
  return h(
    "span.risk",
    { class: `risk-${p.risk_level}` },
    h("span.icon", { "aria-hidden": "true", title: p.risk_icon || "" }, RISK_ICON[p.risk_level] || ""),
    ` ${p.risk_level}`,
  );
}

function captured(p) {
  if (p.premium_captured_pct === null || p.premium_captured_pct === undefined) {
    const why = p.mark_unavailable_reason;
    return h("span.muted", { title: why ? `No mark: ${MARK_REASON[why] || why}` : "No mark" }, DASH);
  }
  return h("span", { title: `mark ${money(p.option_mark)} · cost to close ${money(p.cost_to_close)}` }, pct(p.premium_captured_pct, 1));
}

/** The link that opens the wheel's roll form filled from the advice's roll candidate. */
export function rollLink(p) {
  const c = p.advice?.roll_candidate;
  if (p.advice?.action !== "roll" || !c) return null;
  const q = api.query({
    roll: p.trade_id,
    close_cost: p.cost_to_close,
    strike: c.strike,
    expiration_date: c.expiration_date,
    premium_per_share: c.premium_per_share,
  });
  return h("a.button.small", { href: `#/wheels/${p.wheel_id}${q}`, "aria-label": `Roll ${p.symbol}` }, "Roll");
}

function advice(p) {
  const a = p.advice;
  if (!a) return DASH;
  const label = ADVICE_LABEL[a.action] || a.action;
  const c = a.roll_candidate;
  return h(
    "div.advice",
    { dataset: { action: a.action } },
    h(
      "details",
      h("summary", { title: a.reasons.join("\n") }, h("span", { class: `advice-${a.action}` }, label)),
      h("ul.reasons", a.reasons.map((r) => h("li", r))),
    ),
    c
      ? h(
          "small.muted.candidate",
          `→ ${money(c.strike)} ${c.expiration_date} · ${money(c.premium)}`,
          c.net_credit === null || c.net_credit === undefined ? "" : ` · net ${money(c.net_credit)}`,
        )
      : null,
    rollLink(p),
  );
}

/** The columns of a position table (shared with the overview). */
export function positionColumns() {
  return [
    { label: "Symbol", value: (p) => link(`#/wheels/${p.wheel_id}`, p.symbol), sort: (p) => p.symbol },
    { label: "Risk", value: risk, sort: (p) => RISK_ORDER[p.risk_level] ?? 3 },
    { label: "Direction", value: (p) => p.direction },
    { label: "Strike", value: (p) => money(p.strike), sort: (p) => p.strike, num: true },
    { label: "Expiration", value: (p) => p.expiration_date, sort: (p) => p.expiration_date },
    { label: "DTE", value: (p) => `${int(p.dte_calendar)} / ${int(p.dte_trading)}`, sort: (p) => p.dte_calendar, num: true },
    { label: "Price", value: (p) => money(p.current_price), sort: (p) => p.current_price ?? -1, num: true },
    {
      label: "Age",
      value: (p) => h("span", { class: p.price_stale ? "stale" : null }, age(p.price_age_seconds), p.price_stale ? " ⚠ stale" : ""),
      sort: (p) => p.price_age_seconds ?? 1e12,
      num: true,
    },
    { label: "Moneyness", value: (p) => pct(p.moneyness_pct), sort: (p) => p.moneyness_pct ?? -1e9, num: true },
    { label: "Captured", value: captured, sort: (p) => p.premium_captured_pct ?? -1e9, num: true },
    { label: "Advice", value: advice, sort: (p) => ADVICE_ORDER[p.advice?.action] ?? 99 },
  ];
}

/** #/positions — sortable, filtered by risk and by expiry, refreshed every N seconds while visible. */
export async function positionsPage(params, ctx) {
  const riskSelect = h(
    "select",
    { id: "filter-risk", name: "risk_level" },
    h("option", { value: "" }, "Any risk"),
    ["HIGH", "MEDIUM", "LOW"].map((r) => h("option", { value: r, selected: params.risk_level === r }, `${RISK_ICON[r]} ${r}`)),
  );
  const before = h("input", { id: "filter-expiry", name: "expires_before", type: "date", value: params.expires_before || "" });
  const asOf = h("p.muted.as-of", { role: "status" });
  const holder = h("div");
  const load = async () => {
    const rows = await api.all(
      `/positions${api.query({ portfolio_id: ctx.portfolioId, risk_level: riskSelect.value, expires_before: before.value })}`,
    );
    holder.replaceChildren(
      table(positionColumns(), rows, {
        sortable: true,
        rowClass: (p) => `risk-${p.risk_level || "none"}`,
        empty: "No open options.",
        caption: `${rows.length} open option${rows.length === 1 ? "" : "s"}`,
      }),
    );
    asOf.textContent = `As of ${when(rows.timestamp)} · refreshes every ${refreshSeconds()} s (paused while this tab is hidden)`;
  };
  riskSelect.addEventListener("change", load);
  before.addEventListener("change", load);
  await load();
  let timer = null;
  const arm = () => {
    clearInterval(timer);
    timer = document.hidden ? null : setInterval(() => load().catch(() => {}), refreshSeconds() * 1000);
  };
  const onVisibility = () => {
    if (!document.hidden) load().catch(() => {});
    arm();
  };
  document.addEventListener("visibilitychange", onVisibility);
  arm();
  ctx.stop.push(() => {
    clearInterval(timer);
    document.removeEventListener("visibilitychange", onVisibility);
  });
  return h(
    "div",
    h("h1", "Positions"),
    h(
      "div.filters",
      h("label", { for: "filter-risk" }, "Risk"),
      riskSelect,
      h("label", { for: "filter-expiry" }, "Expires before"),
      before,
      h("button", { type: "button", onclick: () => load() }, "Refresh now"),
    ),
    asOf,
    holder,
  );
}
