// Kucun console behaviour shared by every page.
(function () {
  "use strict";
  // "Select all" checkbox for bulk actions: <input type="checkbox" data-select-all="name">
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches("[data-select-all]")) { return; }
    document.querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]')
      .forEach(function (other) { other.checked = box.checked; });
  });
  // Destructive actions ask once: <form data-confirm="Really?">
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = (event.submitter && event.submitter.dataset.confirm) || form.dataset.confirm;
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
