/* Store CRM page behaviour on top of htmx. No inline scripts: pages set data-* attributes.
 *
 * - A form answered with 422 (validation errors) is swapped like a success, so the form shows
 *   its errors in place; other 4xx/5xx answers show a toast with the translated message that
 *   the page carries in <body data-error-message="...">.
 * - Elements with data-autosubmit submit their form when they change (filters); a data-range-choice
 *   radio shows its form's custom date fields for "custom" and submits for any other range.
 */
(function () {
  "use strict";

  if (window.htmx) {
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false },
    ];
  }

  function showToast(message) {
    var region = document.getElementById("app-toasts");
    if (!region) return;
    var toast = document.createElement("div");
    toast.className = "alert alert-danger shadow-sm mb-2";
    toast.setAttribute("role", "alert");
    toast.textContent = message;
    region.appendChild(toast);
    window.setTimeout(function () {
      toast.remove();
    }, 6000);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var body = document.body;
    var xhr = event.detail.xhr;
    var message = body.getAttribute("data-error-message") || "Error";
    if (xhr && (xhr.status === 403 || xhr.status === 423)) {
      message = body.getAttribute("data-forbidden-message") || message;
    }
    showToast(message);
  });

  document.addEventListener("htmx:sendError", function () {
    showToast(document.body.getAttribute("data-network-message") || "Network error");
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("[data-range-choice]") && target.form) {
      // A period picker: "custom" shows its date fields, any other range applies at once.
      if (target.value === "custom") {
        target.form.querySelectorAll(".custom-range").forEach(function (element) {
          element.classList.remove("d-none");
        });
      } else {
        target.form.submit();
      }
      return;
    }
    if (target && target.matches && target.matches("[data-autosubmit]") && target.form) {
      if (typeof target.form.requestSubmit === "function") {
        target.form.requestSubmit();
      } else {
        target.form.submit();
      }
    }
  });
})();
