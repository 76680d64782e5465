// How figures read: money with separators and 2 decimals, negatives marked, null as a dash (never 0).
export const DASH = "—";
const money2 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const isNum = (v) => typeof v === "number" && Number.isFinite(v);

/** 1234.5 -> "1,234.50"; -3 -> "−3.00"; null -> "—". */
export function money(v) {
  if (!isNum(v)) return DASH;
  const text = money2.format(Math.abs(v));
  return v < 0 && text !== "0.00" ? `−${text}` : text;
}

export function pct(v, digits = 2) {
  if (!isNum(v)) return DASH;
  const text = Math.abs(v).toFixed(digits);
  return `${v < 0 && Number(text) !== 0 ? "−" : ""}${text} %`;
}

export function num(v, digits = 2) {
  if (!isNum(v)) return DASH;
  const text = Math.abs(v).toFixed(digits);
  return `${v < 0 && Number(text) !== 0 ? "−" : ""}${text}`;
}

export const int = (v) => (isNum(v) ? String(v) : DASH);
export const text = (v) => (v === null || v === undefined || v === "" ? DASH : String(v));

/** A sign class for colouring amounts. */
export const sign = (v) => (isNum(v) && v < 0 ? "neg" : isNum(v) && v > 0 ? "pos" : "");

/** "2026-12-04T03:09:53Z" -> local "2026-12-04 04:09". */
export function when(iso) {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Seconds -> "12 s", "5 min", "3 h", "2 d". */
export function age(seconds) {
  if (!isNum(seconds)) return DASH;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

// Shapes as well as colours (the API's 🟢 🟡 🔴 need an emoji font, and colour alone fails some eyes).
export const RISK_ICON = { LOW: "●", MEDIUM: "▲", HIGH: "■" };
export const STATE_LABEL = { cash: "Cash", short_put: "Short put", shares: "Shares", short_call: "Short call" };
