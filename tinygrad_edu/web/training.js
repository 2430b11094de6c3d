// The training page: the recorded run, step by step.
(function () {
  var data = pageData();
  document.getElementById("kept").textContent = data.kept;
  if (data.missing) document.getElementById("network").textContent = data.missing;
  var steps = data.steps, names = data.names, last = steps.length - 1, current = 0, timer = null;
  var chosen = null;  // a parameter's index, or null: the largest |∂L/∂w| of the step shown
  var COLOURS = {positive: "#2563eb", negative: "#dc2626", zero: "#9ca3af"};  // draw_mlp's
  var CLASS_FILL = ["#c7d7f0", "#f3d3c9", "#d5ecd4", "#efe3b8", "#e0d0ef", "#cdeaea", "#f0d0e0",
                    "#dddddd", "#e8dccb", "#d0e0b0"];
  var CLASS_INK = ["#1f4e9c", "#c0392b", "#2e7d32", "#a17800", "#6a1b9a", "#00838f", "#ad1457",
                   "#424242", "#6d4c41", "#558b2f"];
  var $ = function (id) { return document.getElementById(id); };

  function value(x) {  // a number of the data: not-finite ones are text
    return typeof x === "string" ? (x === "inf" ? Infinity : x === "-inf" ? -Infinity : NaN) : x;
  }
  function num(x) {  // Python's format(x, "#.4g"), the way draw_mlp writes numbers
    if (typeof x === "string") return x;
    if (x === 0) return "0.000";
    var parts = x.toExponential(3).split("e"), e = parseInt(parts[1], 10);
    if (e < -4 || e >= 4) {
      return parts[0] + "e" + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e);
    }
    var fixed = x.toFixed(3 - e);
    return e === 3 ? fixed + "." : fixed;
  }
  function term(x) { var t = num(x); return t.charAt(0) === "-" ? "(" + t + ")" : t; }
  function svg(tag, attrs) {
    var el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (var k in attrs) el.setAttribute(k, attrs[k]);
    return el;
  }

  // -- the picture: find each parameter's texts and shapes once ---------------------------
  var index = {};
  names.forEach(function (name, i) { index[name] = i; });
  var drawn = names.map(function () { return null; }), lossText = null;
  document.querySelectorAll("#network g.edge").forEach(function (g) {
    var texts = g.querySelectorAll("text");
    if (texts.length < 2) return;  // the dashed edges into the loss
    var i = index[texts[0].textContent.split(" = ")[0]];
    if (i !== undefined) drawn[i] = {weight: true, g: g, value: texts[0], grad: texts[1]};
  });
  document.querySelectorAll("#network g.node").forEach(function (g) {
    var texts = [].slice.call(g.querySelectorAll("text"));
    texts.forEach(function (t) { if (t.textContent.indexOf("L = ") === 0) lossText = t; });
    if (!texts.length) return;
    var i = index["b" + texts[0].textContent.split(/\s/)[0].slice(1)];  // neuron n1[0] has bias b1[0]
    var value = texts.filter(function (t) { return t.textContent.indexOf("b = ") === 0; })[0];
    var grad = texts.filter(function (t) { return t.textContent.indexOf("∂L/∂b = ") === 0; })[0];
    if (i !== undefined && value && grad) drawn[i] = {weight: false, g: g, value: value, grad: grad};
  });
  drawn.forEach(function (d, i) {
    if (!d) return;
    d.prefix = [d.value.textContent.split(" = ")[0] + " = ", d.grad.textContent.split(" = ")[0] + " = "];
    d.g.setAttribute("data-param", String(i));
    d.g.addEventListener("click", function () { chosen = i; show(current); });
  });

  function paint(s) {
    var biggest = 0;
    drawn.forEach(function (d, i) {
      if (d && d.weight) biggest = Math.max(biggest, Math.abs(value(s.w[i])));
    });
    biggest = biggest || 1;
    drawn.forEach(function (d, i) {
      if (!d) return;
      var w = value(s.w[i]);
      d.value.textContent = d.prefix[0] + num(s.w[i]);
      d.grad.textContent = d.prefix[1] + num(s.g[i]);
      if (!d.weight) return;
      // draw_mlp's rule: blue when w > 0, red when w < 0, width 0.5 + 3.5·|w| / max |w|
      var colour = w > 0 ? COLOURS.positive : w < 0 ? COLOURS.negative : COLOURS.zero;
      var width = (0.5 + 3.5 * Math.min(1, Math.abs(w) / biggest)).toFixed(2);
      d.g.querySelectorAll("path, polygon, polyline").forEach(function (shape) {
        shape.setAttribute("stroke", colour);
        if (shape.tagName !== "polyline") shape.setAttribute("stroke-width", width);
        if (shape.tagName === "polygon") shape.setAttribute("fill", colour);
      });
      d.g.querySelectorAll("text").forEach(function (t) { t.setAttribute("fill", colour); });
    });
    if (lossText) lossText.textContent = "L = " + num(s.loss);
  }

  // -- the loss curve ---------------------------------------------------------------------
  var curve = $("curve"), W = 360, H = 200, left = 46, right = 10, top = 10, bottom = 26;
  var finite = data.curve.map(function (p) { return value(p[1]); }).filter(isFinite);
  var high = Math.max.apply(null, finite), low = Math.min.apply(null, finite);
  // a loss that falls by more than 20× reads better on a log scale (else the first steps flatten the rest)
  var log = low > 0 && high / low > 20;
  if (!log) low = Math.min(low, 0);
  var scale = log ? Math.log : function (v) { return v; };
  if (!(high > low)) { high = low + 1; }
  function cx(k) { return left + (W - left - right) * (data.total > 1 ? (k - 1) / (data.total - 1) : 0.5); }
  function cy(v) {
    var at = (scale(high) - scale(Math.min(high, Math.max(low, v)))) / (scale(high) - scale(low));
    return top + (H - top - bottom) * at;
  }
  function points(upto) {
    return data.curve.filter(function (p) { return p[0] <= upto && isFinite(value(p[1])); })
      .map(function (p) { return cx(p[0]).toFixed(1) + "," + cy(value(p[1])).toFixed(1); }).join(" ");
  }
  [[left, H - bottom, W - right, H - bottom], [left, top, left, H - bottom]].forEach(function (l) {
    curve.appendChild(svg("line", {x1: l[0], y1: l[1], x2: l[2], y2: l[3], stroke: "#9ca3af"}));
  });
  [[high, top + 4], [low, H - bottom]].forEach(function (t) {
    var label = svg("text", {x: left - 4, y: t[1], "text-anchor": "end", "font-size": 10, fill: "#6b7280"});
    label.textContent = num(t[0]); curve.appendChild(label);
  });
  if (log) {
    var note = svg("text", {x: W - right, y: top + 4, "text-anchor": "end", "font-size": 10,
                            fill: "#6b7280"});
    note.textContent = "log scale"; curve.appendChild(note);
  }
  [[1, "start"], [data.total, "end"]].forEach(function (t) {
    var label = svg("text", {x: cx(t[0]), y: H - 8, "text-anchor": t[1], "font-size": 10, fill: "#6b7280"});
    label.textContent = "step " + t[0]; curve.appendChild(label);
  });
  curve.appendChild(svg("polyline", {points: points(data.total), fill: "none", stroke: "#e5e7eb",
                                     "stroke-width": 1.5}));
  var done = svg("polyline", {id: "curve-done", fill: "none", stroke: "#2563eb", "stroke-width": 1.8});
  var dot = svg("circle", {id: "curve-dot", r: 4, fill: "#dc2626"});
  curve.appendChild(done); curve.appendChild(dot);

  // -- the predictions: a decision boundary (2-D inputs) or a confusion matrix ---------------
  var box = $("predictions"), canvas = null, table = null;
  if (data.grid) {
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
  function confusion(s) {
    table.textContent = "";
    function cell(tag, text, className) {
      var el = document.createElement(tag);
      el.textContent = text;  // a class label is text, whatever characters it holds
      if (className) el.className = className;
      return el;
    }
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

  // -- the update of one weight -------------------------------------------------------------
  function largest(s) {
    var best = 0;
    s.g.forEach(function (g, i) { if (Math.abs(value(g)) > Math.abs(value(s.g[best]))) best = i; });
    return best;
  }
  function update(s) {
    var i = chosen === null ? largest(s) : chosen, name = names[i];
    var p = name.charAt(0) === "b" ? "b" : "w";  // a bias b1[0] updates as b ← b − α·∂L/∂b
    var head = name + ":  " + p + " ← " + p, grad = "∂L/∂" + p;
    var why = chosen === null ? "The parameter with the largest |∂L/∂w| at this step. " : "";
    if (s.plain) {
      $("update").textContent = head + " − α·" + grad + " = " + num(s.w[i]) + " − " + num(s.lr) + " × " +
        term(s.g[i]) + " = " + num(s.a[i]);
      $("why").textContent = why + "Gradient descent: the step against the gradient, scaled by the " +
        "learning rate α.";
    } else {
      $("update").textContent = head + " + Δ" + p + " = " + num(s.w[i]) + " + " + term(s.d[i]) + " = " +
        num(s.a[i]);
      $("why").textContent = why + "Δ" + p + " is the step the optimizer took (momentum, Adam or weight " +
        "decay): plain gradient descent would take −α·" + grad + " = −" + num(s.lr) + " × " +
        term(s.g[i]) + ".";
    }
    drawn.forEach(function (d, j) { if (d) d.g.classList.toggle("chosen", j === i); });
    if (i !== shown && drawn[i]) { shown = i; reveal(drawn[i].g); }
  }
  var shown = null;  // the parameter last scrolled to
  function reveal(g) {  // scroll the picture's box (not the page) so the chosen weight is in view
    var net = $("network"), at = g.getBoundingClientRect(), frame = net.getBoundingClientRect();
    net.scrollTop += at.top - frame.top - (frame.height - at.height) / 2;
    net.scrollLeft += at.left - frame.left - (frame.width - at.width) / 2;
  }
  $("fit").addEventListener("change", function () {
    $("network").classList.toggle("fit", $("fit").checked);
    if (drawn[shown]) reveal(drawn[shown].g);
  });

  // -- the controls -----------------------------------------------------------------------
  var slider = $("slider");
  slider.max = String(last);
  function show(k) {
    current = Math.max(0, Math.min(last, k));
    var s = steps[current];
    slider.value = String(current);
    $("counter").textContent = "Step " + s.k + " of " + data.total;
    $("stats").textContent = "loss " + num(s.loss) + " · accuracy " + (100 * s.acc).toFixed(1) + "%" +
      " · α = " + num(s.lr);
    done.setAttribute("points", points(s.k));
    if (isFinite(value(s.loss))) {
      dot.setAttribute("cx", cx(s.k));
      dot.setAttribute("cy", cy(value(s.loss)));
    }
    paint(s);
    if (canvas) boundary(s); else confusion(s);
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
  slider.addEventListener("input", function () { pause(); show(parseInt(slider.value, 10)); });
  document.addEventListener("keydown", function (e) {
    if (e.target === slider && (e.key === "ArrowLeft" || e.key === "ArrowRight")) return;  // the slider's own
    if (e.key === " ") { e.preventDefault(); if (timer === null) play(); else pause(); return; }
    var to = {ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: last}[e.key];
    if (to !== undefined) { e.preventDefault(); pause(); show(to); }
  });
  show(0);
})();
