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
      form.classList.toggle("has-selection", checked > 0);
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

/* The province/city cascader of the customer forms: choosing a province lists its cities
 * (the data is in <script type="application/json" id="region-data">). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select || !select.matches || !select.matches("[data-region-province]")) return;
    var form = select.form;
    var city = form && form.querySelector("[data-region-city]");
    var source = document.getElementById("region-data");
    if (!city || !source) return;
    var cities = JSON.parse(source.textContent)[select.value] || [];
    while (city.options.length) city.remove(0);
    city.add(new Option("—", ""));
    cities.forEach(function (name) {
      city.add(new Option(name, name));
    });
    if (cities.length === 1) city.value = cities[0];
  });
})();

/* Remote pickers: [data-picker="<url>"] holds a hidden value, a combobox input and a listbox;
 * typing asks the url (?q=) for at most 20 choices; a choice sets the value (and, for products,
 * an empty unit price of its line) and fires "change" so that the form's preview follows. */
(function () {
  "use strict";
  var timers = new WeakMap();

  function close(picker) {
    var list = picker.querySelector('[role="listbox"]');
    var input = picker.querySelector("[data-picker-input]");
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function choose(picker, option) {
    var input = picker.querySelector("[data-picker-input]");
    var value = picker.querySelector("[data-picker-value]");
    value.value = option.getAttribute("data-id");
    input.value = option.getAttribute("data-label");
    var price = option.getAttribute("data-price");
    var row = picker.closest("[data-line]");
    var priceInput = row && row.querySelector("[data-line-price]");
    if (price && priceInput && !priceInput.value) priceInput.value = price;
    close(picker);
    value.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function render(picker, results) {
    var list = picker.querySelector('[role="listbox"]');
    var input = picker.querySelector("[data-picker-input]");
    list.textContent = "";
    results.forEach(function (item, i) {
      var li = document.createElement("li");
      li.className = "list-group-item list-group-item-action py-1";
      li.setAttribute("role", "option");
      li.id = input.id + "-opt-" + i;
      li.setAttribute("data-id", item.id);
      li.setAttribute("data-label", item.label);
      if (item.price) li.setAttribute("data-price", item.price);
      li.textContent = item.label;
      if (item.detail) {
        var small = document.createElement("span");
        small.className = "small text-body-secondary ms-2";
        small.textContent = item.detail;
        li.appendChild(small);
      }
      li.addEventListener("mousedown", function (event) {
        event.preventDefault();
        choose(picker, li);
      });
      list.appendChild(li);
    });
    list.hidden = results.length === 0;
    input.setAttribute("aria-expanded", results.length ? "true" : "false");
  }

  function search(picker) {
    var input = picker.querySelector("[data-picker-input]");
    var url = picker.getAttribute("data-picker") + "?q=" + encodeURIComponent(input.value.trim());
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (body) {
        render(picker, body.results || []);
      });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-picker-input]")) return;
    var picker = input.closest("[data-picker]");
    picker.querySelector("[data-picker-value]").value = "";
    window.clearTimeout(timers.get(picker));
    timers.set(picker, window.setTimeout(function () { search(picker); }, 250));
    event.stopPropagation();
  }, true);

  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (input.matches && input.matches("[data-picker-input]") && !input.value) search(input.closest("[data-picker]"));
  });

  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (input.matches && input.matches("[data-picker-input]")) close(input.closest("[data-picker]"));
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-picker-input]")) return;
    var picker = input.closest("[data-picker]");
    var options = Array.prototype.slice.call(picker.querySelectorAll('[role="option"]'));
    var current = options.findIndex(function (o) { return o.classList.contains("active"); });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!options.length) return;
      var next = event.key === "ArrowDown" ? Math.min(current + 1, options.length - 1) : Math.max(current - 1, 0);
      options.forEach(function (o) { o.classList.remove("active"); o.setAttribute("aria-selected", "false"); });
      options[next].classList.add("active");
      options[next].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[next].id);
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      choose(picker, options[current]);
    } else if (event.key === "Escape") {
      close(picker);
    }
  });

  /* The quotation editor's lines: add from the <template>, remove a row. */
  document.addEventListener("click", function (event) {
    var add = event.target.closest && event.target.closest("[data-line-add]");
    if (add) {
      var form = add.closest("form");
      var rows = form.querySelector("[data-line-rows]");
      var template = form.querySelector("#line-template");
      var index = parseInt(rows.getAttribute("data-next-index"), 10) || 0;
      rows.setAttribute("data-next-index", String(index + 1));
      rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__i__/g, String(index)));
      rows.lastElementChild.querySelector("[data-picker-input]").focus();
      return;
    }
    var remove = event.target.closest && event.target.closest("[data-line-remove]");
    if (remove) {
      var line = remove.closest("[data-line]");
      var owner = line.closest("form");
      line.remove();
      if (owner) owner.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();

/* Every other table list of the pages becomes cards on phones too: its cells are labelled from
 * its header (CSS shows the labels under 576 px), its first cell is the card's title. */
(function () {
  "use strict";
  function cardify(root) {
    root.querySelectorAll(".app-content table.table-crm:not(.table-cards)").forEach(function (table) {
      var head = table.tHead && table.tHead.rows[0];
      if (!head || head.querySelector("[colspan]")) return;
      var labels = Array.prototype.map.call(head.cells, function (cell) { return cell.textContent.trim(); });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          if (row.cells.length !== labels.length) return;
          Array.prototype.forEach.call(row.cells, function (cell, i) {
            if (labels[i] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", labels[i]);
          });
          if (!row.querySelector(".card-title-cell")) row.cells[0].classList.add("card-title-cell");
        });
      });
      table.classList.add("table-cards");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { cardify(document); });
  document.addEventListener("htmx:afterSettle", function () { cardify(document); });
})();
