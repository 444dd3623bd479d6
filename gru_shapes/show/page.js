/* The gru-shapes page: links each named slice ([data-slice]) to the cells of the unrolled network
   ([data-cell], [data-gap]) that hold it, both ways. No library, no network, no ids: every report on
   a page (a notebook may show several) is started once, from its own map. */
(function () {
  "use strict";
  function init(root) {
    var began = performance.now();
    root.setAttribute("data-gs-ready", "");
    var data = JSON.parse(root.querySelector("script.gs-map").textContent);
    var ui = data.ui, status = root.querySelector(".gs-status"), figure = root.querySelector(".gs-figure");
    var jump = root.querySelector(".gs-jump");
    function keyOf(el, attr) {
      var seq = el.getAttribute("data-seq");
      return el.getAttribute(attr) + (seq === null ? "" : "@" + seq);
    }
    function push(map, key, value) { (map.get(key) || map.set(key, []).get(key)).push(value); }
    var cells = new Map(), gaps = new Map(), slices = new Map(), holders = new Map();
    root.querySelectorAll("[data-cell]").forEach(function (el) { cells.set(keyOf(el, "data-cell"), el); });
    root.querySelectorAll("[data-gap]").forEach(function (el) { gaps.set(keyOf(el, "data-gap"), el); });
    data.slices.forEach(function (s) {
      s.els = [];
      s.sel = {slice: s};  // one per slice, so that pinned === sel from any of its elements
      slices.set(s.x, s);
      s.cells.forEach(function (k) { push(holders, k, s); });
      s.gaps.forEach(function (k) { push(holders, "gap:" + k, s); });
    });
    var lit = [], pinned = null;

    function esc(text) { var d = document.createElement("span"); d.textContent = text; return d.innerHTML; }
    function clear() {
      lit.forEach(function (el) {
        el.classList.remove("hl", "gs-on", "gs-pinned");
        if (el.hasAttribute("aria-selected")) el.setAttribute("aria-selected", "false");
        if (el.hasAttribute("aria-pressed")) el.setAttribute("aria-pressed", "false");
      });
      lit = [];
    }
    function light(el, cls) { el.classList.add(cls); lit.push(el); }
    function visible(el) {
      var r = el.getBoundingClientRect();
      return r.bottom > 0 && r.top < window.innerHeight;
    }
    // What is shown: {slice}, {cell} or null. Hover and focus preview; click, Enter and Space pin.
    function show(sel) {
      clear();
      jump.hidden = true;
      if (!sel) { status.innerHTML = esc(ui.hint); return; }
      if (sel.slice) {
        var s = sel.slice, names = [];
        s.cells.forEach(function (k) {
          var el = cells.get(k);
          light(el, "hl"); el.setAttribute("aria-selected", "true");
          names.push(el.getAttribute("aria-label"));
        });
        s.gaps.forEach(function (k) { light(gaps.get(k), "hl"); });
        s.els.forEach(function (el) {
          light(el, "gs-on");
          if (sel === pinned) {
            el.classList.add("gs-pinned");
            if (el.hasAttribute("aria-pressed")) el.setAttribute("aria-pressed", "true");
          }
        });
        // "3 cells: <the drawn ones, when few> · 1 in the elided steps ⋯ · 1 in sequences not drawn"
        var n = s.cells.length + s.elided + s.hidden, count = n === 1 ? ui.cell : ui.cells.replace("{n}", n);
        var parts = [names.length && names.length <= 4 ? count + ": " + names.join("; ") : count];
        if (s.elided) parts.push(ui.elided.replace("{n}", s.elided));
        if (s.hidden) parts.push(ui.hidden.replace("{n}", s.hidden));
        var text = "<b>" + esc(s.x) + "</b>" + (s.holds ? " — " + esc(s.holds) : "") + "<br>" + esc(parts.join(" · "));
        if (s.pitfall) text += "<br>⚠ " + esc(s.pitfall);
        status.innerHTML = text;
        if (sel === pinned) reveal(lit.filter(function (el) { return el.closest && el.closest(".gs-scroll") && el.closest("svg"); }));
        var first = s.cells.length ? cells.get(s.cells[0]) : s.gaps.length ? gaps.get(s.gaps[0]) : null;
        // Pinned from outside the diagram, with the diagram out of sight: offer to go there.
        if (sel === pinned && first && !visible(first)) { jump.hidden = false; jump.target = first; }
      } else {
        var el = sel.cell, found = holders.get(sel.key) || [];
        light(el, "hl");
        el.setAttribute("aria-selected", "true");
        found.forEach(function (s) { s.els.forEach(function (e) { light(e, "hl"); }); });
        status.innerHTML = "<b>" + esc(el.getAttribute("aria-label")) + "</b><br>" + (found.length
          ? esc(ui.held) + ": " + found.map(function (s) { return "<b>" + esc(s.x) + "</b>"; }).join(", ")
          : esc(ui.none));
      }
    }
    function pin(sel) { pinned = sel; show(sel); }
    // In each grid that scrolls sideways (a narrow screen), bring its first lit cell into view.
    function reveal(els) {
      var done = new Set();
      els.forEach(function (el) {
        var box = el.closest(".gs-scroll");
        if (done.has(box)) return;
        done.add(box);
        var b = box.getBoundingClientRect(), r = el.getBoundingClientRect();
        if (r.left < b.left || r.right > b.right) box.scrollLeft += (r.left + r.right) / 2 - (b.left + b.right) / 2;
      });
    }

    root.querySelectorAll("[data-slice]").forEach(function (el) {
      var s = slices.get(el.getAttribute("data-slice"));
      if (!s) return;
      s.els.push(el);
      if (el.tagName === "BUTTON") el.setAttribute("aria-pressed", "false");
      else {
        if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
        if (el.tagName !== "TR" && !el.hasAttribute("role")) el.setAttribute("role", "button");
        el.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") { event.preventDefault(); pin(s.sel); }
        });
      }
      el.addEventListener("mouseenter", function () { show(s.sel); });
      el.addEventListener("mouseleave", function () { show(document.activeElement === el ? s.sel : pinned); });
      el.addEventListener("focus", function () { show(s.sel); });
      el.addEventListener("blur", function () { show(pinned); });
      el.addEventListener("click", function (event) { event.stopPropagation(); pin(s.sel); });
    });

    // Cells and gaps: click, Enter or Space selects one. Each grid is one Tab stop (a roving
    // tabindex); the arrow keys move to the nearest cell that way.
    root.querySelectorAll("svg.net").forEach(function (svg) {
      var own = Array.prototype.slice.call(svg.querySelectorAll("[data-cell],[data-gap]"));
      if (!own.length) return;
      function rove(el) { own.forEach(function (o) { o.setAttribute("tabindex", o === el ? "0" : "-1"); }); }
      rove(own[0]);
      own.forEach(function (el) {
        var key = el.hasAttribute("data-cell") ? keyOf(el, "data-cell") : "gap:" + keyOf(el, "data-gap");
        var sel = {cell: el, key: key};
        el.addEventListener("click", function (event) {
          event.stopPropagation(); rove(el); el.focus({preventScroll: true}); pin(sel);
        });
        el.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") { event.preventDefault(); pin(sel); }
        });
      });
      svg.addEventListener("keydown", function (event) {
        var at = own.indexOf(document.activeElement);
        var dx = {ArrowRight: 1, ArrowLeft: -1}[event.key] || 0, dy = {ArrowDown: 1, ArrowUp: -1}[event.key] || 0;
        if (at < 0 || (!dx && !dy)) return;
        var here = own[at].getBoundingClientRect(), best = null, bestScore = Infinity;
        own.forEach(function (el, i) {
          var r = el.getBoundingClientRect(), ex = r.left - here.left, ey = r.top - here.top;
          if (i === at || (dx && (Math.sign(ex) !== dx || Math.abs(ey) > 2)) || (dy && Math.sign(ey) !== dy)) return;
          var score = dx ? Math.abs(ex) : Math.abs(ey) * 1000 + Math.abs(ex);
          if (score < bestScore) { bestScore = score; best = el; }
        });
        if (best) { event.preventDefault(); rove(best); best.focus(); }
      });
    });
    figure.addEventListener("click", function () { pin(null); });
    root.addEventListener("keydown", function (event) { if (event.key === "Escape") pin(null); });
    jump.addEventListener("click", function () {
      jump.target.scrollIntoView({block: "center", inline: "nearest"});
      jump.hidden = true;
    });
    var queued = false;
    window.addEventListener("scroll", function () {
      if (jump.hidden || queued) return;
      queued = true;
      requestAnimationFrame(function () { queued = false; if (visible(jump.target)) jump.hidden = true; });
    }, {passive: true});

    // Keep a small diagram in view while the tables scroll under it.
    function stick() {
      figure.classList.remove("gs-stick");
      var small = window.innerWidth >= 700 && figure.offsetHeight < window.innerHeight * 0.5;
      if (small) figure.classList.add("gs-stick");
      // What is scrolled to (Tab, the browser's find) stops below the stuck figure, not under it.
      root.style.setProperty("--gs-stuck", small ? figure.offsetHeight + "px" : "0px");
    }
    stick();
    window.addEventListener("resize", stick);
    root.setAttribute("data-gs-init-ms", (performance.now() - began).toFixed(1));
  }
  // This script's own report first (a notebook may render it before attaching it), then any other
  // report on the page not started yet.
  var script = document.currentScript, own = script && script.closest(".gru-shapes[data-gs-page]");
  if (own && !own.hasAttribute("data-gs-ready")) init(own);
  document.querySelectorAll(".gru-shapes[data-gs-page]:not([data-gs-ready])").forEach(init);
})();
