// The calendar's drag and drop and keyboard moves. Without this file every
// scheduled story still has a Move link to a form doing the same.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var cal = document.getElementById("cal");
  var form = document.getElementById("cal-move");
  var live = document.getElementById("cal-live");
  if (!cal || !form || !live) return;
  var week = cal.dataset.view === "week";

  function say(msg) {
    live.textContent = "";
    // A fresh node after a tick is announced even when the words repeat.
    setTimeout(function () { live.textContent = msg; }, 50);
  }
  function fill(msg, vals) {
    return msg.replace(/\{(\w+)\}/g, function (m, k) { return k in vals ? vals[k] : m; });
  }
  function cells() { return Array.prototype.slice.call(cal.querySelectorAll("td[data-drop]")); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // The time a story gets in a cell: another day keeps the time of day; a
  // week's hour slot takes its hour and keeps the minutes.
  function timeIn(item, cell) {
    var t = item.dataset.time;
    if (cell.dataset.hour !== undefined) return pad(+cell.dataset.hour) + t.slice(2);
    return t;
  }
  function send(item, cell) {
    var time = timeIn(item, cell);
    if (cell.dataset.date === item.dataset.date && time === item.dataset.time) {
      say(cal.dataset.msgSame);
      return false;
    }
    form.elements.story.value = item.dataset.story;
    form.elements.date.value = cell.dataset.date;
    form.elements.time.value = time;
    say(fill(cal.dataset.msgMoving, { title: item.dataset.title, date: cell.dataset.label, time: time }));
    form.submit();
    return true;
  }

  // Drag with the pointer: a press that moves more than a few pixels.
  var drag = null;
  function targetAt(x, y) {
    var el = document.elementFromPoint(x, y);
    return el && el.closest ? el.closest("td[data-drop]") : null;
  }
  function mark(cell) {
    cal.querySelectorAll("td.drop-target").forEach(function (c) { if (c !== cell) c.classList.remove("drop-target"); });
    if (cell) cell.classList.add("drop-target");
  }
  cal.addEventListener("pointerdown", function (ev) {
    var item = ev.target.closest(".cal-item.movable");
    if (!item || ev.button !== 0) return;
    drag = { item: item, x: ev.clientX, y: ev.clientY, on: false, id: ev.pointerId };
  });
  document.addEventListener("pointermove", function (ev) {
    if (!drag || ev.pointerId !== drag.id) return;
    if (!drag.on) {
      if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) < 6) return;
      drag.on = true;
      drag.ghost = drag.item.cloneNode(true);
      drag.ghost.removeAttribute("id");
      drag.ghost.classList.add("cal-ghost");
      document.body.appendChild(drag.ghost);
      drag.item.classList.add("dragging");
    }
    ev.preventDefault();
    drag.ghost.style.left = ev.clientX + 8 + "px";
    drag.ghost.style.top = ev.clientY + 8 + "px";
    mark(targetAt(ev.clientX, ev.clientY));
  });
  function endDrag(ev, drop) {
    if (!drag || ev.pointerId !== drag.id) return;
    var d = drag;
    drag = null;
    if (!d.on) return;
    d.ghost.remove();
    d.item.classList.remove("dragging");
    mark(null);
    // The click that ends a drag must not open the story.
    var swallow = function (e) { e.preventDefault(); e.stopPropagation(); };
    d.item.addEventListener("click", swallow, { capture: true, once: true });
    setTimeout(function () { d.item.removeEventListener("click", swallow, { capture: true }); }, 0);
    var cell = drop ? targetAt(ev.clientX, ev.clientY) : null;
    if (cell) send(d.item, cell);
  }
  // Links inside a story would start the browser's own drag of a URL.
  cal.addEventListener("dragstart", function (ev) {
    if (ev.target.closest && ev.target.closest(".cal-item.movable")) ev.preventDefault();
  });
  document.addEventListener("pointerup", function (ev) { endDrag(ev, true); });
  document.addEventListener("pointercancel", function (ev) { endDrag(ev, false); });

  // Move with the keyboard: M, the arrow keys, Enter; Escape cancels.
  var kb = null;
  function announceTarget() {
    say(fill(cal.dataset.msgTarget, { date: kb.cell.dataset.label, time: timeIn(kb.item, kb.cell) }));
  }
  function stopKeys() {
    if (!kb) return;
    kb.item.classList.remove("moving");
    mark(null);
    kb = null;
  }
  cal.addEventListener("keydown", function (ev) {
    var item = ev.target.closest && ev.target.closest(".cal-item.movable");
    if (!kb) {
      if (item && ev.target === item && (ev.key === "m" || ev.key === "M") && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
        ev.preventDefault();
        kb = { item: item, cell: item.closest("td[data-drop]") };
        item.classList.add("moving");
        mark(kb.cell);
        say(fill(cal.dataset.msgStart, { title: item.dataset.title }));
      }
      return;
    }
    var all = cells(), i = all.indexOf(kb.cell), next = null;
    switch (ev.key) {
      case "ArrowLeft": case "ArrowRight": {
        var step = ev.key === "ArrowLeft" ? -1 : 1;
        if (week) {
          // Cells run row by row (hours), seven a row.
          next = all[i + step];
          if (next && next.dataset.hour !== kb.cell.dataset.hour) next = null;
        } else {
          next = all[i + step];
        }
        break;
      }
      case "ArrowUp": case "ArrowDown":
        next = all[i + (ev.key === "ArrowUp" ? -7 : 7)];
        break;
      case "Enter":
        ev.preventDefault();
        var it = kb.item, cell = kb.cell;
        if (!send(it, cell)) stopKeys();
        return;
      case "Escape":
        ev.preventDefault();
        stopKeys();
        say(cal.dataset.msgCancel);
        return;
      case "Tab":
        stopKeys();
        return;
      default:
        return;
    }
    ev.preventDefault();
    if (next) {
      kb.cell = next;
      mark(next);
      next.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    announceTarget();
  });

  // Clicking the empty part of a day writes a story for it.
  cal.addEventListener("click", function (ev) {
    if (ev.target.closest("a, button, .cal-item, input, select")) return;
    var day = ev.target.closest("td.day");
    var link = day && day.querySelector("a.day-link");
    if (link) link.click();
  });

  // After a move: the story is shown where it went, the news is read out,
  // and the offer to undo lasts a few seconds.
  var undo = document.getElementById("cal-undo");
  if (undo) {
    var moved = document.getElementById("story-" + undo.dataset.story);
    if (moved) {
      if (moved.tabIndex >= 0) moved.focus({ preventScroll: true });
      moved.scrollIntoView({ block: "center" });
    }
    say(undo.querySelector("p").textContent);
    var button = undo.querySelector("form button");
    if (button) {
      setTimeout(function () {
        if (undo.contains(document.activeElement)) return; // someone is about to press it
        undo.querySelector("form").remove();
      }, (+undo.dataset.seconds || 10) * 1000);
    }
  }
  // For the browser benchmark: the calendar can be used from here.
  if (window.performance && performance.mark) performance.mark("calendar-ready");
});
