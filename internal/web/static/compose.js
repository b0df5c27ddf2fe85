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
    // A refusal shown above the form was about what was sent, not what is
    // being typed now: the previews say what still stands.
    var refused = document.querySelector(".form-problem");
    if (refused) refused.hidden = true;
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  // Images are uploaded (and the previews redrawn with them) as soon as
  // they are chosen or dropped on the form.
  var files = document.getElementById("files");
  var refreshButton = form.querySelector("button.refresh");
  function upload() {
    if (files.files.length > 0) form.requestSubmit(refreshButton);
  }
  files.addEventListener("change", upload);
  var zone = form.querySelector(".dropzone");
  if (zone) zone.hidden = false;
  form.addEventListener("dragover", function (ev) {
    if (ev.dataTransfer && Array.prototype.indexOf.call(ev.dataTransfer.types, "Files") >= 0) {
      ev.preventDefault();
      form.classList.add("dragover");
    }
  });
  form.addEventListener("dragleave", function () { form.classList.remove("dragover"); });
  form.addEventListener("drop", function (ev) {
    if (!ev.dataTransfer || ev.dataTransfer.files.length === 0) return;
    ev.preventDefault();
    form.classList.remove("dragover");
    files.files = ev.dataTransfer.files;
    upload();
  });
  // Attached images are put in order by dragging them (or with the arrow
  // buttons, which work without this script).
  var dragged = null;
  form.querySelectorAll("li.image").forEach(function (li) {
    li.addEventListener("dragstart", function (ev) {
      dragged = li;
      li.classList.add("dragging");
      ev.dataTransfer.effectAllowed = "move";
      ev.dataTransfer.setData("text/plain", li.dataset.id);
    });
    li.addEventListener("dragend", function () {
      li.classList.remove("dragging");
      dragged = null;
    });
    li.addEventListener("dragover", function (ev) {
      if (!dragged || dragged === li) return;
      ev.preventDefault();
      var box = li.getBoundingClientRect();
      li.parentNode.insertBefore(dragged, ev.clientX < box.left + box.width / 2 ? li : li.nextSibling);
    });
    li.addEventListener("drop", function (ev) {
      if (!dragged) return;
      ev.preventDefault();
      ev.stopPropagation();
      refresh();
    });
  });
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
