// The compose page works without this file (the "Refresh previews" button
// redraws the page); with it, previews follow the typing.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("compose-form");
  if (!form) return;
  document.documentElement.classList.add("js");
  var timer = null, seq = 0;

  function refresh() {
    var body = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (typeof value === "string" && key !== "action") body.append(key, value);
    });
    var mine = ++seq;
    fetch(form.dataset.preview, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (r) {
      if (!r.ok) throw new Error("preview " + r.status);
      return r.text();
    }).then(function (html) {
      if (mine !== seq) return; // a later answer is on its way
      var doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll("[data-slot]").forEach(function (part) {
        var slot = document.querySelector("[data-slot='" + part.dataset.slot + "']");
        if (slot) slot.innerHTML = part.innerHTML;
      });
      document.body.dataset.previewed = String(mine);
    }).catch(function () { /* the previews stay as they were */ });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  // A best-time button puts its hour on the chosen day.
  form.addEventListener("click", function (ev) {
    var b = ev.target.closest("button.slot");
    if (!b) return;
    var when = document.getElementById("when");
    var day = (when.value || "").slice(0, 10);
    if (!day) return;
    when.value = day + "T" + b.dataset.time;
    refresh();
  });
});
