// Document editors: a barcode scanner used as a keyboard (code + Enter), and lines added by
// SKU search. The server's /inventory/scan/ endpoint says what a code is: an item, a bin, or
// unknown. An unknown code changes nothing and is announced in the status region.
(function () {
  "use strict";

  var box = document.querySelector("[data-scan-box]");
  if (!box) { return; }
  var form = box.closest("form") || document;
  var input = box.querySelector("[data-scan-input]");
  var status = box.querySelector("[data-scan-status]");
  var binLabel = box.querySelector("[data-scan-bin]");
  var body = document.querySelector("[data-lines]");
  var template = document.querySelector("template[data-line-template]");
  var mode = box.dataset.scanMode || "lines";   // lines | transfer | stocktake
  var qtyName = mode === "stocktake" ? "line_counted" : "line_qty";
  var currentBin = box.dataset.initialBin || "";
  var currentToBin = "";

  function warehouseCode() {
    var field = document.querySelector(box.dataset.warehouseField || "#id_warehouse");
    return field ? field.value : "";
  }

  function announce(message, ok) {
    status.textContent = message;
    status.classList.toggle("text-danger", !ok);
    status.classList.toggle("fw-bold", !ok);
    status.classList.toggle("text-success", ok);
    status.dataset.scanResult = ok ? "ok" : "error";
  }

  function field(row, name) { return row.querySelector('[name="' + name + '"]'); }
  function same(a, b) { return (a || "").trim().toUpperCase() === (b || "").trim().toUpperCase(); }

  function rowBinMatches(row) {
    if (mode === "transfer") {
      return same(field(row, "line_from_bin").value, currentBin) &&
             same(field(row, "line_to_bin").value, currentToBin);
    }
    var bin = field(row, "line_bin");
    if (mode === "stocktake" && !currentBin) { return true; }
    return !bin || same(bin.value, currentBin);
  }

  function emptyRow() {
    var rows = body.querySelectorAll("[data-line]");
    for (var i = 0; i < rows.length; i++) {
      var sku = field(rows[i], "line_sku");
      if (sku && !sku.value.trim()) { return rows[i]; }
    }
    return null;
  }

  function addRow() {
    var fragment = template.content.cloneNode(true);
    body.appendChild(fragment);
    var rows = body.querySelectorAll("[data-line]");
    return rows[rows.length - 1];
  }

  // Add one unit of the SKU: increment a matching line (same bin), else start a new line.
  function addItem(sku, name) {
    var rows = body.querySelectorAll("[data-line]");
    for (var i = 0; i < rows.length; i++) {
      if (same(field(rows[i], "line_sku").value, sku) && rowBinMatches(rows[i])) {
        var qty = field(rows[i], qtyName);
        qty.value = (parseInt(qty.value, 10) || 0) + 1;
        qty.dispatchEvent(new Event("input", { bubbles: true }));
        return qty.value;
      }
    }
    if (mode === "stocktake" && !currentBin) { return null; }
    var row = emptyRow() || addRow();
    field(row, "line_sku").value = sku;
    var nameCell = row.querySelector("[data-item-name]");
    if (nameCell) { nameCell.textContent = name || ""; }
    field(row, qtyName).value = 1;
    field(row, qtyName).dispatchEvent(new Event("input", { bubbles: true }));
    if (mode === "transfer") {
      field(row, "line_from_bin").value = currentBin;
      field(row, "line_to_bin").value = currentToBin;
    } else if (field(row, "line_bin")) {
      field(row, "line_bin").value = currentBin;
    }
    return 1;
  }

  function setBin(code) {
    var target = form.querySelector('input[name="scan_bin_target"]:checked');
    if (mode === "transfer" && target && target.value === "to") {
      currentToBin = code;
    } else {
      currentBin = code;
    }
    if (binLabel) {
      binLabel.textContent = mode === "transfer"
        ? (currentBin || "—") + " → " + (currentToBin || "—")
        : currentBin;
    }
  }

  function handle(data, code) {
    if (data.type === "item") {
      var qty = addItem(data.sku, data.name);
      if (qty === null) { announce(box.dataset.msgNeedBin, false); return; }
      announce(box.dataset.msgItem.replace("%(sku)s", data.sku).replace("%(name)s", data.name)
        .replace("%(qty)s", qty), true);
    } else if (data.type === "bin") {
      setBin(data.code);
      announce(box.dataset.msgBin.replace("%(bin)s", data.code), true);
    } else {
      announce(data.message || box.dataset.msgUnknown.replace("%(code)s", code), false);
    }
  }

  function lookUp(code) {
    var url = box.dataset.scanUrl + "?warehouse=" + encodeURIComponent(warehouseCode()) +
      "&code=" + encodeURIComponent(code);
    return fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) { handle(data, code); })
      .catch(function () { announce(box.dataset.msgFailed.replace("%(code)s", code), false); });
  }

  input.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    event.preventDefault();  // a scan never submits the form
    var code = input.value.trim();
    input.value = "";
    if (code) { lookUp(code); }
  });

  // A line added from the SKU search results: <button data-add-sku="SKU">
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-sku]");
    if (button) {
      event.preventDefault();
      var qty = addItem(button.dataset.addSku, button.dataset.name);
      announce(box.dataset.msgItem.replace("%(sku)s", button.dataset.addSku)
        .replace("%(name)s", button.dataset.name || "").replace("%(qty)s", qty), true);
      input.focus();
      return;
    }
    if (event.target.closest("[data-add-line]")) {
      event.preventDefault();
      addRow();
      return;
    }
    var remove = event.target.closest("[data-remove-line]");
    if (remove) {
      event.preventDefault();
      remove.closest("[data-line]").remove();
    }
  });

  // Enter in a line's field (a scanner aimed at the wrong box) goes back to the scan box
  // instead of submitting the form.
  body.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("input")) {
      event.preventDefault();
      input.focus();
    }
  });

  // Stocktake: the difference follows the counted quantity as it is typed.
  document.addEventListener("input", function (event) {
    if (!event.target.matches('[name="line_counted"]')) { return; }
    var row = event.target.closest("[data-line]");
    var expectedCell = row.querySelector("[data-expected]");
    var differenceCell = row.querySelector("[data-difference]");
    if (!expectedCell || !differenceCell || expectedCell.dataset.expected === "") { return; }
    var counted = parseInt(event.target.value, 10);
    if (isNaN(counted)) { differenceCell.textContent = "—"; return; }
    var difference = counted - parseInt(expectedCell.dataset.expected, 10);
    differenceCell.textContent = (difference > 0 ? "+" : "") + difference;
    differenceCell.classList.toggle("text-danger", difference < 0);
  });

  input.focus();
})();
