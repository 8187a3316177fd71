/* Small progressive enhancements. Every page works without this file; it only saves clicks. */
(function () {
  "use strict";

  // Dropdown menus are <details>: keep one open at a time and close them on an outside click.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  // Destructive actions ask first.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Buttons that open a panel (record payment, refund) on the same page.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open]");
    if (!opener) return;
    var panel = document.getElementById(opener.getAttribute("data-open"));
    if (!panel) return;
    event.preventDefault();
    panel.setAttribute("open", "");
    panel.scrollIntoView({ behavior: "smooth", block: "start" });
    var first = panel.querySelector("input, select");
    if (first) first.focus({ preventScroll: true });
  });

  // ----- Invoice line editor -----
  var form = document.querySelector("[data-invoice-form]");
  if (!form) return;
  var body = form.querySelector("[data-lines]");
  var template = form.querySelector("[data-line-template]");
  var total = form.querySelector("input[name$='-TOTAL_FORMS']");

  function money(value) {
    var text = "$" + Math.abs(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    return value < 0 ? "\u2212" + text : text;
  }

  // A preview only: the server recomputes every amount when the invoice is saved.
  function refreshPreview() {
    var subtotal = 0;
    body.querySelectorAll("[data-line]").forEach(function (row) {
      var qty = parseFloat((row.querySelector("input[name$='-quantity']") || {}).value);
      var price = parseFloat((row.querySelector("input[name$='-unit_price']") || {}).value);
      var cell = row.querySelector("[data-line-amount]");
      if (isNaN(qty) || isNaN(price)) { cell.textContent = "—"; return; }
      var kind = row.querySelector("select[name$='-kind']");
      var amount = Math.round(qty * price * 100) / 100 * (kind && kind.value === "credit" ? -1 : 1);
      cell.textContent = money(amount);
      if (!row.classList.contains("removed")) subtotal += amount;
    });
    form.querySelector("[data-preview-subtotal]").textContent = money(subtotal);
  }

  function fillFromProduct(select) {
    var option = select.options[select.selectedIndex];
    if (!option || !option.dataset.price) return;
    var row = select.closest("[data-line]");
    var description = row.querySelector("input[name$='-description']");
    // Overwrite the description only if the user has not typed their own.
    if (!description.value || description.dataset.autofilled === "1") {
      description.value = option.dataset.description;
      description.dataset.autofilled = "1";
    }
    row.querySelector("input[name$='-unit_price']").value = option.dataset.price;
    row.querySelector("select[name$='-tax_code']").value = option.dataset.taxCode || "";
    refreshPreview();
  }

  form.addEventListener("change", function (event) {
    if (event.target.matches("[data-line-product]")) fillFromProduct(event.target);
    if (event.target.matches("select[name$='-kind']")) refreshPreview();
  });
  form.addEventListener("input", function (event) {
    if (event.target.matches("input[name$='-description']")) event.target.dataset.autofilled = "0";
    if (event.target.matches("input[name$='-quantity'], input[name$='-unit_price']")) refreshPreview();
  });

  form.querySelector("[data-add-line]").addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var added = body.lastElementChild;
    if (added) added.querySelector("select, input").focus();
    refreshPreview();
  });

  body.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-line]");
    if (!button) return;
    var row = button.closest("[data-line]");
    // Mark for deletion instead of removing the inputs, so the form indexes stay contiguous.
    row.querySelector("input[name$='-DELETE']").checked = true;
    row.classList.add("removed");
    refreshPreview();
  });

  refreshPreview();
})();
