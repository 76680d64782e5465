// The dashboard's shell: hash routes, the portfolio switcher, the alerts badge and the token prompt.
import * as api from "./api.js";
import { failure, h } from "./dom.js";
import { overviewPage } from "./overview.js";
import { positionsPage } from "./positions.js";
import { wheelPage, wheelsPage } from "./wheels.js";
import { tradesPage } from "./trades.js";
import { opportunitiesPage, recommendationsPage } from "./advice.js";
import { performancePage } from "./performance.js";
import { alertsPage, jobsPage, settingsPage } from "./operations.js";

const PORTFOLIO_KEY = "wheeld.portfolio";
const main = document.getElementById("main");
const switcher = document.getElementById("portfolio-switcher");

const ROUTES = [
  [/^\/?$/, overviewPage, "Overview"],
  [/^\/positions$/, positionsPage, "Positions"],
  [/^\/wheels$/, wheelsPage, "Wheels"],
  [/^\/wheels\/([1-9][0-9]*)$/, wheelPage, "Wheel"],
  [/^\/trades$/, tradesPage, "Trades"],
  [/^\/recommendations$/, recommendationsPage, "Recommendations"],
  [/^\/opportunities$/, opportunitiesPage, "Opportunities"],
  [/^\/performance$/, performancePage, "Performance"],
  [/^\/alerts$/, alertsPage, "Alerts"],
  [/^\/jobs$/, jobsPage, "Jobs"],
  [/^\/settings$/, settingsPage, "Settings"],
];

/** What every page gets: the chosen portfolio (or null for all), the portfolios, helpers. */
const ctx = {
  portfolioId: null,
  portfolios: [],
  refreshPortfolios,
  refreshBadge,
  go: (hash) => {
    if (location.hash === hash) render();
    else location.hash = hash;
  },
  stop: [],
};

let pendingPrompt = null;
// Calls that meet a 401 together share one prompt.
function tokenPrompt(rejected) {
  pendingPrompt ??= askForToken(rejected).finally(() => {
    pendingPrompt = null;
  });
  return pendingPrompt;
}

function askForToken(rejected) {
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token-input");
  const error = document.getElementById("token-error");
  error.textContent = rejected ? "That token was not accepted; try again." : "";
  input.value = "";
  return new Promise((resolve) => {
    const formEl = document.getElementById("token-form");
    const onSubmit = (event) => {
      event.preventDefault();
      if (!input.value.trim()) {
        error.textContent = "Enter the token (server.api_token).";
        return;
      }
      api.setToken(input.value.trim());
      formEl.removeEventListener("submit", onSubmit);
      dialog.close();
      resolve();
    };
    formEl.addEventListener("submit", onSubmit);
    dialog.addEventListener("cancel", (e) => e.preventDefault(), { once: true });
    if (!dialog.open) dialog.showModal();
    input.focus();
  });
}
api.setTokenPrompt(tokenPrompt);

// The skip link moves focus to the page; as a plain #main link it would be read as a route.
document.querySelector(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

async function refreshPortfolios() {
  ctx.portfolios = await api.all("/portfolios");
  const chosen = localStorage.getItem(PORTFOLIO_KEY) || "";
  switcher.replaceChildren(
    h("option", { value: "" }, "All portfolios"),
    ...ctx.portfolios.map((p) => h("option", { value: p.id }, p.name)),
  );
  const known = ctx.portfolios.some((p) => String(p.id) === chosen);
  switcher.value = known ? chosen : "";
  ctx.portfolioId = known ? Number(chosen) : null;
}

async function refreshBadge() {
  const badge = document.getElementById("alert-badge");
  try {
    const env = await api.call("GET", "/alerts?acknowledged=false&active=true&page_size=1");
    const count = env.pagination ? env.pagination.total_items : env.data.length;
    badge.hidden = count === 0;
    badge.textContent = String(count);
    badge.setAttribute("aria-label", `${count} unacknowledged alerts`);
  } catch {
    badge.hidden = true;
  }
}

switcher.addEventListener("change", () => {
  localStorage.setItem(PORTFOLIO_KEY, switcher.value);
  ctx.portfolioId = switcher.value ? Number(switcher.value) : null;
  render();
});

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, q = ""] = raw.split("?");
  return { path, params: Object.fromEntries(new URLSearchParams(q)) };
}

let generation = 0;
async function render() {
  for (const stop of ctx.stop.splice(0)) stop();
  const { path, params } = parseHash();
  const route = ROUTES.find(([re]) => re.test(path));
  const mine = ++generation;
  for (const a of document.querySelectorAll("#nav a")) {
    const target = a.getAttribute("href").slice(1);
    const current = target === "/" ? path === "/" || path === "" : path.startsWith(target);
    if (current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (!route) {
    main.replaceChildren(h("h1", "Not found"), h("p", `No page at ${path}.`));
    return;
  }
  const [re, page, title] = route;
  const match = path.match(re);
  document.title = `${title} · wheeld`;
  try {
    const view = await page({ ...params, id: match[1] }, ctx);
    if (mine !== generation) return; // the person moved on meanwhile
    main.replaceChildren(view);
    // The bench (bench/bench_dashboard.py) reads this: the first page on screen with its data.
    if (!performance.getEntriesByName("wheeld:first-render").length) performance.mark("wheeld:first-render");
    main.dataset.page = title.toLowerCase();
    if (view.onShown) await view.onShown();
  } catch (error) {
    if (mine === generation) main.replaceChildren(h("h1", title), failure(error));
  }
  refreshBadge();
}

async function start() {
  try {
    await refreshPortfolios();
  } catch (error) {
    main.replaceChildren(failure(error));
    return;
  }
  window.addEventListener("hashchange", render);
  await render();
  document.body.dataset.ready = "true";
}

start();
