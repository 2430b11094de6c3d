// The training page: the recorded run, step by step. Every number arrives as text, written by Python.
(function () {
  var data = pageData();
  var steps = data.steps, names = data.names, last = steps.length - 1, current = 0, timer = null;
  var chosen = null;  // a parameter's index, or null: the largest |∂L/∂w| of the step shown
  var CLASS_FILL = ["#c7d7f0", "#f3d3c9", "#d5ecd4", "#efe3b8", "#e0d0ef", "#cdeaea", "#f0d0e0",
                    "#dddddd", "#e8dccb", "#d0e0b0"];
  var CLASS_INK = ["#1f4e9c", "#c0392b", "#2e7d32", "#a17800", "#6a1b9a", "#00838f", "#ad1457",
                   "#424242", "#6d4c41", "#558b2f"];
  var $ = function (id) { return document.getElementById(id); };
  $("kept").textContent = data.kept;

  function term(t) { return t.charAt(0) === "-" ? "(" + t + ")" : t; }  // a negative number in a sum
  function svg(tag, attrs) {
    var el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (var k in attrs) el.setAttribute(k, attrs[k]);
    return el;
  }

  // -- the picture: draw_mlp's element p{k} is parameter k (a weight's edge, a bias's neuron) ------
  var zoomer = null, drawn = names.map(function (_, k) { return $("p" + k); });
  if (data.missing) {
    $("network").textContent = data.missing;
  } else {
    zoomer = zoomView($("network"));
    zoomer.fit();  // the whole network at load
    zoomer.shrink();
  }
  drawn.forEach(function (g, k) {
    if (!g) return;
    g.dataset.param = String(k);
    var path = g.querySelector("path");
    if (path) {  // a wider, invisible copy of the edge: easier to point at
      var hit = path.cloneNode(false);
      hit.setAttribute("class", "hit");
      g.appendChild(hit);
    }
    g.addEventListener("click", function () { chosen = k; show(current); });
    g.addEventListener("mouseenter", function () { tip(k); });
    g.addEventListener("mousemove", place);
    g.addEventListener("mouseleave", function () { $("tip").hidden = true; });
  });
  function paint(s) {  // each weight's colour and width at this step (viz.weight_pen's, from Python)
    if (!s.colour) return;  // no picture: a model that is no MLP
    data.weights.forEach(function (k, i) {
      var g = drawn[k];
      if (!g) return;
      var colour = data.palette[Number(s.colour.charAt(i))], width = String(s.width[i]);
      g.querySelectorAll("path:not(.hit), polygon").forEach(function (shape) {
        shape.setAttribute("stroke", colour);
        shape.setAttribute("stroke-width", width);
        if (shape.tagName === "polygon") shape.setAttribute("fill", colour);
      });
    });
  }

  // -- one parameter's numbers: the update line, and the tip that follows the pointer ------------
  function isBias(k) { return data.weights.indexOf(k) < 0; }
  function lines(s, k) {
    var p = isBias(k) ? "b" : "w", grad = "∂L/∂" + p, head = names[k] + ":  " + p + " ← " + p;
    if (s.plain) {
      return {update: head + " − α·" + grad + " = " + s.w[k] + " − " + s.lr + " × " + term(s.g[k]) + " = " + s.a[k],
              why: "Gradient descent: the step against the gradient, scaled by the learning rate α."};
    }
    return {update: head + " + Δ" + p + " = " + s.w[k] + " + " + term(s.d[k]) + " = " + s.a[k],
            why: "Δ" + p + " is the step the optimizer took (momentum, Adam or weight decay): plain " +
                 "gradient descent would take −α·" + grad + " = −" + s.lr + " × " + term(s.g[k]) + "."};
  }
  function tip(k) {
    var s = steps[current], p = isBias(k) ? "b" : "w";
    $("tip").textContent = names[k] + (isBias(k) ? " (the neuron's bias)" : "") + "\n" +
      p + " = " + s.w[k] + "\n∂L/∂" + p + " = " + s.g[k] + "\n" + lines(s, k).update.split(":  ")[1];
    $("tip").hidden = false;
  }
  function place(e) {
    var box = $("network").getBoundingClientRect(), t = $("tip");
    t.style.left = Math.min(e.clientX - box.left + 14, box.width - t.offsetWidth - 4) + "px";
    t.style.top = Math.min(e.clientY - box.top + 14, box.height - t.offsetHeight - 4) + "px";
  }
  function update(s) {
    var k = chosen === null ? s.largest : chosen, said = lines(s, k);
    $("update").textContent = said.update;
    $("why").textContent = (chosen === null ? "The parameter with the largest |∂L/∂w| at this step. " : "") + said.why;
    drawn.forEach(function (g, j) { if (g) g.classList.toggle("chosen", j === k); });
  }

  // -- the loss curve: the axis labels are measured first, so none is cut off ---------------------
  var curve = $("curve"), W = 360, H = 200, right = 10, top = 10, bottom = 26, axis = data.axis;
  var labels = [[axis.highText, top + 4], [axis.lowText, H - bottom]].map(function (t) {
    var label = svg("text", {y: t[1], "text-anchor": "end", "font-size": 10, fill: "#6b7280"});
    label.textContent = t[0];
    curve.appendChild(label);
    return label;
  });
  var left = 8 + Math.max.apply(null, labels.map(function (l) { return l.getComputedTextLength(); }));
  labels.forEach(function (l) { l.setAttribute("x", left - 4); });
  var scale = axis.log ? Math.log : function (v) { return v; };
  var high = axis.high > axis.low ? axis.high : axis.low + 1, low = axis.low;
  function cx(k) { return left + (W - left - right) * (data.total > 1 ? (k - 1) / (data.total - 1) : 0.5); }
  function cy(v) {
    var at = (scale(high) - scale(Math.min(high, Math.max(low, v)))) / (scale(high) - scale(low));
    return top + (H - top - bottom) * at;
  }
  function points(upto) {
    return data.curve.filter(function (p) { return p[0] <= upto && p[1] !== null; })
      .map(function (p) { return cx(p[0]).toFixed(1) + "," + cy(p[1]).toFixed(1); }).join(" ");
  }
  [[left, H - bottom, W - right, H - bottom], [left, top, left, H - bottom]].forEach(function (l) {
    curve.appendChild(svg("line", {x1: l[0], y1: l[1], x2: l[2], y2: l[3], stroke: "#9ca3af"}));
  });
  if (axis.log) {
    var note = svg("text", {x: W - right, y: top + 4, "text-anchor": "end", "font-size": 10, fill: "#6b7280"});
    note.textContent = "log scale";
    curve.appendChild(note);
  }
  [[1, "start"], [data.total, "end"]].forEach(function (t) {
    var label = svg("text", {x: cx(t[0]), y: H - 8, "text-anchor": t[1], "font-size": 10, fill: "#6b7280"});
    label.textContent = "step " + t[0];
    curve.appendChild(label);
  });
  curve.appendChild(svg("polyline", {points: points(data.total), fill: "none", stroke: "#e5e7eb",
                                     "stroke-width": 1.5}));
  var done = svg("polyline", {id: "curve-done", fill: "none", stroke: "#2563eb", "stroke-width": 1.8});
  var dot = svg("circle", {id: "curve-dot", r: 4, fill: "#dc2626"});
  curve.appendChild(done);
  curve.appendChild(dot);

  // -- the predictions: a decision boundary (2-D inputs), the first examples, or a confusion matrix
  var box = $("predictions"), canvas = null, table = null, examples = null;
  if (data.examples) {
    $("predictions-title").textContent = "The first examples: what the model says";
    examples = document.createElement("table");
    examples.id = "examples";
    box.appendChild(examples);
  } else if (data.grid) {
    $("predictions-title").textContent = "Decision boundary";
    canvas = document.createElement("canvas");
    canvas.id = "boundary"; canvas.width = 312; canvas.height = 312;
    box.appendChild(canvas);
    var legend = document.createElement("p");
    legend.className = "note";
    legend.textContent = "Shade: the class the model says there. Dots: the data, coloured by label; " +
      "a black ring marks one it gets wrong.";
    box.appendChild(legend);
  } else {
    $("predictions-title").textContent = "Confusion matrix (row: true label, column: predicted)";
    table = document.createElement("table");
    table.id = "confusion";
    box.appendChild(table);
  }
  var cells = document.createElement("canvas");  // one pixel a grid cell, scaled up smoothly
  cells.width = cells.height = data.grid || 1;
  function boundary(s) {
    var ctx = canvas.getContext("2d"), n = data.grid, b = data.box;
    var small = cells.getContext("2d"), image = small.createImageData(n, n);
    for (var i = 0; i < n * n; i++) {
      var hex = CLASS_FILL[parseInt(s.cells.charAt(i), 36) % CLASS_FILL.length] || "#ffffff";
      for (var c = 0; c < 3; c++) image.data[4 * i + c] = parseInt(hex.substr(1 + 2 * c, 2), 16);
      image.data[4 * i + 3] = 255;
    }
    small.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;  // blends neighbouring cells: the boundary runs between centres
    ctx.drawImage(cells, 0, 0, canvas.width, canvas.height);
    var wrong = {};
    s.wrong.forEach(function (i) { wrong[i] = true; });
    data.points.forEach(function (p, i) {
      var x = (p[0] - b[0]) / (b[1] - b[0]) * canvas.width, y = (b[3] - p[1]) / (b[3] - b[2]) * canvas.height;
      ctx.beginPath(); ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = CLASS_INK[p[2] % CLASS_INK.length]; ctx.fill();
      ctx.lineWidth = wrong[i] ? 2 : 0.5; ctx.strokeStyle = wrong[i] ? "#000000" : "#ffffff"; ctx.stroke();
    });
  }
  function cell(tag, text, className) {
    var el = document.createElement(tag);
    el.textContent = text;  // a label or an example is text, whatever characters it holds
    if (className) el.className = className;
    return el;
  }
  function said(s) {  // each example, its label, and what the model says at this step
    examples.textContent = "";
    var head = document.createElement("tr");
    ["example", "label", "the model says"].forEach(function (t) { head.appendChild(cell("th", t)); });
    examples.appendChild(head);
    data.examples.forEach(function (e, i) {
      var tr = document.createElement("tr"), right = s.said[i] === e[1];
      tr.appendChild(cell("td", e[0]));
      tr.appendChild(cell("td", e[1]));
      tr.appendChild(cell("td", s.said[i] + (right ? " ✓" : " ✗"), right ? "diagonal" : ""));
      examples.appendChild(tr);
    });
  }
  function confusion(s) {
    table.textContent = "";
    var head = document.createElement("tr");
    head.appendChild(cell("th", ""));
    data.classes.forEach(function (c) { head.appendChild(cell("th", c)); });
    table.appendChild(head);
    s.confusion.forEach(function (row, t) {
      var tr = document.createElement("tr");
      tr.appendChild(cell("th", data.classes[t]));
      row.forEach(function (n, p) { tr.appendChild(cell("td", n ? String(n) : "·", p === t ? "diagonal" : "")); });
      table.appendChild(tr);
    });
  }

  // -- the controls -------------------------------------------------------------------------------
  var slider = $("slider");
  slider.max = String(last);
  function show(k) {
    current = Math.max(0, Math.min(last, k));
    var s = steps[current];
    slider.value = String(current);
    $("counter").textContent = "Step " + s.k + " of " + data.total;
    $("stats").textContent = "loss " + s.loss + " · accuracy " + s.acc + " · α = " + s.lr;
    done.setAttribute("points", points(s.k));
    if (s.lossValue !== null) {
      dot.setAttribute("cx", cx(s.k));
      dot.setAttribute("cy", cy(s.lossValue));
    }
    paint(s);
    if (examples) said(s); else if (canvas) boundary(s); else confusion(s);
    update(s);
  }
  function pause() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    $("play").textContent = "▶ Play";
  }
  function play() {
    if (current === last) show(0);
    $("play").textContent = "⏸ Pause";
    timer = setInterval(function () { if (current >= last) pause(); else show(current + 1); }, 125);
  }
  $("play").addEventListener("click", function () { if (timer === null) play(); else pause(); });
  $("first").addEventListener("click", function () { pause(); show(0); });
  $("prev").addEventListener("click", function () { pause(); show(current - 1); });
  $("next").addEventListener("click", function () { pause(); show(current + 1); });
  $("end").addEventListener("click", function () { pause(); show(last); });
  $("largest").addEventListener("click", function () { chosen = null; show(current); });
  $("zoom-in").addEventListener("click", function () { if (zoomer) zoomer.zoom(1.25); });
  $("zoom-out").addEventListener("click", function () { if (zoomer) zoomer.zoom(0.8); });
  $("fit").addEventListener("click", function () { if (zoomer) zoomer.fit(); });
  slider.addEventListener("input", function () { pause(); show(parseInt(slider.value, 10)); });
  document.addEventListener("keydown", function (e) {
    if (zoomer && zoomKey(e, zoomer)) { e.preventDefault(); return; }
    if (e.target === slider && (e.key === "ArrowLeft" || e.key === "ArrowRight")) return;  // the slider's own
    if (e.key === " ") { e.preventDefault(); if (timer === null) play(); else pause(); return; }
    var to = {ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: last}[e.key];
    if (to !== undefined) { e.preventDefault(); pause(); show(to); }
  });
  show(0);
})();
