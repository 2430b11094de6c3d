// The stepper page: one drawing of the graph, restyled per step from the steps' data.
(function () {
  var data = pageData(), steps = data.steps, last = steps.length, current = 0;
  var $ = function (id) { return document.getElementById(id); };
  var READABLE = 12;  // CSS px: the active node's text is at least this big when the page opens
  var LEGIBLE = 11;  // CSS px: following a step zooms out no further than this
  var quiz = data.quiz, answered = 0, right = 0, pending = 0, done = [];  // done[k]: step k answered
  // a number and nothing else: what is typed is never evaluated
  var NUMBER = /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/;
  function gradText(id) {  // draw_dot's record: name | data | grad, the grad field last
    var texts = $(id).querySelectorAll("text");
    return texts[texts.length - 1];
  }
  function edgeText(id) { return $(id).querySelector("text"); }

  // -- the derivation and the leaves' table, as text ---------------------------------------
  var lines = steps.map(function (s, i) {
    var li = document.createElement("li");
    li.textContent = s.equation;
    li.addEventListener("click", function () { show(i + 1); });
    $("derivation").appendChild(li);
    return li;
  });
  var cells = data.leaves.map(function (name) {
    var tr = document.createElement("tr"), th = document.createElement("th"), td = document.createElement("td");
    th.textContent = name;
    tr.appendChild(th);
    tr.appendChild(td);
    $("grads").appendChild(tr);
    return td;
  });
  var shownEdges = {};  // predict mode: each unanswered step's edge keeps its number hidden
  if (quiz) {
    $("quiz").hidden = false;
    $("show-all-label").hidden = true;
    steps.forEach(function (s) {
      var t = edgeText(s.edge);
      if (t) { shownEdges[s.edge] = t.textContent; t.textContent = s.ask.edge; }
    });
  }

  // -- the picture -------------------------------------------------------------------------
  var zoomer = zoomView($("graph")), activeIds = [];
  var size = parseFloat(gradText(data.root).getAttribute("font-size")) || 10;  // the nodes' text, in units
  function activeNode() { return $(current === 0 ? data.root : steps[current - 1].node); }
  function activePart() {  // what a step is about: the node, its op, the edge and the input it reaches
    if (current === 0) return [activeNode()];
    var s = steps[current - 1];
    return [$(s.node), $(s.node + "op"), $(s.edge), $(s.parent)];
  }
  function follow() {  // the whole step in view, zoomed out a little if need be; else the node
    if (!$("follow").checked || zoomer.inside(activePart())) return;
    var part = activePart(), fit = zoomer.scaleToFit(part);
    if (fit * size >= LEGIBLE) { zoomer.centre(part, Math.min(fit, zoomer.view.scale)); return; }
    zoomer.centre([activeNode(), $(activeNode().id + "op") || activeNode()]);
    if (!zoomer.inside(activeNode())) zoomer.centre(activeNode());
  }
  function paint() {
    activeIds.forEach(function (id) { $(id).classList.remove("active", "changed"); });
    data.nodes.forEach(function (id) { gradText(id).textContent = data.blank; });
    if (current > 0) gradText(data.root).textContent = data.rootField;
    for (var k = 0; k < current; k++) gradText(steps[k].parent).textContent = steps[k].field;
    activeIds = [];
    if (current > 0) {
      var s = steps[current - 1];
      activeIds = [s.node, s.node + "op", s.edge];
      activeIds.forEach(function (id) { $(id).classList.add("active"); });
      $(s.parent).classList.add("changed");
      activeIds.push(s.parent);
      if (quiz && shownEdges[s.edge] !== undefined) edgeText(s.edge).textContent = shownEdges[s.edge];
    }
  }

  // -- predict mode: step k is shown once its question is answered (one try each) -----------
  function ask(k) {
    pending = k;
    var q = steps[k - 1].ask;
    $("prompt").textContent = q.prompt + " = ?" + (q.note ? " (" + q.note + ")" : "");
    $("verdict").textContent = "";
    $("answer").value = "";
    $("answer").disabled = false;
    $("answer").focus();
  }
  function check(text) {
    var q = steps[pending - 1].ask, verdict = $("verdict");
    text = text.trim().replace("\u2212", "-");
    if (!NUMBER.test(text)) {
      verdict.className = "";
      verdict.textContent = "type a number, like -1.5 or 2.5e-3";
      return;
    }
    var value = Number(text);
    var ok = Math.abs(value - q.answer) <= data.tolerance * Math.abs(q.answer) + data.absolute;  // exercises.is_close
    answered += 1;
    right += ok ? 1 : 0;
    done[pending] = true;
    verdict.className = ok ? "right" : "wrong";
    verdict.textContent = ok ? "✓ right: " + q.prompt + " = " + q.shown
                             : "✗ " + text + " is not it: " + q.prompt + " = " + q.shown;
    $("score").textContent = "Score: " + right + " of " + answered + " right" + (answered === last ? " — done" : "");
    show(pending, true);
  }

  function show(k, checked) {
    k = Math.max(0, Math.min(last, k));
    if (quiz && k > current && !done[k]) {
      k = current + 1;  // one step at a time: ask before showing it
      if (!done[k]) { ask(k); return; }
    }
    if (quiz && !checked) $("verdict").textContent = "";
    current = k;
    if (quiz) {
      // A focused field that becomes disabled may keep the keys (Chromium): Enter now means Next.
      if (document.activeElement === $("answer")) { $("answer").blur(); if (k < last) $("next").focus(); }
      $("answer").disabled = true;
      $("prompt").textContent = current === last ? "All steps shown." : "Next ▶ asks for step " + (current + 1) + ".";
    }
    var all = $("show-all").checked && !quiz;
    lines.forEach(function (li, i) {
      li.className = i + 1 === current ? "current" : i + 1 < current ? "done" : "";
      li.hidden = quiz ? !done[i + 1] : !all && i + 1 > current;  // no answer ahead of its step
    });
    cells.forEach(function (td) { td.textContent = ""; td.className = ""; });
    for (var j = 0; j < current; j++) {
      if (steps[j].leaf >= 0) {
        cells[steps[j].leaf].textContent = steps[j].value;
        cells[steps[j].leaf].className = j === current - 1 ? "changed" : "";
      }
    }
    var frame = current === 0 ? data.start : steps[current - 1];
    $("title").textContent = frame.title;
    $("equation").textContent = frame.equation;
    $("counter").textContent = "Step " + current + " / " + last + (current === last ? " — done" : "");
    $("prev").disabled = current === 0;
    $("next").disabled = current === last;
    paint();
    follow();
  }

  $("prev").addEventListener("click", function () { show(current - 1); });
  $("next").addEventListener("click", function () { show(current + 1); });
  $("zoom-in").addEventListener("click", function () { zoomer.zoom(1.25); });
  $("zoom-out").addEventListener("click", function () { zoomer.zoom(0.8); });
  $("fit").addEventListener("click", function () { zoomer.fit(); });
  $("follow").addEventListener("change", follow);
  $("show-all").addEventListener("change", function () { show(current); });
  $("quiz").addEventListener("submit", function (e) {
    e.preventDefault();
    if (!$("answer").disabled) check($("answer").value);
  });
  document.addEventListener("keydown", function (e) {
    if (e.target.id === "answer" && !e.target.disabled) return;  // the keys edit the answer
    if (zoomKey(e, zoomer)) { e.preventDefault(); return; }
    var to = {ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: last}[e.key];
    if (to !== undefined) { e.preventDefault(); show(to); }
  });

  show(0);
  // Open fitted when the labels stay readable so, else zoomed in on the active node (the output).
  if (zoomer.fitScale() * 0.98 * size >= READABLE) zoomer.fit();
  else zoomer.centre(activeNode(), READABLE / size);
  zoomer.shrink();
  follow();
  if (quiz) $("score").textContent = "Score: 0 of 0";
})();
