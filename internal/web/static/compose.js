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
  // The library picker. Without this script it is a <details> in the form
  // whose buttons submit the form; here it becomes a modal dialog (labelled
  // by its heading, closed by Escape, focus back on its opener) that
  // searches as the person types. Ticked images are remembered across
  // searches and sent with the form by "Attach".
  var picker = document.getElementById("picker");
  if (picker && typeof HTMLDialogElement === "function") {
    var pbody = picker.querySelector(".picker-body");
    var opener = document.createElement("button");
    opener.type = "button";
    opener.id = "picker-open";
    opener.className = "button picker-open";
    opener.setAttribute("aria-haspopup", "dialog");
    opener.textContent = picker.querySelector("summary").textContent;
    var dialog = document.createElement("dialog");
    dialog.id = "picker-dialog";
    dialog.className = "picker-dialog";
    dialog.setAttribute("aria-labelledby", "picker-title");
    dialog.setAttribute("aria-describedby", "picker-help");
    var closer = document.createElement("button");
    closer.type = "button";
    closer.className = "button picker-close";
    closer.textContent = pbody.dataset.close;
    pbody.querySelector(".picker-actions").appendChild(closer);
    var wasOpen = picker.open;
    dialog.appendChild(pbody);
    picker.replaceWith(opener);
    opener.after(dialog);

    var slot = pbody.querySelector("[data-slot='picker-list']");
    var status = document.getElementById("picker-status");
    var q = document.getElementById("library_q"), tag = document.getElementById("library_tag");
    var chosen = [];
    pbody.querySelectorAll("input[name='pick']").forEach(function (i) {
      if ((i.type === "hidden" || i.checked) && !i.disabled && chosen.indexOf(i.value) < 0) chosen.push(i.value);
    });
    var pseq = 0, ptimer = null;
    function load(cursor) {
      var qs = new URLSearchParams();
      qs.set("library_q", q.value);
      qs.set("library_tag", tag.value);
      if (cursor) qs.set("library_cursor", cursor);
      form.querySelectorAll("input[name='media']").forEach(function (i) { qs.append("media", i.value); });
      chosen.forEach(function (id) { qs.append("pick", id); });
      var mine = ++pseq;
      fetch("/compose/library?" + qs.toString(), { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error("library " + r.status);
        return r.text();
      }).then(function (html) {
        if (mine !== pseq) return;
        var part = new DOMParser().parseFromString(html, "text/html").querySelector("[data-slot='picker-list']");
        if (!part) return;
        slot.innerHTML = part.innerHTML;
        var count = slot.querySelector(".picker-count");
        if (count && status) status.textContent = count.textContent;
        dialog.dataset.loaded = String(mine);
      }).catch(function () { /* the list stays as it was */ });
    }
    // The picker's typing and ticking are not the story's: no preview.
    dialog.addEventListener("input", function (ev) {
      ev.stopPropagation();
      if (ev.target === q) {
        clearTimeout(ptimer);
        ptimer = setTimeout(function () { load(""); }, 250);
      }
    });
    dialog.addEventListener("change", function (ev) {
      ev.stopPropagation();
      var t = ev.target;
      if (t === tag) load("");
      if (t.name === "pick" && t.type === "checkbox") {
        var at = chosen.indexOf(t.value);
        if (t.checked && at < 0) chosen.push(t.value);
        if (!t.checked && at >= 0) chosen.splice(at, 1);
      }
    });
    q.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        ev.preventDefault();
        clearTimeout(ptimer);
        load("");
      }
    });
    dialog.addEventListener("click", function (ev) {
      var b = ev.target.closest("button");
      if (!b) return;
      if (b.name === "library_cursor" || b.classList.contains("picker-find")) {
        ev.preventDefault();
        load(b.name === "library_cursor" ? b.value : "");
      } else if (b.classList.contains("picker-attach")) {
        // The ticked images not on the page shown go with the form too,
        // in the order they were ticked.
        slot.querySelectorAll("input[type='hidden'][name='pick']").forEach(function (i) { i.remove(); });
        slot.querySelectorAll("input[type='checkbox'][name='pick']").forEach(function (c) { if (!c.disabled) c.checked = false; });
        chosen.forEach(function (id) {
          var h = document.createElement("input");
          h.type = "hidden";
          h.name = "pick";
          h.value = id;
          slot.appendChild(h);
        });
      } else if (b === closer) {
        dialog.close();
      }
    });
    dialog.addEventListener("close", function () { opener.focus(); });
    opener.addEventListener("click", function () { dialog.showModal(); });
    if (wasOpen) dialog.showModal();
    // After an attach, focus is back where the person left it.
    else if (form.querySelector(".attached-note")) opener.focus();
  }

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
