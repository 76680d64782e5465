// Overview: one card per portfolio (capital, P&L components, win rate, stale prices), this week's expiries.
import * as api from "./api.js";
import { form, h, link, section, stat, table } from "./dom.js";
import { DASH, int, money, pct, sign } from "./format.js";
import { positionColumns } from "./positions.js";

/** Capital in use: open puts' collateral (strike × 100 × contracts) and held shares at their entry
 * price (shares × cost basis). Available = allocated − that, in cents so the sum stays exact. */
export function capitalInUseCents(positions, wheels) {
  const puts = positions
    .filter((p) => p.direction === "put")
    .reduce((sum, p) => sum + Math.round(p.strike * 100) * 100 * p.contracts, 0);
  const shares = wheels.reduce((sum, w) => sum + (w.shares && w.cost_basis ? Math.round(w.cost_basis * 100) * w.shares : 0), 0);
  return puts + shares;
}

function card(portfolio, summary, positions, wheels) {
  const stale = positions.some((p) => p.price_stale) || summary.unpriced_symbols.length > 0;
  const available = (Math.round(summary.capital_allocated * 100) - capitalInUseCents(positions, wheels)) / 100;
  return h(
    "article.card",
    { "aria-labelledby": `card-${portfolio.id}`, dataset: { portfolio: portfolio.id } },
    h(
      "h3",
      { id: `card-${portfolio.id}` },
      portfolio.name,
      portfolio.is_default ? h("span.tag", "default") : null,
      stale ? h("span.tag.warn", { title: "Some prices are stale or unknown" }, "⚠ stale prices") : null,
    ),
    h(
      "dl.stats",
      stat("Capital allocated", money(summary.capital_allocated)),
      stat("Capital available", money(available), sign(available), "allocated − open puts' collateral − held shares at entry"),
      stat("Premium net", money(summary.premium_net), sign(summary.premium_net)),
      stat("Realized stock P&L", money(summary.realized_stock_pnl), sign(summary.realized_stock_pnl)),
      stat("Unrealized stock P&L", money(summary.unrealized_stock_pnl), sign(summary.unrealized_stock_pnl)),
      stat("Total P&L", money(summary.net_pnl), `big ${sign(summary.net_pnl)}`),
      stat("Win rate", summary.wins + summary.losses === 0 ? DASH : pct(summary.win_rate, 1)),
      stat("Open positions", int(summary.open_positions)),
      stat("Active wheels", `${summary.active_wheels} of ${summary.total_wheels}`),
    ),
    summary.unpriced_symbols.length ? h("p.muted", `No price for ${summary.unpriced_symbols.join(", ")}.`) : null,
  );
}

/** GET / — the day's first questions: what is at risk, what expires this week, what did I earn. */
export async function overviewPage(_params, ctx) {
  const chosen = ctx.portfolios.filter((p) => ctx.portfolioId === null || p.id === ctx.portfolioId);
  const [summaries, positions, wheels] = await Promise.all([
    Promise.all(chosen.map((p) => api.get(`/portfolios/${p.id}/summary`))),
    api.all(`/positions${api.query({ portfolio_id: ctx.portfolioId })}`),
    api.all(`/wheels${api.query({ portfolio_id: ctx.portfolioId })}`),
  ]);
  const mine = (list, p) => list.filter((x) => x.portfolio_id === p.id);
  const cards = chosen.map((p, i) => card(p, summaries[i], mine(positions, p), mine(wheels, p)));
  const soon = positions.filter((p) => p.dte_calendar <= 7).sort((a, b) => a.dte_calendar - b.dte_calendar);
  const risky = positions.filter((p) => p.risk_level === "HIGH" || p.risk_level === "MEDIUM");
  const create = form({
    id: "portfolio-create",
    submitLabel: "Create portfolio",
    fields: [
      { name: "name", label: "Name", required: true },
      { name: "description", label: "Description" },
      { name: "default_capital", label: "Default capital per wheel", type: "number", step: "0.01" },
    ],
    submit: (v) => api.post("/portfolios", v),
    onDone: async () => {
      await ctx.refreshPortfolios();
      ctx.go("#/");
    },
  });
  return h(
    "div",
    h("h1", "Overview"),
    cards.length
      ? h("div.cards", cards)
      : h("p.empty", "No portfolio yet: create one below, then add a wheel on the Wheels page."),
    section(
      "At risk",
      table(positionColumns(), risky, { rowClass: (p) => `risk-${p.risk_level}`, empty: "Nothing at risk." }),
    ),
    section(
      "Expiring within 7 days",
      table(positionColumns(), soon, { rowClass: (p) => `risk-${p.risk_level}`, empty: "Nothing expires this week." }),
    ),
    h("details.panel", h("summary", "New portfolio"), create),
    h("p.muted", "Positions: ", link("#/positions", "all open options"), "."),
  );
}
