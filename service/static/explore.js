/* The network explorer: draws /api/export?format=cyjs with vis-network (served from pyvis's files), lets a
   person search, filter by kind and sector, focus an ego network, and read a node's facts from /api/resource.
   Needs coopgraph.js (cg) and vis-network.min.js (vis) loaded first. window.coopgraphExplorer is a small hook
   for tests and for people poking at the page from the console. */
"use strict";
(() => {
  const root = document.getElementById("explorer");
  if (!root || typeof vis === "undefined") return;

  const $ = (id) => document.getElementById(id);
  const ui = {
    container: $("explore-network"),
    status: $("explore-status"),
    search: $("explore-search"),
    results: $("explore-results"),
    radius: $("explore-radius"),
    focusSelected: $("explore-focus-selected"),
    whole: $("explore-whole"),
    sector: $("explore-sector"),
    kinds: $("explore-kinds"),
    kindsAll: $("explore-kinds-all"),
    kindsNone: $("explore-kinds-none"),
    panel: $("explore-panel"),
    downloads: $("explore-download-list"),
    downloadNote: $("explore-download-note"),
    zoomIn: $("explore-zoom-in"),
    zoomOut: $("explore-zoom-out"),
    fit: $("explore-fit"),
    relayout: $("explore-relayout"),
  };
  const endpoints = {
    export: root.dataset.exportUrl,
    resource: root.dataset.resourceUrl,
    match: root.dataset.matchUrl,
    query: root.dataset.queryUrl,
  };

  /** Kinds of node that are actors (from the ontology, via the page): partner matching finds partners like them. */
  const ACTOR_KINDS = new Set((root.dataset.actorKinds || "").split(",").filter(Boolean));
  const OWN_NAMESPACE = "https://w3id.org/coopgraph/";
  /** One colour per kind, the same everywhere (the projection's palette, as the SVG and GEXF downloads use it). */
  const KIND_COLOURS = JSON.parse(document.getElementById("kind-colours")?.textContent || "{}");
  const PROVINCE_KEY = "coopgraph.explore.province";
  /** Kinds whose focus is remembered as the user's province (the page opens there next time). */
  const PROVINCE_KINDS = new Set(["province", "subnational-government"]);
  const params = new URLSearchParams(window.location.search);

  function rememberedProvince() {
    try { return localStorage.getItem(PROVINCE_KEY) || ""; } catch { return ""; }
  }

  const state = {
    focus: root.dataset.focus || (root.dataset.whole === "true" ? "" : rememberedProvince() || root.dataset.defaultFocus || ""),
    radius: Number(root.dataset.radius) || 1,
    /** The kinds the person chose to see (null: every kind). Kept as the selection changes (radius, focus): a kind
        that appears with a new selection stays hidden while a choice is in force. */
    shown: root.dataset.kinds ? new Set(root.dataset.kinds.split(",").filter(Boolean)) : null,
    index: null,
    seed: 7,
    lastBody: null,
    sector: "",
    selected: "",
    total: 0,
    kindLabels: new Map(),
    base: null,
    positions: new Map(),
    loadToken: 0,
    panelToken: 0,
  };
  const nodes = new vis.DataSet();
  const edges = new vis.DataSet();
  let shownIds = new Set();
  const nodesView = new vis.DataView(nodes, {filter: (node) => nodeShown(node)});
  const edgesView = new vis.DataView(edges, {filter: (edge) => shownIds.has(edge.from) && shownIds.has(edge.to)});
  let network = null;

  /* --- helpers --------------------------------------------------------------------------------------- */

  /** Lower case, accents folded: "Bolívar" and "bolivar" compare equal. */
  function fold(text) {
    return String(text || "").normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase().trim();
  }

  /** The kind's name in the page language, as the projection labels it (`kind_label`), else its key. */
  function kindName(kind) {
    return state.kindLabels.get(kind) || String(kind).replace(/-/g, " ");
  }

  function kindColour(kind) {
    return KIND_COLOURS[kind] || KIND_COLOURS[""] || "#969696";
  }

  function splitSectors(value) {
    return String(value || "").split(";").map((part) => part.trim()).filter(Boolean);
  }

  /** The sector filter, on the drawn nodes' `sectors` (and the sector's own node). Kinds are filtered by the API. */
  function nodeShown(node) {
    if (!state.sector) return true;
    return node.sectorList.includes(state.sector) || (node.kind === "sector" && node.label === state.sector);
  }

  function setStatus(text, status) {
    ui.status.textContent = text;
    ui.status.dataset.state = status;
    ui.status.classList.toggle("error", status === "error");
  }

  function swatch(kind) {
    const mark = cg.el("span", {class: "swatch", "aria-hidden": "true"});
    mark.style.backgroundColor = kindColour(kind);
    return mark;
  }

  /** The SPARQL page prefilled with `DESCRIBE <iri>` (spaces as %20, the page's language kept). */
  function describeUrl(iri) {
    return `${endpoints.query}?query=${encodeURIComponent(`DESCRIBE <${iri}>`)}&lang=${encodeURIComponent(cg.lang)}`;
  }

  /** A fact's value: our own IRIs open the SPARQL page about them, web sites open in a new tab, text stays text. */
  function factValue(fact) {
    const iri = String(fact.iri || "");
    const text = String(fact.value ?? iri);
    if (iri.startsWith(OWN_NAMESPACE)) return cg.el("a", {href: describeUrl(iri), title: iri}, text);
    if (/^(https?:|mailto:)/i.test(iri)) return cg.el("a", {href: iri, rel: "noopener noreferrer", target: "_blank"}, text);
    return text;
  }

  /* --- loading and drawing ----------------------------------------------------------------------------- */
  /* The drawn network is exactly the API's selection (focus, radius, kinds), so the downloads below it hold what
     is drawn. The selection without kinds (`state.base`) feeds the legend; a kind toggle asks the API again and
     keeps the nodes already laid out where they were. */

  function selectionParams({withKinds = true} = {}) {
    const params = {};
    if (state.focus) {
      params.focus = state.focus;
      params.radius = state.radius;
    }
    if (withKinds && state.shown) params.kind = shownKinds().join(",");
    return params;
  }

  function exportUrl(format, options) {
    return cg.url(endpoints.export, {format, ...selectionParams(options)});
  }

  function baseKinds() {
    return state.base ? [...state.base.kinds.keys()] : [];
  }

  /** The kinds to ask the API for while a choice is in force: the chosen ones, and the focus's own. */
  function shownKinds() {
    const kinds = new Set(state.shown || baseKinds());
    if (lockedKind()) kinds.add(lockedKind());
    return [...kinds].sort();
  }

  function kindHidden(kind) {
    return state.shown !== null && !state.shown.has(kind) && kind !== lockedKind();
  }

  /** The focus's own kind cannot be left out (the API needs the focus in the selection). */
  function lockedKind() {
    return state.focus && state.base ? state.base.focusKind : "";
  }

  /** Load (or reload) the selection: `fresh` when the focus, radius or language changed. */
  async function load({fresh = true} = {}) {
    const token = ++state.loadToken;
    setStatus(cg.t("loading"), "loading");
    ui.whole.hidden = !state.focus;
    ui.radius.value = String(state.radius);
    if (fresh) {
      state.base = null;
      state.positions = new Map();
    }
    try {
      if (!state.base) {
        const body = await cg.fetchJSON(exportUrl("cyjs", {withKinds: false}));
        if (token !== state.loadToken) return;
        state.base = summarise(body);
        rememberProvince();
      }
      syncLocation();
      buildKindFilter();
      let body = state.base.body;
      const hiding = baseKinds().some(kindHidden);
      if (hiding && shownKinds().length === 0) body = {elements: {nodes: [], edges: []}};
      else if (hiding) body = await cg.fetchJSON(exportUrl("cyjs"));
      if (token !== state.loadToken) return;
      draw(body);
    } catch (error) {
      if (token !== state.loadToken) return;
      state.base = null;
      draw({elements: {nodes: [], edges: []}});
      setStatus(cg.t("load_failed", {message: error.message}), "error");
    }
  }

  /** A province (or its government) in focus is remembered: the page opens on it next time. */
  function rememberProvince() {
    if (!state.focus || !PROVINCE_KINDS.has(state.base?.focusKind)) return;
    try { localStorage.setItem(PROVINCE_KEY, state.focus); } catch { /* storage refused: nothing to remember */ }
  }

  /** The selection without a kind filter: its body, and per kind its name and count (for the legend). */
  function summarise(body) {
    const kinds = new Map();
    let focusKind = "";
    for (const {data} of body?.elements?.nodes || []) {
      const kind = String(data.kind || "other");
      const entry = kinds.get(kind) || {label: String(data.kind_label || ""), count: 0};
      entry.count += 1;
      kinds.set(kind, entry);
      if (entry.label) state.kindLabels.set(kind, entry.label);
      if (data.id === state.focus) focusKind = kind;
    }
    return {body, kinds, focusKind};
  }

  function draw(body) {
    state.lastBody = body;
    ui.results.hidden = true;  // a list of search results never outlives the drawing it was made for
    const elements = body?.elements || {};
    const nodeItems = (elements.nodes || []).map(({data}) => ({
      id: data.id,
      label: String(data.label ?? data.id),
      kind: String(data.kind || "other"),
      sectorList: splitSectors(data.sectors),
      searchable: [data.label, ...splitSectors(data.alt_labels)].map(fold).filter(Boolean),
      data,
    }));
    const degree = new Map();
    const edgeItems = (elements.edges || []).map(({data}, index) => {
      degree.set(data.source, (degree.get(data.source) || 0) + 1);
      degree.set(data.target, (degree.get(data.target) || 0) + 1);
      return {id: `e${index}`, from: data.source, to: data.target, relation: data.relation, text: String(data.label || data.relation || ""), data};
    });
    let seeded = 0;
    for (const node of nodeItems) {
      const colour = kindColour(node.kind);
      node.value = degree.get(node.id) || 0;
      node.color = {background: colour, border: "#ffffff", highlight: {background: colour, border: "#1d2733"}, hover: {background: colour, border: "#1d2733"}};
      node.title = cg.el("div", {class: "explore-tip"}, cg.el("strong", {}, node.label), cg.el("br"), kindName(node.kind),
        node.data.country ? ` · ${node.data.country}` : "");
      if (node.id === state.focus) node.borderWidth = 4;
      const known = state.positions.get(node.id);
      if (known) {
        Object.assign(node, known, {fixed: {x: true, y: true}});  // laid out before: stays put while newcomers settle
        seeded += 1;
      }
    }
    const showEdgeLabels = edgeItems.length <= 40;  // more would hide the network under its words
    for (const edge of edgeItems) {
      edge.title = cg.el("div", {class: "explore-tip"}, edge.text);
      if (showEdgeLabels) edge.label = edge.text;
    }
    state.total = nodeItems.length;
    if (network) network.destroy();
    network = null;
    nodes.clear();
    edges.clear();
    nodes.add(nodeItems);
    edges.add(edgeItems);
    buildSectorFilter();
    shownIds = new Set(nodes.get({filter: (node) => nodeShown(node)}).map((node) => node.id));
    nodesView.refresh();
    edgesView.refresh();
    const newcomers = nodeItems.length - seeded;
    network = new vis.Network(ui.container, {nodes: nodesView, edges: edgesView}, networkOptions(nodeItems.length, newcomers));
    network.on("click", onClick);
    network.on("doubleClick", (params) => { if (params.nodes.length) refocus(params.nodes[0]); });
    if (newcomers === 0) {
      finishLayout();
      return;
    }
    setStatus(cg.t("stabilising"), "stabilising");
    network.once("stabilizationIterationsDone", finishLayout);
  }

  const LABEL_PX = 14;
  const READABLE_LABEL_PX = 12;

  function networkOptions(count, newcomers) {
    // Big selections settle with fewer rounds (the picture is nearly still by then); a few newcomers need fewer.
    const iterations = newcomers < count ? 120 : count > 250 ? 200 : 400;
    return {
      autoResize: true,
      layout: {randomSeed: state.seed, improvedLayout: newcomers === count && count <= 150},
      nodes: {
        shape: "dot",
        scaling: {min: 8, max: 30, label: {enabled: false}},
        font: {size: LABEL_PX, face: "system-ui, sans-serif", color: "#1d2733", strokeWidth: 3, strokeColor: "#ffffff"},
        borderWidth: 1.5,
        widthConstraint: {maximum: 180},
      },
      edges: {
        arrows: {to: {enabled: true, scaleFactor: 0.45}},
        color: {color: "#b9c3cd", highlight: "#0b6e4f", hover: "#5b6775"},
        font: {size: 10, color: "#5b6775", strokeWidth: 2, strokeColor: "#ffffff", align: "middle"},
        smooth: false,
        width: 1,
        selectionWidth: 2,
      },
      physics: {
        enabled: newcomers > 0,
        solver: "forceAtlas2Based",
        forceAtlas2Based: {gravitationalConstant: -60, springLength: count > 150 ? 110 : 90, springConstant: 0.06, avoidOverlap: 0.4},
        stabilization: {enabled: true, iterations, updateInterval: 25, fit: true},
      },
      interaction: {hover: true, tooltipDelay: 250, hideEdgesOnDrag: count > 300, multiselect: false},
    };
  }

  /** Physics off once laid out (a calm picture that stays put); positions remembered for the next kind toggle. */
  function finishLayout() {
    network.setOptions({physics: {enabled: false}});
    const positions = network.getPositions();
    for (const [id, at] of Object.entries(positions)) state.positions.set(id, at);
    nodes.update(Object.entries(positions).map(([id, {x, y}]) => ({id, x, y, fixed: false})));
    network.fit({maxZoomLevel: 1.4});
    // Labels stay readable: when fitting everything would shrink them below READABLE_LABEL_PX, zoom to that size
    // around the focus (the rest is a drag or the "Fit" button away).
    const readable = READABLE_LABEL_PX / LABEL_PX;
    if (network.getScale() < readable && state.focus && positions[state.focus]) {
      network.moveTo({position: positions[state.focus], scale: readable});
    }
    applySectorFilter();
    if (state.selected && nodes.get(state.selected)) select(state.selected, {focus: false, panel: ui.panel.dataset.iri !== state.selected});
    else if (state.focus && nodes.get(state.focus)) select(state.focus, {focus: false});
    else state.selected = "";
    ui.focusSelected.disabled = !state.selected;
  }

  function applySectorFilter() {
    shownIds = new Set(nodes.get({filter: (node) => nodeShown(node)}).map((node) => node.id));
    nodesView.refresh();
    edgesView.refresh();
    updateStatus();
    updateDownloads();
    if (state.selected && !shownIds.has(state.selected)) network?.unselectAll();
    if (!ui.results.hidden && ui.search.value.trim()) runSearch();  // an open list follows the filter; a closed one stays closed
  }

  /** "N nodes drawn": counted from the ids the network itself has on its canvas. */
  function updateStatus() {
    if (!network) return;
    const drawnNodes = Object.keys(network.getPositions()).length;
    const drawnEdges = edgesView.length;
    ui.status.dataset.drawnNodes = String(drawnNodes);
    ui.status.dataset.drawnEdges = String(drawnEdges);
    ui.status.dataset.totalNodes = String(state.total);
    let text = cg.t("drawn", {nodes: drawnNodes, edges: drawnEdges, total: state.total});
    if (state.focus) {
      const focusNode = nodes.get(state.focus);
      text = `${cg.t("focused_on", {label: focusNode ? focusNode.label : state.focus, radius: state.radius})}: ${text}`;
    }
    setStatus(text, "ready");
  }

  function updateDownloads() {
    const nothing = state.total === 0;
    for (const link of ui.downloads.querySelectorAll("a[data-format]")) link.href = exportUrl(link.dataset.format);
    ui.downloads.hidden = nothing;
    ui.downloadNote.hidden = !state.sector;
  }

  function syncLocation() {
    const params = selectionParams();
    if (!state.focus) params.all = "1";
    history.replaceState(null, "", cg.url(window.location.pathname, params));
  }

  /* --- filters ------------------------------------------------------------------------------------------ */

  function buildKindFilter() {
    const kinds = state.base ? state.base.kinds : new Map();
    const order = [...kinds.keys()].sort((a, b) => kinds.get(b).count - kinds.get(a).count || kindName(a).localeCompare(kindName(b), cg.lang));
    const locked = lockedKind();
    ui.kinds.replaceChildren(...order.map((kind) => {
      const box = cg.el("input", {type: "checkbox", value: kind, checked: !kindHidden(kind), "data-kind": kind,
        disabled: kind === locked, title: kind === locked ? cg.t("focus_kind") : null});
      box.addEventListener("change", () => {
        if (state.shown === null) state.shown = new Set(baseKinds());
        if (box.checked) state.shown.add(kind);
        else state.shown.delete(kind);
        if (baseKinds().every((k) => state.shown.has(k))) state.shown = null;  // everything ticked: no choice in force
        load({fresh: false});
      });
      return cg.el("label", {class: "explore-kind"}, box, swatch(kind), cg.el("span", {class: "kind-name"}, kindName(kind)),
        cg.el("span", {class: "kind-count muted", "data-count-for": kind}, `${kinds.get(kind).count}`));
    }));
  }

  function buildSectorFilter() {
    const sectors = new Set();
    for (const node of nodes.get()) for (const sector of node.sectorList) sectors.add(sector);
    const sorted = [...sectors].sort((a, b) => a.localeCompare(b, cg.lang));
    if (!sectors.has(state.sector)) state.sector = "";
    ui.sector.replaceChildren(cg.el("option", {value: ""}, cg.t("all_sectors")),
      ...sorted.map((sector) => cg.el("option", {value: sector}, sector)));
    ui.sector.value = state.sector;
    ui.sector.disabled = sorted.length === 0;
  }

  ui.sector.addEventListener("change", () => {
    state.sector = ui.sector.value;
    applySectorFilter();
  });
  ui.kindsAll.addEventListener("click", () => {
    state.shown = null;
    load({fresh: false});
  });
  ui.kindsNone.addEventListener("click", () => {
    state.shown = new Set();
    load({fresh: false});
  });

  /* --- search ------------------------------------------------------------------------------------------- */

  /** Every node of the whole network, for the search (fetched once, on the first search): names, codes, kind. */
  async function searchIndex() {
    if (state.index) return state.index;
    const body = await cg.fetchJSON(cg.url(endpoints.export, {format: "cyjs"}));
    const nodesById = new Map();
    for (const {data} of body.elements.nodes) {
      nodesById.set(data.id, {
        id: data.id, label: String(data.label ?? data.id), kind: String(data.kind || "other"),
        names: [data.label, ...splitSectors(data.alt_labels)].map(fold).filter(Boolean),
        codes: splitSectors(data.notation).map(fold),
        governedCodes: [],
      });
      if (data.kind_label && !state.kindLabels.has(data.kind)) state.kindLabels.set(String(data.kind), String(data.kind_label));
    }
    for (const {data} of body.elements.edges) {  // a government is found by the code of the province it governs
      if (data.relation !== "governs") continue;
      const [government, province] = [nodesById.get(data.source), nodesById.get(data.target)];
      if (government && province) government.governedCodes.push(...province.codes);
    }
    state.index = [...nodesById.values()];
    return state.index;
  }

  const KIND_RANK = new Map([...ACTOR_KINDS].map((kind, index) => [kind, index]));

  /** How well `node` answers `wanted` (lower is better; Infinity: not at all): a code or a whole name first, then a
      name that starts so, then names holding every word typed (at word starts), then any name holding the text. */
  function searchRank(node, wanted, words) {
    if (node.codes.includes(wanted)) return 0;
    if (node.governedCodes.includes(wanted)) return 1;
    let rank = Infinity;
    node.names.forEach((name, position) => {
      const penalty = position ? 0.5 : 0;  // the label before other names
      const parts = name.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
      if (name === wanted) rank = Math.min(rank, 0 + penalty);
      else if (name.startsWith(wanted)) rank = Math.min(rank, 2 + penalty);
      else if (words.every((word) => parts.some((part) => part.startsWith(word)))) {
        rank = Math.min(rank, 4 + Math.min(0.9, 0.05 * (parts.length - words.length)));  // the fewer other words, the better
      } else if (name.includes(wanted)) rank = Math.min(rank, 6 + penalty);
    });
    if (rank === Infinity && words.length > 1) {
      const all = node.names.join(" ").split(/[^\p{L}\p{N}]+/u).concat(node.codes, node.governedCodes);
      if (words.every((word) => all.some((part) => part.startsWith(word)))) rank = 7;
    }
    return rank;
  }

  async function runSearch() {
    const typed = ui.search.value;
    const wanted = fold(typed);
    if (!wanted) {
      ui.results.hidden = true;
      ui.results.replaceChildren();
      return;
    }
    const index = await searchIndex().catch(() => nodes.get().map((node) => ({
      id: node.id, label: node.label, kind: node.kind, names: node.searchable, codes: [], governedCodes: [],
    })));
    if (ui.search.value !== typed) return;  // typed on meanwhile
    const words = wanted.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    const scored = [];
    for (const node of index) {
      const rank = searchRank(node, wanted, words);
      if (rank < Infinity) scored.push({node, rank});
    }
    const kindRank = (kind) => (KIND_RANK.has(kind) ? 0 : kind === "figure" ? 2 : 1);
    scored.sort((a, b) => a.rank - b.rank || kindRank(a.node.kind) - kindRank(b.node.kind)
      || a.node.label.length - b.node.label.length || a.node.label.localeCompare(b.node.label, cg.lang));
    const shown = scored.slice(0, 12);
    ui.results.replaceChildren(...(shown.length ? shown.map(({node}) => {
      const drawnNow = shownIds.has(node.id);
      return cg.el("li", {},
        cg.el("button", {type: "button", class: "explore-result", "data-id": node.id, "data-drawn": drawnNow ? "true" : "false",
          onclick: () => choose(node.id)},
          swatch(node.kind), cg.el("span", {class: "result-name"}, node.label),
          cg.el("span", {class: "result-kind muted small"}, drawnNow ? kindName(node.kind) : `${kindName(node.kind)} · ${cg.t("not_drawn_result")}`)));
    })
      : [cg.el("li", {class: "muted"}, cg.t("no_results"))]));
    ui.results.hidden = false;
  }

  /** A search result chosen: selected where it is drawn, else the network is centred on it. */
  function choose(id) {
    ui.results.hidden = true;
    if (shownIds.has(id)) select(id, {focus: true});
    else refocus(id);
  }

  ui.search.addEventListener("input", runSearch);
  ui.search.addEventListener("keydown", (event) => {
    const first = ui.results.querySelector("button.explore-result");
    if (event.key === "Enter") {
      event.preventDefault();
      runSearch().then(() => ui.results.querySelector("button.explore-result")?.click());
    } else if (event.key === "ArrowDown" && first) {
      event.preventDefault();
      first.focus();
    } else if (event.key === "Escape") {
      ui.search.value = "";
      runSearch();
    }
  });
  // The list closes when the focus leaves the search (a click elsewhere, Tab past it).
  root.querySelector(".explore-search").addEventListener("focusout", (event) => {
    if (!event.currentTarget.contains(event.relatedTarget)) ui.results.hidden = true;
  });
  ui.results.addEventListener("keydown", (event) => {
    const item = event.target.closest("li");
    if (!item) return;
    const next = event.key === "ArrowDown" ? item.nextElementSibling : event.key === "ArrowUp" ? item.previousElementSibling : null;
    if (next?.querySelector("button")) {
      event.preventDefault();
      next.querySelector("button").focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      ui.search.focus();
    }
  });

  /* --- selection, focus and the side panel ------------------------------------------------------------- */

  function onClick(params) {
    if (params.nodes.length) select(params.nodes[0], {focus: false});
    else {
      state.selected = "";
      root.dataset.selected = "";
      ui.focusSelected.disabled = true;
    }
  }

  function select(id, {focus = true, panel = true} = {}) {
    state.selected = id;
    root.dataset.selected = id;
    ui.focusSelected.disabled = false;
    if (network && shownIds.has(id)) {
      network.selectNodes([id]);
      if (focus) network.focus(id, {scale: Math.max(network.getScale(), 1.1), animation: {duration: 400, easingFunction: "easeInOutQuad"}});
    }
    if (panel) showPanel(id);
  }

  function refocus(id) {
    state.focus = id;
    state.radius = Number(ui.radius.value) || 1;
    state.selected = id;
    load();
  }

  ui.focusSelected.addEventListener("click", () => { if (state.selected) refocus(state.selected); });

  /* --- view: zoom, fit, a new layout ---------------------------------------------------------------------- */

  /** Zoom by `factor` around the view's centre; quick clicks add up (each from where the last one is heading). */
  let zoomTarget = null;
  function zoom(factor) {
    if (!network) return;
    const from = zoomTarget && performance.now() < zoomTarget.until ? zoomTarget.scale : network.getScale();
    const scale = Math.min(4, Math.max(0.05, from * factor));
    zoomTarget = {scale, until: performance.now() + 250};
    network.moveTo({scale, animation: {duration: 200, easingFunction: "easeInOutQuad"}});
  }
  ui.zoomIn.addEventListener("click", () => zoom(1.3));
  ui.zoomOut.addEventListener("click", () => zoom(1 / 1.3));
  ui.fit.addEventListener("click", () => network?.fit({animation: {duration: 300, easingFunction: "easeInOutQuad"}}));
  ui.relayout.addEventListener("click", () => {
    if (!state.lastBody) return;
    state.seed += 1;
    state.positions = new Map();
    draw(state.lastBody);
  });
  ui.radius.addEventListener("change", () => {
    if (state.focus) refocus(state.focus);
  });
  ui.whole.addEventListener("click", () => {
    state.focus = "";
    load();
  });

  function section(title, ...content) {
    return cg.el("section", {class: "panel-section"}, cg.el("h3", {}, title), ...content);
  }

  async function showPanel(id) {
    const token = ++state.panelToken;
    const node = nodes.get(id);
    ui.panel.dataset.iri = id;
    ui.panel.dataset.state = "loading";
    ui.panel.replaceChildren(cg.el("h2", {}, node ? node.label : id), cg.el("p", {class: "muted"}, cg.t("loading")));
    let resource;
    try {
      resource = await cg.fetchJSON(cg.url(endpoints.resource, {iri: id}));
    } catch (error) {
      if (token !== state.panelToken) return;
      ui.panel.dataset.state = "error";
      ui.panel.replaceChildren(cg.el("h2", {}, node ? node.label : id),
        cg.el("p", {class: "error"}, cg.t("panel_failed", {message: error.message})));
      return;
    }
    if (token !== state.panelToken) return;
    renderPanel(id, resource, node);
  }

  /** What a two-hop link's intermediate says (a participation's role): "(rol: Financiadora · código del rol: 1)". */
  function qualifierText(link) {
    const parts = (link.qualifiers || []).map((q) => `${q.label || q.attribute}: ${q.value}`);
    return parts.length ? cg.el("span", {class: "qualifiers muted small"}, ` (${parts.join(" · ")})`) : null;
  }

  /** One link of the panel: a drawn target is selected, another node opens its own network, a non-node its SPARQL. */
  function linkItem(link) {
    const name = link.target_label || link.target;
    const drawnNow = shownIds.has(link.target);
    const target = link.target_kind
      ? cg.el("button", {type: "button", class: "linklike", "data-target": link.target, title: link.target,
        onclick: () => (shownIds.has(link.target) ? select(link.target, {focus: true}) : refocus(link.target))}, name)
      : cg.el("a", {href: describeUrl(link.target), "data-target": link.target, title: link.target}, name);
    return cg.el("li", {"data-direction": link.direction},
      cg.el("span", {class: "direction", "aria-hidden": "true"}, link.direction === "in" ? "← " : "→ "),
      cg.el("span", {class: "relation"}, `${link.label || link.relation}: `),
      link.target_kind ? swatch(link.target_kind) : null, target, qualifierText(link),
      link.target_kind && !drawnNow ? cg.el("span", {class: "muted small"}, ` ${cg.t("not_drawn")}`) : null);
  }

  /** A resource of the graph named in the track record: selected when drawn, else the network is focused on it. */
  function resourceButton(iri, label) {
    return cg.el("button", {type: "button", class: "linklike", "data-target": iri, title: iri,
      onclick: () => (shownIds.has(iri) ? select(iri, {focus: true}) : refocus(iri))}, label || iri);
  }

  /** An actor's track record in the provinces' registers: counts by sector and province, then each record. */
  function trackSection(track) {
    const counts = (rows) => cg.el("ul", {class: "panel-track-counts"},
      ...rows.map((row) => cg.el("li", {}, resourceButton(row.iri, row.label), ` (${row.records})`)));
    const record = (row) => cg.el("li", {"data-record": row.iri, "data-kind": row.kind},
      cg.el("a", {href: describeUrl(row.iri), title: row.iri}, row.label || row.iri),
      cg.el("span", {class: "muted small"}, ` · ${row.kind_label}`,
        row.roles.length ? ` · ${row.roles.map((role) => role.label).join(", ")}` : "",
        row.province ? ` · ${row.province.label}` : "",
        row.start || row.end ? ` · ${row.start || "…"} – ${row.end || "…"}` : "",
        row.status ? ` · ${row.status.label}` : ""),
      row.sectors.length ? cg.el("div", {class: "small"}, ...row.sectors.flatMap((s, i) => [i ? ", " : "", resourceButton(s.iri, s.label)])) : null);
    return cg.el("section", {class: "panel-section panel-track"}, cg.el("h3", {}, cg.t("track")),
      cg.el("p", {class: "muted small"}, cg.t("track_note", {total: track.total})),
      track.by_sector.length ? cg.el("h4", {}, cg.t("track_by_sector")) : null,
      track.by_sector.length ? counts(track.by_sector) : null,
      track.by_province.length ? cg.el("h4", {}, cg.t("track_by_province")) : null,
      track.by_province.length ? counts(track.by_province) : null,
      cg.el("h4", {}, cg.t("track_records")),
      cg.el("ul", {class: "panel-track-records"}, ...track.records.map(record)));
  }

  function closePanel() {
    ++state.panelToken;
    ui.panel.dataset.iri = "";
    ui.panel.dataset.state = "";
    ui.panel.replaceChildren(cg.el("p", {class: "muted"}, cg.t("nothing_selected")));
  }

  function renderPanel(id, resource, node) {
    const kind = resource.kind || node?.kind || "other";
    const label = resource.label || node?.label || id;
    const actions = cg.el("ul", {class: "panel-actions"},
      cg.el("li", {}, cg.el("button", {type: "button", class: "secondary small", onclick: () => refocus(id)}, cg.t("focus_here"))),
      ACTOR_KINDS.has(kind)
        ? cg.el("li", {}, cg.el("a", {href: cg.url(endpoints.match, {similar: id}), "data-action": "match"}, cg.t("find_partners")))
        : null,
      kind === "sector"
        ? cg.el("li", {}, cg.el("a", {href: cg.url(endpoints.match, {need: label}), "data-action": "match"}, cg.t("find_sector_partners")))
        : null,
      resource.match_url
        ? cg.el("li", {}, cg.el("a", {href: resource.match_url, "data-action": "match-demand"}, cg.t("match_demand")))
        : null,
      cg.el("li", {}, cg.el("a", {href: describeUrl(id), "data-action": "sparql"}, cg.t("sparql_describe"))));

    const facts = resource.facts || [];
    const factList = facts.length
      ? cg.el("dl", {class: "panel-facts"}, ...facts.flatMap((fact) => {
        const value = factValue(fact);
        return [cg.el("dt", {title: fact.property}, fact.label || fact.property), cg.el("dd", {}, value)];
      }))
      : cg.el("p", {class: "muted"}, cg.t("none"));

    const links = resource.links || [];
    const linkList = links.length
      ? cg.el("ul", {class: "panel-links"}, ...links.map(linkItem), resource.truncated ? cg.el("li", {class: "muted"}, cg.t("more_links")) : null)
      : cg.el("p", {class: "muted"}, cg.t("none"));

    const sources = resource.sources || [];
    const sourceList = sources.length
      ? cg.el("ul", {class: "panel-sources"}, ...sources.map((source) => cg.el("li", {title: source.iri}, source.label || source.iri)))
      : cg.el("p", {class: "muted"}, cg.t("none"));

    ui.panel.dataset.state = "ready";
    ui.panel.replaceChildren(
      cg.el("div", {class: "panel-head"}, cg.el("h2", {}, label),
        cg.el("button", {type: "button", class: "secondary small", "aria-label": cg.t("close"),
          onclick: closePanel}, "×")),
      cg.el("p", {class: "panel-kind"}, swatch(kind), resource.kind_label || kindName(kind)),
      cg.el("p", {class: "panel-iri"}, cg.el("code", {}, id)),
      actions,
      resource.track ? trackSection(resource.track) : null,
      section(cg.t("facts"), factList),
      section(cg.t("links"), linkList),
      section(cg.t("sources"), sourceList),
    );
  }

  window.coopgraphExplorer = {
    get network() { return network; },
    nodes,
    edges,
    nodesView,
    edgesView,
    select,
    load,
    state,
  };

  load();
})();
