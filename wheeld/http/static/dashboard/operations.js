// Alerts (list, acknowledge), jobs (schedule, runs, run now, enable/disable) and settings (config).
import * as api from "./api.js";
import { form, h, nest, section, table } from "./dom.js";
import { text, when } from "./format.js";
import { REFRESH_KEY, refreshSeconds } from "./positions.js";

function actionButton(label, aria, action) {
  const button = h("button.secondary", { type: "button", "aria-label": aria }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      button.after(h("span.field-error", { role: "alert" }, ` ${error.message}`));
      button.disabled = false;
    }
  });
  return button;
}

/** #/alerts?all=true — unacknowledged first; acknowledge one by one. */
export async function alertsPage(params, ctx) {
  const everything = params.all === "true";
  const alerts = await api.all(`/alerts${api.query({ acknowledged: everything ? null : "false", portfolio_id: ctx.portfolioId })}`);
  const columns = [
    { label: "Severity", value: (a) => h("span", { class: `sev sev-${a.severity}` }, a.severity) },
    { label: "Symbol", value: (a) => text(a.symbol) },
    { label: "Message", value: (a) => a.message },
    { label: "Raised", value: (a) => when(a.created_at), sort: (a) => a.created_at },
    { label: "State", value: (a) => (a.active ? "active" : `cleared ${when(a.cleared_at)}`) },
    {
      label: "",
      nosort: true,
      value: (a) =>
        a.acknowledged
          ? h("span.muted", `acknowledged ${when(a.acknowledged_at)}`)
          : actionButton("Acknowledge", `Acknowledge alert ${a.id}`, async () => {
              await api.patch(`/alerts/${a.id}`, { acknowledged: true });
              ctx.go(`#/alerts?${everything ? "all=true&" : ""}t=${Date.now()}`);
            }),
    },
  ];
  return h(
    "div",
    h("h1", "Alerts"),
    h("p", h("a", { href: everything ? "#/alerts" : "#/alerts?all=true" }, everything ? "Show unacknowledged only" : "Show all alerts")),
    table(columns, alerts, { sortable: true, rowClass: (a) => `sev-row-${a.severity}`, empty: "No alerts. 🎉" }),
  );
}

async function runsOf(job, holder) {
  const runs = (await api.call("GET", `/jobs/${encodeURIComponent(job.id)}/runs?page_size=10`)).data;
  holder.replaceChildren(
    table(
      [
        { label: "Run", value: (r) => String(r.id) },
        { label: "Trigger", value: (r) => r.trigger },
        { label: "Status", value: (r) => h("span", { class: `status status-${r.status}` }, r.status) },
        { label: "Started", value: (r) => when(r.started_at) },
        { label: "Duration", value: (r) => (r.duration_ms === null ? "—" : `${r.duration_ms} ms`), num: true },
        { label: "Summary", value: (r) => text(r.error || r.summary) },
      ],
      runs,
      { empty: "Never run yet." },
    ),
  );
}

/** PATCH a job's trigger: every N seconds, or a cron expression (New York time). */
function scheduleForm(job, onDone) {
  return form({
    id: `schedule-${job.id.replace(/\W/g, "-")}`,
    submitLabel: "Save schedule",
    fields: [
      { name: "trigger.type", label: "Kind", options: [["interval", "every N seconds"], ["cron", "cron expression"]], value: job.trigger.type },
      { name: "trigger.seconds", label: "Seconds", type: "number", step: "1", value: job.trigger.seconds },
      { name: "trigger.expression", label: "Cron (New York time)", value: job.trigger.expression, placeholder: "30 16 * * 1-5" },
      { name: "market_hours_only", label: "Only while the market is open", type: "checkbox", value: job.market_hours_only },
    ],
    submit: (v) => {
      const body = nest(v);
      if (body.trigger.type === "interval") delete body.trigger.expression;
      else delete body.trigger.seconds;
      return api.patch(`/jobs/${encodeURIComponent(job.id)}`, body);
    },
    onDone,
  });
}

