/* Amounts on the figure pages, as the money / money_compact template filters write them
   (shared_apps/platform/money_display.py): window.crmMoney.full("1234567") is "¥1,234,567.00",
   window.crmMoney.compact("2497700") is "¥249.77万" in Chinese, "¥2.50M" in English.

   The page gives the rule of the active language in <script id="money-spec" type="application/json">
   (display_spec()). The full form is written from the decimal string itself (exact); the compact
   form and chart axes use numbers, for display only. */
(function () {
  "use strict";
  const element = document.getElementById("money-spec");
  const spec = element ? JSON.parse(element.textContent) : { sign: "¥", none: "—", compact_from: 10000, units: [] };

  function group(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // "1234.5" → ["", "1234", "50"]; numbers go through toFixed(2). Rounding half up on the text.
  function parts(value) {
    let text = typeof value === "number" ? value.toFixed(2) : String(value).trim();
    if (!/^-?\d+(\.\d+)?$/.test(text)) return null;
    let sign = "";
    if (text[0] === "-") { sign = "-"; text = text.slice(1); }
    let [whole, fraction = ""] = text.split(".");
    if (fraction.length > 2) {
      const up = Number(fraction[2]) >= 5;
      fraction = fraction.slice(0, 2);
      if (up) {
        const cents = (BigInt(whole + fraction) + 1n).toString().padStart(3, "0");
        whole = cents.slice(0, -2);
        fraction = cents.slice(-2);
      }
    }
    fraction = fraction.padEnd(2, "0");
    whole = whole.replace(/^0+(?=\d)/, "");
    if (/^0*$/.test(whole + fraction)) sign = "";
    return [sign, whole, fraction];
  }

  function full(value) {
    if (value === null || value === undefined || value === "") return spec.none;
    const p = parts(value);
    if (!p) return String(value);
    return p[0] + spec.sign + group(p[1]) + "." + p[2];
  }

  function compact(value) {
    if (value === null || value === undefined || value === "") return spec.none;
    const p = parts(value);
    if (!p) return String(value);
    const size = Number(p[1] + "." + p[2]);
    if (size < spec.compact_from) return full(value);
    for (const [unit, suffix] of spec.units) {
      const scaled = Math.round((size / unit) * 100) / 100;
      if (scaled >= 1) {
        const [whole, fraction] = scaled.toFixed(2).split(".");
        return p[0] + spec.sign + group(whole) + "." + fraction + suffix;
      }
    }
    return full(value);
  }

  // A chart axis label: compact, without decimals that say nothing ("¥20万", "¥1.5M").
  function axis(value) {
    const text = compact(value);
    return text.replace(/\.00(?=\D*$)/, "").replace(/(\.\d)0(?=\D*$)/, "$1");
  }

  window.crmMoney = { full: full, compact: compact, axis: axis, spec: spec };
})();
