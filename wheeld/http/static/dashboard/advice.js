// Recommendations (per wheel: pick, alternatives, warnings, the numbers) and opportunity scans.
import * as api from "./api.js";
import { draw } from "./chart.js";
import { form, h, link, section, table } from "./dom.js";
import { money, num, pct, text, when } from "./format.js";

function recordLink(wheel, c) {
  const q = api.query({
    wheel: wheel.id ?? wheel,
    direction: c.direction,
    strike: c.strike,
    expiration_date: c.expiration_date,
    contracts: Math.max(1, c.contracts || 1),
    premium_per_share: c.mid,
  });
  return h("a.button", { href: `#/trades${q}` }, "Record this trade");
}

const contractColumns = (wheelId) => [
  { label: "Contract", value: (c) => `${c.direction} ${money(c.strike)} ${c.expiration_date}` },
  { label: "DTE", value: (c) => String(c.dte), num: true },
  { label: "Premium", value: (c) => money(c.premium), num: true },
  { label: "Delta", value: (c) => num(c.delta, 3), num: true },
  { label: "σ distance", value: (c) => num(c.sigma_distance, 2), num: true },
  { label: "P(ITM)", value: (c) => pct(c.p_itm === null ? null : c.p_itm * 100, 1), num: true },
  { label: "Yield", value: (c) => pct(c.annualized_yield_pct ?? c.premium_yield_pct, 1), num: true },
  { label: "", value: (c) => recordLink(wheelId, c) },
];

function recommendationCard(entry) {
  if (entry.error) {
    return h("article.card", h("h3", text(entry.symbol)), h("p.muted", entry.error.message));
  }
  const r = entry.recommendation;
  const b = r.basis;
  return h(
    "article.card.wide",
    { dataset: { wheel: r.wheel_id } },
    h("h3", link(`#/wheels/${r.wheel_id}`, r.symbol), ` · ${r.direction} · ${r.profile}`),
    r.pick
      ? [h("h4", "Pick"), table(contractColumns(r.wheel_id), [r.pick])]
      : h("p.form-error", "No contract qualifies (see the warnings)."),
    r.alternatives.length ? [h("h4", "Alternatives"), table(contractColumns(r.wheel_id), r.alternatives)] : null,
    r.warnings.length ? h("ul.warnings", r.warnings.map((w) => h("li", `⚠ ${w.message}`))) : null,
    h(
      "p.muted",
      `Price ${money(b.price)} · trend ${b.trend} (${b.bias.reason}) · target Δ ${num(b.bias.target_delta, 2)} · `,
      `${b.candidates} candidates · chain ${b.chain_source} as of ${when(b.chain_as_of)}${b.chain_stale ? " (stale)" : ""}`,
    ),
  );
}

/** #/recommendations — one card per wheel without an open option (or the one asked for). */
export async function recommendationsPage(params, ctx) {
  const wheels = (await api.all(`/wheels${api.query({ portfolio_id: ctx.portfolioId })}`)).filter(
    (w) => (w.state === "cash" || w.state === "shares") && (!params.wheel || String(w.id) === params.wheel),
  );
  if (!wheels.length) {
    return h("div", h("h1", "Recommendations"), h("p.empty", "No wheel is waiting for its next trade."));
  }
  const entries = await api.post("/recommendations", { wheel_ids: wheels.map((w) => w.id).slice(0, 100) });
  return h("div", h("h1", "Recommendations"), h("div.cards", entries.map(recommendationCard)));
}

function opportunityColumns() {
  return [
    { label: "#", value: (o) => String(o.rank), num: true, sort: (o) => o.rank },
    { label: "Symbol", value: (o) => o.symbol, sort: (o) => o.symbol },
    { label: "Contract", value: (o) => `${o.direction} ${money(o.strike)} ${o.expiration_date}` },
    { label: "Score", value: (o) => num(o.score, 1), num: true, sort: (o) => o.score },
    { label: "Premium", value: (o) => money(o.premium), num: true, sort: (o) => o.premium },
    { label: "Yield /yr", value: (o) => pct(o.annualized_yield_pct, 1), num: true, sort: (o) => o.annualized_yield_pct },
    { label: "P(ITM)", value: (o) => pct(o.p_itm === null ? null : o.p_itm * 100, 1), num: true, sort: (o) => o.p_itm ?? 2 },
    { label: "Delta", value: (o) => num(o.delta, 3), num: true },
    { label: "IV rank", value: (o) => num(o.iv_rank, 0), num: true },
    { label: "Warnings", value: (o) => o.warnings.map((w) => w.code).join(", ") },
    { label: "", nosort: true, value: (o) => (o.wheel_id ? recordLink(o.wheel_id, o) : "") },
  ];
}

/** #/opportunities — run a scan, the ranked table, and yield against P(ITM). */
export async function opportunitiesPage(_params, ctx) {
  const holder = h("div");
  const chart = h("div.chart", { id: "opportunity-chart", role: "img", "aria-label": "annualized yield against P(ITM)" });
  const show = async (rows, scan) => {
    holder.replaceChildren(
      scan ? h("p.muted", `Scan ${scan.id} of ${when(scan.finished_at)}: ${scan.count} of ${scan.candidates} candidates`) : "",
      table(opportunityColumns(), rows, { sortable: true, empty: "No opportunities yet: run a scan (symbols come from the watchlist and your wheels)." }),
    );
    const points = rows.filter((o) => o.p_itm !== null).sort((a, b) => a.p_itm - b.p_itm);
    if (points.length) {
      await draw(chart, [points.map((o) => o.p_itm * 100), points.map((o) => o.annualized_yield_pct)], [{ label: "Yield %/yr", points: true }], {
        x: "P(ITM) %",
      });
    } else chart.replaceChildren();
  };
  const scan = form({
    id: "scan-form",
    submitLabel: "Run scan",
    okText: "Scan done.",
    fields: [
      { name: "min_annualized_yield_pct", label: "Min. yield %/yr", type: "number", step: "0.1" },
      { name: "min_iv_rank", label: "Min. IV rank", type: "number", step: "1" },
      { name: "top_n", label: "Top N", type: "number", step: "1", value: 20 },
    ],
    submit: (v) => api.post("/opportunities/scan", { ...v, ...(ctx.portfolioId ? { portfolio_id: ctx.portfolioId } : {}) }),
    onDone: (result) => show(result.opportunities, result.scan),
  });
  const view = h("div", h("h1", "Opportunities"), section("Scan", scan), section("Ranked", holder), section("Yield against P(ITM)", chart));
  view.onShown = async () => show(await api.all("/opportunities"));
  return view;
}
