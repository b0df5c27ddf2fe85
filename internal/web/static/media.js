// The media library works without this file: the focal point has its own
// x/y form. Here a click (or tap) on an image sets it, and the current
// point is drawn over the image.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".focal-frame").forEach(function (frame) {
    var img = frame.querySelector("img.focal-pick");
    var dot = frame.querySelector(".focal-dot");
    var place = function (x, y) {
      dot.style.left = x + "%";
      dot.style.top = y + "%";
      dot.classList.add("placed");
    };
    place(parseFloat(dot.dataset.x), parseFloat(dot.dataset.y));
    var form = document.getElementById(img.dataset.form);
    if (!form) return; // a viewer: nothing to set
    img.classList.add("can-pick");
    img.addEventListener("click", function (ev) {
      var r = img.getBoundingClientRect();
      var x = Math.round(((ev.clientX - r.left) / r.width) * 1000) / 10;
      var y = Math.round(((ev.clientY - r.top) / r.height) * 1000) / 10;
      x = Math.min(100, Math.max(0, x));
      y = Math.min(100, Math.max(0, y));
      form.elements.x.value = x;
      form.elements.y.value = y;
      place(x, y);
      form.requestSubmit();
    });
  });
});
