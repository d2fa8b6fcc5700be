/* The list component in the browser. No inline scripts: pages set data-* attributes.
 *
 * - Bulk selection: [data-bulk-all="<list>"] selects every [data-bulk-item="<list>"] of the page;
 *   the bar shows how many are selected and its [data-bulk-action] buttons work only with one.
 * - Phones: the filter form of a list page (a role="search" form in the content) folds behind a
 *   "Filters" button (the CSS hides .filters-collapsible under 576 px unless .filters-open).
 */
(function () {
  "use strict";

  function refreshBulk(key) {
    var items = document.querySelectorAll('[data-bulk-item="' + key + '"]');
    var checked = 0;
    items.forEach(function (item) {
      if (item.checked) checked += 1;
    });
    document.querySelectorAll('[data-bulk-count="' + key + '"]').forEach(function (el) {
      el.textContent = String(checked);
    });
    var form = document.getElementById("bulk-" + key);
    if (form) {
      form.querySelectorAll("[data-bulk-action]").forEach(function (button) {
        button.disabled = checked === 0;
      });
    }
    document.querySelectorAll('[data-bulk-all="' + key + '"]').forEach(function (all) {
      all.checked = checked > 0 && checked === items.length;
      all.indeterminate = checked > 0 && checked < items.length;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target || !target.getAttribute) return;
    var allKey = target.getAttribute("data-bulk-all");
    if (allKey) {
      document.querySelectorAll('[data-bulk-item="' + allKey + '"]').forEach(function (item) {
        item.checked = target.checked;
      });
      refreshBulk(allKey);
      return;
    }
    var itemKey = target.getAttribute("data-bulk-item");
    if (itemKey) refreshBulk(itemKey);
  });

  var folded = 0;
  function foldFilters(root) {
    var label = document.body.getAttribute("data-filters-label") || "Filters";
    root.querySelectorAll('.app-content form[role="search"]:not([data-filters-folded])').forEach(function (form) {
      folded += 1;
      form.setAttribute("data-filters-folded", "");
      if (!form.id) form.id = "list-filters-" + folded;
      form.classList.add("filters-collapsible");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-outline-secondary btn-sm filters-toggle mb-2";
      button.setAttribute("aria-controls", form.id);
      button.setAttribute("aria-expanded", "false");
      button.textContent = label;
      button.addEventListener("click", function () {
        var open = form.classList.toggle("filters-open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
      form.parentNode.insertBefore(button, form);
    });
  }

  function init(root) {
    foldFilters(root);
    var keys = {};
    root.querySelectorAll("[data-bulk-item], [data-bulk-all]").forEach(function (el) {
      keys[el.getAttribute("data-bulk-item") || el.getAttribute("data-bulk-all")] = true;
    });
    Object.keys(keys).forEach(refreshBulk);
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:afterSettle", function () {
    init(document);
  });
})();

/* A courier list with "other": the name field shows when "other" is chosen. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select || !select.matches || !select.matches("[data-courier-select]")) return;
    var other = select.parentNode.querySelector("[data-courier-other]");
    if (!other) return;
    var isOther = select.value === "other";
    other.classList.toggle("d-none", !isOther);
    other.required = isOther;
  });
})();
