// Performance: a period, P&L components by portfolio and by symbol, cumulative P&L and premium per month.
import * as api from "./api.js";
import { day, draw } from "./chart.js";
import { form, h, section, stat, table } from "./dom.js";
import { DASH, int, money, pct, sign } from "./format.js";

const PERIODS = [
  ["30d", "30 days"],
  ["90d", "90 days"],
  ["365d", "365 days"],
  ["all", "All time"],
  ["custom", "Custom"],
];

const winRate = (m) => (m.settled_trades === 0 ? DASH : pct(m.win_rate, 1));

function components(m) {
  return h(
    "dl.stats.panel",
    { id: "performance-totals" },
    stat("Premium collected", money(m.total_premium)),
    stat("Close costs", money(m.close_costs)),
    stat("Fees", money(m.fees)),
    stat("Premium net", money(m.premium_net), sign(m.premium_net)),
    stat("Realized stock P&L", money(m.realized_stock_pnl), sign(m.realized_stock_pnl)),
    stat("Unrealized stock P&L", money(m.unrealized_stock_pnl), sign(m.unrealized_stock_pnl)),
    stat("Total P&L", money(m.total_pnl), `big ${sign(m.total_pnl)}`),
    stat("Trades (settled)", `${m.total_trades} (${m.settled_trades})`),
    stat("Wins / losses", `${m.winning_trades} / ${m.losing_trades}`),
    stat("Win rate", winRate(m)),
    stat("Annualized return", pct(m.annualized_return, 1)),
    stat("Return on capital", pct(m.return_on_capital, 2)),
  );
}

const metricColumns = (name) => [
  { label: name === "symbol" ? "Symbol" : "Portfolio", value: (m) => m[name === "symbol" ? "symbol" : "portfolio_name"] },
  { label: "Premium net", value: (m) => money(m.premium_net), num: true, sort: (m) => m.premium_net, class: (m) => sign(m.premium_net) },
  { label: "Realized", value: (m) => money(m.realized_stock_pnl), num: true, sort: (m) => m.realized_stock_pnl },
  { label: "Unrealized", value: (m) => money(m.unrealized_stock_pnl), num: true, sort: (m) => m.unrealized_stock_pnl ?? 0 },
  { label: "Total P&L", value: (m) => money(m.total_pnl), num: true, sort: (m) => m.total_pnl, class: (m) => sign(m.total_pnl) },
  { label: "Trades", value: (m) => int(m.total_trades), num: true },
  { label: "Win rate", value: winRate, num: true, sort: (m) => m.win_rate ?? -1 },
  { label: "Annualized", value: (m) => pct(m.annualized_return, 1), num: true, sort: (m) => m.annualized_return ?? -1e9 },
];

/** Premium net per calendar month from the timeline's daily points. */
export function perMonth(points) {
  const months = new Map();
  for (const p of points) {
    const key = p.date.slice(0, 7);
    months.set(key, (months.get(key) || 0) + Math.round(p.premium_net * 100));
  }
  return [...months.entries()].sort().map(([m, cents]) => [m, cents / 100]);
}

/** #/performance?period=… (&start=&end= for custom). */
export async function performancePage(params, ctx) {
  const period = params.period || "all";
  const scope = { portfolio_id: ctx.portfolioId };
  const range = period === "custom" ? { start: params.start, end: params.end } : { period };
  const picker = form({
    id: "period-form",
    submitLabel: "Show",
    okText: "",
    fields: [
      { name: "period", label: "Period", options: PERIODS, value: period },
      { name: "start", label: "From (custom)", type: "date", value: params.start },
      { name: "end", label: "To (custom)", type: "date", value: params.end },
    ],
    submit: async (v) => {
      const q = api.query(v.period === "custom" ? v : { period: v.period });
      await api.get(`/performance${q}`); // let the API judge the dates (errors land at the field)
      ctx.go(`#/performance${q}`);
    },
  });
  const [total, byPortfolio, bySymbol, timeline] = await Promise.all([
    api.get(`/performance${api.query({ ...scope, ...range })}`),
    api.get(`/performance/portfolios${api.query(range)}`),
    api.get(`/performance/symbols${api.query({ ...scope, ...range })}`),
    api.get(`/performance/timeline${api.query({ ...scope, ...range })}`),
  ]);
  const portfolios = Array.isArray(byPortfolio) ? byPortfolio : byPortfolio.portfolios || [];
  const symbols = Array.isArray(bySymbol) ? bySymbol : bySymbol.symbols || [...(bySymbol.best || []), ...(bySymbol.worst || [])];
  const cumulative = h("div.chart", { id: "cumulative-chart", role: "img", "aria-label": "cumulative P&L over time" });
  const monthly = h("div.chart", { id: "monthly-chart", role: "img", "aria-label": "premium net per month" });
  const view = h(
    "div",
    h("h1", "Performance"),
    section("Period", picker, h("p.muted", `${total.period_start} to ${total.period_end} (${total.days} days)`)),
    components(total),
    section("By portfolio", table(metricColumns("portfolio"), portfolios, { sortable: true })),
    section("By symbol", table(metricColumns("symbol"), symbols, { sortable: true })),
    section("Cumulative P&L", cumulative),
    section("Premium per month", monthly),
  );
  view.onShown = async () => {
    const pts = timeline.points;
    if (pts.length) {
      await draw(cumulative, [pts.map((p) => day(p.date)), pts.map((p) => p.cumulative_pnl)], [{ label: "Cumulative P&L" }]);
      const months = perMonth(pts);
      await draw(monthly, [months.map((_m, i) => i), months.map(([, v]) => v)], [{ label: "Premium net", bars: true }], {
        x: "month",
        labels: months.map(([m]) => m),
      });
    } else {
      cumulative.replaceChildren(h("p.muted", "No settled or opened trades in this period."));
    }
  };
  return view;
}