/** #/jobs — each job with its schedule, next and last run; run now, enable or disable, its runs. */
export async function jobsPage(_params, ctx) {
  const jobs = await api.all("/jobs");
  const reload = () => ctx.go(`#/jobs?t=${Date.now()}`);
  const rows = jobs.map((job) => {
    const runs = h("div");
    const details = h("details", h("summary", "Last runs"), runs);
    details.addEventListener("toggle", () => details.open && runsOf(job, runs));
    return h(
      "article.card.job",
      { dataset: { job: job.id } },
      h("h3", job.id, h("span", { class: `tag status-${job.enabled ? job.status : "disabled"}` }, job.enabled ? job.status : "disabled")),
      h("p", job.description),
      h(
        "dl.stats",
        h("div.stat", h("dt", "Schedule"), h("dd", job.trigger_description, job.market_hours_only ? " (market hours)" : "")),
        h("div.stat", h("dt", "Next run"), h("dd", when(job.next_run_at))),
        h("div.stat", h("dt", "Last run"), h("dd", when(job.last_run_at), job.last_status ? ` · ${job.last_status}` : "")),
      ),
      h(
        "p.buttons",
        actionButton("Run now", `Run ${job.id} now`, async () => {
          await api.post(`/jobs/${encodeURIComponent(job.id)}/run`, {});
          reload();
        }),
        actionButton(job.enabled ? "Disable" : "Enable", `${job.enabled ? "Disable" : "Enable"} ${job.id}`, async () => {
          await api.patch(`/jobs/${encodeURIComponent(job.id)}`, { enabled: !job.enabled });
          reload();
        }),
      ),
      details,
      h("details", h("summary", "Change schedule"), scheduleForm(job, reload)),
    );
  });
  return h("div", h("h1", "Jobs"), h("div.cards", rows));
}

/** #/settings — the configuration as JSON: validate, save; and this page's own refresh interval. */
export async function settingsPage(_params, ctx) {
  const config = await api.get("/config");
  const report = h("div", { role: "status" });
  const parse = (v) => {
    try {
      return JSON.parse(v.config);
    } catch (error) {
      throw new api.ApiError(400, {
        error: { code: "VALIDATION_ERROR", message: "not JSON", details: { errors: { config: [`not valid JSON: ${error.message}`] } } },
      });
    }
  };
  const showReport = (result) => {
    report.replaceChildren(
      result.valid === false
        ? h("ul.form-error", result.errors.map((e) => h("li", `${e.key}: ${e.problem}`)))
        : h("p.form-ok", `Valid. Changed: ${result.changed.join(", ") || "nothing"}${result.restart_required.length ? `; restart needed for ${result.restart_required.join(", ")}` : ""}`),
    );
  };
  const editor = form({
    id: "config-form",
    submitLabel: "Validate",
    okText: "",
    fields: [{ name: "config", label: "Configuration (JSON; secrets stay masked)", type: "textarea", value: JSON.stringify(config, null, 2) }],
    submit: async (v) => showReport(await api.post("/config/validate", parse(v))),
  });
  const save = h("button", { type: "button" }, "Save");
  save.addEventListener("click", async () => {
    const raw = { config: editor.inputs.config.value };
    try {
      const body = parse(raw);
      const check = await api.post("/config/validate", body);
      if (check.valid === false) return showReport(check);
      await api.put("/config", body);
      report.replaceChildren(h("p.form-ok", "Saved."));
    } catch (error) {
      editor.showErrors(error);
    }
  });
  editor.append(save);
  const refresh = form({
    id: "refresh-form",
    submitLabel: "Save interval",
    fields: [{ name: "seconds", label: "Positions refresh (seconds, at least 5)", type: "number", step: "1", value: refreshSeconds() }],
    submit: async (v) => {
      const n = Number(v.seconds);
      if (!Number.isFinite(n) || n < 5) {
        throw new api.ApiError(400, { error: { code: "VALIDATION_ERROR", message: "at least 5", details: { errors: { seconds: ["must be a number of seconds, at least 5"] } } } });
      }
      localStorage.setItem(REFRESH_KEY, String(Math.round(n)));
    },
  });
  return h("div", h("h1", "Settings"), section("This browser", refresh), section("Daemon configuration", editor, report));
}
