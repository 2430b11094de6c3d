// What both pages share: their data, and a view that zooms and pans a Graphviz picture.
"use strict";

function pageData() {  // the JSON the page kit (tinygrad_edu/pages.py) put in the page
  return JSON.parse(document.getElementById("data").textContent);
}

// The SVG inside `box` shown through a window: scale is CSS px per unit of the drawing (Graphviz's
// points), (cx, cy) the drawing's point at the window's centre. Wheel and drag zoom and pan.
function zoomView(box) {
  var svg = box.querySelector("svg"), vb = svg.viewBox.baseVal;
  var whole = {x: vb.x, y: vb.y, w: vb.width, h: vb.height};
  var view = {scale: 1, cx: whole.x + whole.w / 2, cy: whole.y + whole.h / 2};
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  function draw() {
    var w = box.clientWidth / view.scale, h = box.clientHeight / view.scale;
    // the window stays on the drawing: centred on an axis the drawing is smaller than, else inside it
    view.cx = w >= whole.w ? whole.x + whole.w / 2 : Math.min(Math.max(view.cx, whole.x + w / 2), whole.x + whole.w - w / 2);
    view.cy = h >= whole.h ? whole.y + whole.h / 2 : Math.min(Math.max(view.cy, whole.y + h / 2), whole.y + whole.h - h / 2);
    svg.setAttribute("viewBox", [view.cx - w / 2, view.cy - h / 2, w, h].map(function (v) {
      return v.toFixed(2);
    }).join(" "));
  }
  function fitScale() { return Math.min(box.clientWidth / whole.w, box.clientHeight / whole.h); }
  function at(x, y) {  // a point of the window (CSS px from its top left) in the drawing's units
    return {x: view.cx + (x - box.clientWidth / 2) / view.scale,
            y: view.cy + (y - box.clientHeight / 2) / view.scale};
  }
  function zoom(factor, x, y) {  // keeps the drawing's point under (x, y) where it is
    if (x === undefined) { x = box.clientWidth / 2; y = box.clientHeight / 2; }
    var p = at(x, y);
    view.scale = Math.max(0.02, Math.min(20, view.scale * factor));
    view.cx = p.x - (x - box.clientWidth / 2) / view.scale;
    view.cy = p.y - (y - box.clientHeight / 2) / view.scale;
    draw();
  }
  function bounds(els) {  // the box around some elements, in the drawing's units
    var b = box.getBoundingClientRect(), r = {left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity};
    els.forEach(function (el) {
      var e = el.getBoundingClientRect();
      r = {left: Math.min(r.left, e.left), top: Math.min(r.top, e.top),
           right: Math.max(r.right, e.right), bottom: Math.max(r.bottom, e.bottom)};
    });
    var a = at(r.left - b.left, r.top - b.top), z = at(r.right - b.left, r.bottom - b.top);
    return {x: a.x, y: a.y, w: z.x - a.x, h: z.y - a.y};
  }
  var api = {
    view: view,
    fitScale: fitScale,
    fit: function () {
      view.scale = Math.min(2, fitScale() * 0.98);  // a small graph is not blown up past 2×
      view.cx = whole.x + whole.w / 2;
      view.cy = whole.y + whole.h / 2;
      draw();
    },
    zoom: zoom,
    pan: function (dx, dy) { view.cx -= dx / view.scale; view.cy -= dy / view.scale; draw(); },
    centre: function (els, scale) {  // the window centred on these elements (one, or a list)
      if (scale) { view.scale = scale; draw(); }
      var r = bounds([].concat(els));
      view.cx = r.x + r.w / 2;
      view.cy = r.y + r.h / 2;
      draw();
    },
    scaleToFit: function (els) {  // the scale at which these elements just fit the window
      var r = bounds([].concat(els));
      return 0.98 * Math.min(box.clientWidth / r.w, box.clientHeight / r.h);
    },
    shrink: function () {  // the window no taller than the drawing at this scale needs
      var needed = Math.ceil(whole.h * view.scale) + 24;
      if (needed < box.clientHeight) { box.style.height = needed + "px"; draw(); }
    },
    inside: function (els) {  // every one of these elements is wholly in the window
      var b = box.getBoundingClientRect();
      return [].concat(els).every(function (el) {
        var r = el.getBoundingClientRect();
        return r.left >= b.left && r.right <= b.right && r.top >= b.top && r.bottom <= b.bottom;
      });
    }
  };
  box.addEventListener("wheel", function (e) {
    e.preventDefault();
    var b = box.getBoundingClientRect();
    zoom(Math.exp(-e.deltaY * 0.0015), e.clientX - b.left, e.clientY - b.top);
  }, {passive: false});
  var drag = null;
  box.addEventListener("pointerdown", function (e) {
    drag = {x: e.clientX, y: e.clientY, moved: false};
  });
  box.addEventListener("pointermove", function (e) {
    if (!drag || (!drag.moved && Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) < 4)) return;
    if (!drag.moved) { drag.moved = true; box.classList.add("dragging"); box.setPointerCapture(e.pointerId); }
    api.pan(e.clientX - drag.x, e.clientY - drag.y);
    drag.x = e.clientX;
    drag.y = e.clientY;
  });
  function stop() { drag = null; box.classList.remove("dragging"); }
  box.addEventListener("pointerup", stop);
  box.addEventListener("pointercancel", stop);
  window.addEventListener("resize", draw);
  draw();
  return api;
}

// The zoom keys of a page: + and − zoom, 0 fits, Shift + arrow keys pan. True when the key was one.
function zoomKey(e, zoomer) {
  var pan = {ArrowLeft: [60, 0], ArrowRight: [-60, 0], ArrowUp: [0, 60], ArrowDown: [0, -60]}[e.key];
  if (e.shiftKey && pan) { zoomer.pan(pan[0], pan[1]); return true; }
  if (e.key === "+" || e.key === "=") { zoomer.zoom(1.25); return true; }
  if (e.key === "-" || e.key === "_") { zoomer.zoom(0.8); return true; }
  if (e.key === "0") { zoomer.fit(); return true; }
  return false;
}
