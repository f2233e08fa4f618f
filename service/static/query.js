/* The SPARQL query page: editor, stored queries with their parameters, results table, downloads.
   Needs coopgraph.js (cg). Runs typed queries through /sparql and stored ones through /api/queries/<name>,
   so both get the service's time limit, row cap and formats. No dependencies, no inline code (CSP). */
"use strict";
(() => {
  const form = document.getElementById("query-form");
  const editor = document.getElementById("editor");
  const picker = document.getElementById("stored");
  const description = document.getElementById("stored-description");
  const paramsBox = document.getElementById("params");
  const paramInputs = document.getElementById("param-inputs");
  const edited = document.getElementById("edited");
  const runButton = document.getElementById("run");
  const statusLine = document.getElementById("status");
  const notice = document.getElementById("notice");
  const errorBox = document.getElementById("error");
  const downloads = document.getElementById("downloads");
  const results = document.getElementById("results");

  const ENDPOINT = form.dataset.endpoint;
  const ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";
  const TABULAR = [["json", "JSON"], ["xml", "XML"], ["csv", "CSV"], ["tsv", "TSV"]];
  const BOOLEAN = [["json", "JSON"], ["xml", "XML"]];
  const GRAPH = [["turtle", "Turtle"], ["ntriples", "N-Triples"], ["jsonld", "JSON-LD"], ["rdfxml", "RDF/XML"]];
  const EXTENSIONS = {json: "srj", xml: "srx", csv: "csv", tsv: "tsv", turtle: "ttl", ntriples: "nt", jsonld: "jsonld", rdfxml: "rdf"};
  const PREFIXES = [
    ["cgr:", "https://w3id.org/coopgraph/id/"],
    ["cg:", "https://w3id.org/coopgraph/def#"],
    ["cgsh:", "https://w3id.org/coopgraph/shapes#"],
    ["rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"],
    ["rdfs:", "http://www.w3.org/2000/01/rdf-schema#"],
    ["xsd:", "http://www.w3.org/2001/XMLSchema#"],
    ["owl:", "http://www.w3.org/2002/07/owl#"],
    ["skos:", "http://www.w3.org/2004/02/skos/core#"],
    ["org:", "http://www.w3.org/ns/org#"],
    ["dcterms:", "http://purl.org/dc/terms/"],
    ["foaf:", "http://xmlns.com/foaf/0.1/"],
  ];

  let queries = new Map();
  let selected = null;

  /** An IRI in prefixed form when a known prefix fits (the full IRI stays in the link and its title). */
  function shorten(iri) {
    for (const [prefix, base] of PREFIXES) {
      if (iri.startsWith(base) && iri.length > base.length) return prefix + iri.slice(base.length);
    }
    return iri;
  }

  function show(node, visible) { node.hidden = !visible; }

  function clearOutput() {
    statusLine.textContent = "";
    notice.textContent = "";
    show(notice, false);
    errorBox.replaceChildren();
    show(errorBox, false);
    downloads.replaceChildren();
    show(downloads, false);
    results.replaceChildren();
  }

  // --- Stored queries ------------------------------------------------------------------------------------------

  async function loadStored() {
    try {
      const body = await cg.fetchJSON(form.dataset.api);
      const groups = {
        competency: cg.el("optgroup", {label: cg.t("questions")}),
        violation: cg.el("optgroup", {label: cg.t("checks")}),
      };
      const title = (q) => q.title[cg.lang] || q.title.es;
      for (const query of [...body.queries].sort((a, b) => title(a).localeCompare(title(b), cg.lang))) {
        queries.set(query.name, query);
        (groups[query.category] || groups.competency).append(cg.el("option", {value: query.name}, title(query)));
      }
      for (const group of Object.values(groups)) if (group.children.length) picker.append(group);
    } catch (error) {
      showNotice(cg.t("list_failed", {message: error.message}));
    }
  }

  function choose(name) {
    selected = queries.get(name) || null;
    paramInputs.replaceChildren();
    show(paramsBox, false);
    show(description, false);
    show(edited, false);
    if (!selected) return;
    editor.value = selected.query;
    description.textContent = selected.description[cg.lang] || selected.description.es;
    show(description, true);
    for (const param of selected.parameters) paramInputs.append(paramField(param));
    show(paramsBox, selected.parameters.length > 0);
  }

  function paramField(param) {
    const id = `param-${param.name}`;
    const label = param.description[cg.lang] || param.name;
    let input;
    if (param.allowed.length) {
      input = cg.el("select", {id, name: param.name, "data-param": param.name},
        param.allowed.map((value) => cg.el("option", {value, selected: value === param.default}, shorten(value))));
    } else {
      input = cg.el("input", {id, name: param.name, type: "text", "data-param": param.name, value: param.default ?? "",
        placeholder: param.default ?? "", required: param.required, size: 48, spellcheck: "false"});
    }
    const hint = param.default ? cg.el("span", {class: "muted hint"}, cg.t("default", {value: shorten(param.default)})) : null;
    return cg.el("div", {class: "param"},
      cg.el("label", {for: id}, label, " ", cg.el("code", {class: "param-name"}, `?${param.name}`)), input, hint);
  }

  /** The stored query's parameters as URL parameters (empty inputs fall back to the default on the server). */
  function paramValues() {
    const values = new URLSearchParams();
    for (const input of paramInputs.querySelectorAll("[data-param]")) {
      if (input.value !== "") values.set(input.dataset.param, input.value);
    }
    return values;
  }

  function storedRunnable() {
    return selected !== null && editor.value === selected.query;
  }

  function onEdit() {
    const stale = selected !== null && !storedRunnable();
    show(edited, stale);
    for (const input of paramInputs.querySelectorAll("[data-param]")) input.disabled = stale;
  }

  // --- Running -------------------------------------------------------------------------------------------------

  async function run() {
    const text = editor.value;
    clearOutput();
    if (!text.trim()) {
      showError({title: cg.t("error"), message: cg.t("empty")});
      return;
    }
    let request;
    let downloadUrl;
    let fileBase = "coopgraph-results";
    if (storedRunnable()) {
      const values = paramValues();
      const url = `${selected.url}?${values}`;
      request = fetch(url, {headers: {Accept: ACCEPT}});
      downloadUrl = (fmt) => { const p = new URLSearchParams(values); p.set("format", fmt); return `${selected.url}?${p}`; };
      fileBase = selected.name;
      remember({name: selected.name});
    } else {
      request = fetch(ENDPOINT, {
        method: "POST",
        headers: {Accept: ACCEPT, "Content-Type": "application/x-www-form-urlencoded"},
        body: new URLSearchParams({query: text}),
      });
      downloadUrl = (fmt) => `${ENDPOINT}?${new URLSearchParams({query: text, format: fmt})}`;
      remember({query: text});
    }
    runButton.disabled = true;
    statusLine.textContent = cg.t("running");
    const started = performance.now();
    try {
      const response = await request;
      const ms = Math.round(performance.now() - started);
      await showResponse(response, ms, downloadUrl, fileBase);
    } catch (error) {
      statusLine.textContent = "";
      showError({title: cg.t("error"), message: cg.t("network_error", {message: error.message})});
    } finally {
      runButton.disabled = false;
    }
  }

  /** Keep the page's URL in step with what ran (shareable; reloading re-runs a typed query). */
  function remember(params) {
    const target = new URL(window.location.href);
    target.search = "";
    if (cg.lang) target.searchParams.set("lang", cg.lang);
    for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
    if (target.href.length >= 8000) return;
    history.replaceState(null, "", target.pathname + target.search);
    const switcher = document.getElementById("lang-switch");  // base.html's language link keeps the query too
    if (switcher) {
      target.searchParams.set("lang", switcher.getAttribute("hreflang") || (cg.lang === "es" ? "en" : "es"));
      switcher.setAttribute("href", target.search);
    }
  }

  async function showResponse(response, ms, downloadUrl, fileBase) {
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok) {
      statusLine.textContent = "";
      const body = await response.json().catch(() => null);
      showError(body?.error || {title: `HTTP ${response.status}`, message: response.statusText});
      return;
    }
    const truncated = response.headers.get("X-Coopgraph-Truncated") === "true";
    if (type.includes("sparql-results+json")) {
      const body = await response.json();
      if (typeof body.boolean === "boolean") {
        statusLine.textContent = cg.t("boolean", {value: cg.t(String(body.boolean)), ms});
        results.append(cg.el("p", {class: "boolean"}, String(body.boolean)));
        showDownloads(BOOLEAN, downloadUrl, fileBase);
        return;
      }
      const rows = body.results.bindings;
      statusLine.textContent = rows.length === 1 ? cg.t("one_row", {ms}) : cg.t("rows", {count: rows.length, ms});
      if (truncated) {
        const max = body.coopgraph?.max_rows;
        showNotice(max ? cg.t("truncated", {max}) : cg.t("truncated_plain"));
      }
      results.append(rows.length ? table(body.head.vars, rows) : cg.el("p", {class: "muted"}, cg.t("no_rows")));
      showDownloads(TABULAR, downloadUrl, fileBase);
    } else {
      const text = await response.text();
      statusLine.textContent = cg.t("graph", {ms});
      if (truncated) showNotice(cg.t("truncated_plain"));
      results.append(cg.el("pre", {class: "graph-text"}, text));
      showDownloads(GRAPH, downloadUrl, fileBase);
    }
  }

  function table(vars, rows) {
    const head = cg.el("thead", {}, cg.el("tr", {}, vars.map((name) => cg.el("th", {scope: "col"}, name))));
    const body = cg.el("tbody", {}, rows.map((row) => cg.el("tr", {}, vars.map((name) => cg.el("td", {}, term(row[name]))))));
    return cg.el("table", {class: "results"}, head, body);
  }

  const GRAPH_RESOURCES = "https://w3id.org/coopgraph/id/";

  /** One RDF term as a cell: IRIs as links, literals with their language or datatype shown discreetly. */
  function term(value) {
    if (!value) return "";
    if (value.type === "uri") {
      const text = shorten(value.value);
      // The graph's own resources open in the explorer (their w3id IRIs need not resolve from here).
      if (value.value.startsWith(GRAPH_RESOURCES)) {
        return cg.el("a", {href: cg.url("/explore", {focus: value.value}), title: value.value, class: "iri"}, text);
      }
      return /^https?:\/\//i.test(value.value)
        ? cg.el("a", {href: value.value, title: value.value, rel: "noopener noreferrer", class: "iri"}, text)
        : cg.el("span", {class: "iri", title: value.value}, text);
    }
    if (value.type === "bnode") return cg.el("span", {class: "bnode"}, `_:${value.value}`);
    const parts = [cg.el("span", {class: "literal"}, value.value)];
    if (value["xml:lang"]) parts.push(cg.el("span", {class: "lang", title: "xml:lang"}, `@${value["xml:lang"]}`));
    else if (value.datatype && value.datatype !== "http://www.w3.org/2001/XMLSchema#string") {
      parts.push(cg.el("span", {class: "datatype", title: value.datatype}, shorten(value.datatype)));
    }
    return parts;
  }

  function showDownloads(formats, downloadUrl, fileBase) {
    const links = formats.map(([fmt, label]) => cg.el("a", {
      class: "download", href: downloadUrl(fmt), download: `${fileBase}.${EXTENSIONS[fmt]}`, "data-format": fmt,
    }, label));
    downloads.replaceChildren(cg.el("span", {class: "muted"}, cg.t("download")), ...links);
    show(downloads, true);
  }

  function showNotice(text) {
    notice.textContent = text;
    show(notice, true);
  }

  /** The service's error, readably: title (with line and column), message, and the line with a caret. */
  function showError(error) {
    const heading = error.line
      ? cg.t("error_at", {title: error.title, line: error.line, column: error.column})
      : error.title || cg.t("error");
    const parts = [cg.el("p", {class: "error-title"}, heading), cg.el("p", {class: "error-message"}, error.message)];
    if (error.line && error.column) {
      const line = editor.value.split("\n")[error.line - 1];
      if (line !== undefined) {
        const at = Math.min(Math.max(error.column - 2, 0), line.length);
        parts.push(cg.el("pre", {class: "error-context"}, `${line}\n${" ".repeat(at)}^`));
        const offset = editor.value.split("\n").slice(0, error.line - 1).reduce((sum, l) => sum + l.length + 1, 0) + at;
        editor.setSelectionRange(offset, Math.min(offset + 1, editor.value.length));
      }
    }
    errorBox.replaceChildren(...parts);
    show(errorBox, true);
  }

  // --- Wiring --------------------------------------------------------------------------------------------------

  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
  });
  editor.addEventListener("input", onEdit);
  picker.addEventListener("change", () => { choose(picker.value); clearOutput(); });

  (async () => {
    await loadStored();
    const name = form.dataset.name;
    if (name) {
      if (queries.has(name)) { picker.value = name; choose(name); }
      else if (queries.size) showNotice(cg.t("unknown_name", {name}));
    }
    form.dataset.ready = "true";
    if (form.dataset.autorun === "true") run();
  })();
})();
