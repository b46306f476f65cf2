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
  // A receipt, issue or transfer lists the items that move: a bundle entered is expanded.
  var expandsBundles = mode === "lines" || mode === "transfer";
  var table = document.querySelector("[data-lines-table]");
  var notices = document.getElementById("line-notices");

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

  // Where a line's stock comes from or goes: its bin, or a transfer's from-bin and to-bin.
  var placeFields = mode === "transfer" ? ["line_from_bin", "line_to_bin"] : ["line_bin"];

  function placeOf(row) {
    return placeFields.map(function (name) { return field(row, name).value.trim(); });
  }

  function currentPlace() {
    return mode === "transfer" ? [currentBin, currentToBin] : [currentBin];
  }

  function atPlace(row, place) {
    return placeFields.every(function (name, i) { return same(field(row, name).value, place[i]); });
  }

  function putAt(row, place) {
    placeFields.forEach(function (name, i) { field(row, name).value = place[i]; });
  }

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (match, name) {
      return values[name] === undefined ? match : values[name];
    });
  }

  // A receipt, issue or transfer lists the items that move, never a bundle (it holds no
  // stock): a bundle entered on a line is replaced at once by its components, each quantity
  // times the count, in the same place (bin, or a transfer's from-bin and to-bin), added to a
  // line of the same item and place when there is one. Nothing is saved meanwhile.
  function expandBundle(bundle, count, place, replaced) {
    var parts = bundle.components || [];
    if (!parts.length) {
      announce(fill(box.dataset.msgBundleEmpty, { sku: bundle.sku }), false);
      return false;
    }
    var listed = [];
    parts.forEach(function (part) {
      var qty = part.qty * count;
      listed.push(qty + " × " + part.sku);
      var rows = body.querySelectorAll("[data-line]");
      for (var i = 0; i < rows.length; i++) {
        var qtyField = field(rows[i], qtyName);
        if (rows[i] !== replaced && same(field(rows[i], "line_sku").value, part.sku) &&
            atPlace(rows[i], place) && parseInt(qtyField.value, 10) > 0) {
          qtyField.value = parseInt(qtyField.value, 10) + qty;
          return;
        }
      }
      var row = replaced || emptyRow() || addRow();
      replaced = null;
      field(row, "line_sku").value = part.sku;
      var nameCell = row.querySelector("[data-item-name]");
      if (nameCell) { nameCell.textContent = part.name || ""; }
      field(row, qtyName).value = qty;
      putAt(row, place);
    });
    if (replaced) { replaced.remove(); }
    var message = fill(box.dataset.msgBundle, {
      qty: count, sku: bundle.sku, components: listed.sort(function (a, b) {
        return a.split(" × ")[1] < b.split(" × ")[1] ? -1 : 1;
      }).join(", ")
    });
    if (notices) {
      var alert = document.createElement("div");
      alert.className = "alert alert-info py-2";
      alert.dataset.lineNotice = "";
      alert.textContent = message;
      notices.appendChild(alert);
    }
    announce(message, true);
    return true;
  }

  function handle(data, code) {
    if (data.type === "item" && data.is_bundle && expandsBundles) {
      expandBundle(data, 1, currentPlace(), null);
    } else if (data.type === "item") {
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

  function getJson(url) {
    return fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); });
  }

  function scanData(code) {
    return getJson(box.dataset.scanUrl + "?warehouse=" + encodeURIComponent(warehouseCode()) +
      "&code=" + encodeURIComponent(code));
  }

  function lookUp(code) {
    return scanData(code)
      .then(function (data) { handle(data, code); })
      .catch(function () { announce(box.dataset.msgFailed.replace("%(code)s", code), false); });
  }

  // A SKU typed or picked on a line: a bundle is replaced by its components there and then.
  function checkBundle(row) {
    var sku = field(row, "line_sku").value.trim();
    if (!expandsBundles || !sku || same(row.dataset.checking, sku)) { return; }
    row.dataset.checking = sku;  // a pick then leaving the cell asks once
    scanData(sku).then(function (data) {
      delete row.dataset.checking;
      if (data.type !== "item" || !data.is_bundle || !same(field(row, "line_sku").value, sku)) {
        return;
      }
      var count = parseInt(field(row, qtyName).value, 10);
      expandBundle(data, count > 0 ? count : 1, placeOf(row), row);
    }).catch(function () { /* the server expands it on saving */ });
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
    if (button && button.dataset.bundle && expandsBundles) {
      event.preventDefault();
      scanData(button.dataset.addSku).then(function (data) {
        expandBundle(data, 1, currentPlace(), null);
      });
      input.focus();
      return;
    }
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

  // Search as you type in a line's SKU and bin cells, made for the keyboard and a scanner:
  // arrow keys move through the suggestions, Enter takes the highlighted one (else the first
  // match, fetched there and then if the typing was faster than the suggestions) and moves to
  // the next cell; Escape closes the list. Enter never submits the form.
  var suggest = { input: null, list: null, items: [], text: null, active: -1, timer: null, seq: 0 };

  function suggestKind(target) {
    if (!table || !target.matches || !target.matches("input")) { return null; }
    if (target.name === "line_sku") { return "item"; }
    if (/^line_(from_|to_)?bin$/.test(target.name)) { return "bin"; }
    return null;
  }

  function suggestWarehouse(target) {
    var to = document.querySelector("#id_to_warehouse");
    return target.name === "line_to_bin" && to && to.value ? to.value : warehouseCode();
  }

  function fetchSuggestions(target) {
    var text = target.value.trim();
    var kind = suggestKind(target);
    if (!text) { return Promise.resolve({ text: text, items: [] }); }
    var url = kind === "item"
      ? table.dataset.itemSuggestUrl + "?q=" + encodeURIComponent(text)
      : table.dataset.binSuggestUrl + "?warehouse=" + encodeURIComponent(suggestWarehouse(target)) +
        "&q=" + encodeURIComponent(text);
    return getJson(url).then(function (data) {
      return { text: text, items: kind === "item" ? data.items : data.bins };
    });
  }

  function closeSuggestions() {
    if (suggest.list) { suggest.list.remove(); }
    if (suggest.input) {
      suggest.input.setAttribute("aria-expanded", "false");
      suggest.input.removeAttribute("aria-activedescendant");
    }
    suggest.list = null;
    suggest.items = [];
    suggest.text = null;
    suggest.active = -1;
  }

  function highlight(index) {
    if (!suggest.list) { return; }
    var options = suggest.list.querySelectorAll("[role=option]");
    suggest.active = Math.max(0, Math.min(index, options.length - 1));
    for (var i = 0; i < options.length; i++) {
      var on = i === suggest.active;
      options[i].classList.toggle("active", on);
      options[i].setAttribute("aria-selected", on ? "true" : "false");
      if (on) {
        suggest.input.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      }
    }
  }

  function showSuggestions(target, result) {
    closeSuggestions();
    suggest.input = target;
    suggest.items = result.items;
    suggest.text = result.text;
    if (!result.items.length) { return; }
    var kind = suggestKind(target);
    var list = document.createElement("div");
    list.className = "list-group position-absolute shadow-sm line-suggestions";
    list.id = "line-suggestions";
    list.setAttribute("role", "listbox");
    list.style.zIndex = 1050;
    list.style.minWidth = "16rem";
    result.items.forEach(function (entry, index) {
      var option = document.createElement("div");
      option.className = "list-group-item list-group-item-action py-1";
      option.id = "line-suggestion-" + index;
      option.setAttribute("role", "option");
      option.dataset.index = index;
      option.textContent = kind === "item"
        ? entry.sku + " · " + entry.name + (entry.barcode ? " · " + entry.barcode : "") +
          (entry.is_bundle ? " · " + (table.dataset.bundleLabel || "bundle") : "")
        : entry.code + (entry.zone ? " · " + entry.zone : "");
      list.appendChild(option);
    });
    target.parentElement.style.position = "relative";
    target.parentElement.appendChild(list);
    target.setAttribute("aria-controls", list.id);
    target.setAttribute("aria-expanded", "true");
    suggest.list = list;
    highlight(0);
  }

  function choose(target, entry) {
    var row = target.closest("[data-line]");
    closeSuggestions();
    if (suggestKind(target) === "item") {
      target.value = entry.sku;
      var nameCell = row.querySelector("[data-item-name]");
      if (nameCell) { nameCell.textContent = entry.name || ""; }
      if (entry.is_bundle) { checkBundle(row); }
    } else {
      target.value = entry.code;
    }
  }

  function nextCell(target) {
    var row = target.closest("[data-line]");
    var cells = row.querySelectorAll("input:not([type=hidden])");
    var index = Array.prototype.indexOf.call(cells, target);
    if (index >= 0 && index < cells.length - 1) {
      cells[index + 1].focus();
      cells[index + 1].select();
      return;
    }
    var next = row.nextElementSibling || addRow();
    var first = next.querySelector("input:not([type=hidden])");
    if (first) { first.focus(); }
  }

  body.addEventListener("input", function (event) {
    var target = event.target;
    if (!suggestKind(target)) { return; }
    clearTimeout(suggest.timer);
    var seq = ++suggest.seq;
    suggest.timer = setTimeout(function () {
      fetchSuggestions(target).then(function (result) {
        if (seq === suggest.seq && document.activeElement === target) {
          showSuggestions(target, result);
        }
      }).catch(function () { closeSuggestions(); });
    }, 150);
  });

  body.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.matches("input")) { return; }
    if (!table) {
      // Stocktake counts: Enter (or a scanner aimed at a count) goes back to the scan box.
      if (event.key === "Enter") { event.preventDefault(); input.focus(); }
      return;
    }
    var open = suggest.list && suggest.input === target;
    if (open && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      highlight(suggest.active + (event.key === "ArrowDown" ? 1 : -1));
      return;
    }
    if (event.key === "Escape" && open) {
      event.preventDefault();
      closeSuggestions();
      return;
    }
    if (event.key !== "Enter") { return; }
    event.preventDefault();  // Enter in a line never submits the form
    if (!suggestKind(target) || !target.value.trim()) {
      closeSuggestions();
      nextCell(target);
      return;
    }
    clearTimeout(suggest.timer);
    suggest.seq++;
    if (open && suggest.text === target.value.trim() && suggest.items.length) {
      choose(target, suggest.items[Math.max(suggest.active, 0)]);
      nextCell(target);
      return;
    }
    // Typed (or scanned) faster than the suggestions came: take the first match now.
    fetchSuggestions(target).then(function (result) {
      if (result.items.length && result.text === target.value.trim()) {
        choose(target, result.items[0]);
      } else {
        closeSuggestions();
      }
      nextCell(target);
    }).catch(function () { nextCell(target); });
  });

  body.addEventListener("mousedown", function (event) {
    var option = event.target.closest("[role=option]");
    if (!option || !suggest.input) { return; }
    event.preventDefault();  // keep the focus in the cell
    var target = suggest.input;
    choose(target, suggest.items[parseInt(option.dataset.index, 10)]);
    nextCell(target);
  });

  body.addEventListener("focusout", function (event) {
    if (event.target === suggest.input) { closeSuggestions(); }
  });

  // A bundle SKU typed into a line and left without picking a suggestion.
  body.addEventListener("change", function (event) {
    if (event.target.name === "line_sku") { checkBundle(event.target.closest("[data-line]")); }
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
