// Ferry's web UI works without this file; it only saves a click or two.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // Filters marked data-autosubmit apply as soon as they change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () {
      if (el.form) el.form.requestSubmit();
    });
  });
  // A form is sent once: its submit button is disabled while it goes.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (form.dataset.sent) {
        ev.preventDefault();
        return;
      }
      form.dataset.sent = "1";
    });
  });
});
