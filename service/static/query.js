/* The SPARQL query page: editor (CodeMirror, vendored), stored questions with their parameters written into the
   text, results with paging and sorting, downloads, history, shareable links, readable errors.
   Needs coopgraph.js (cg) and vendor/codemirror/codemirror.min.js (CoopgraphEditor; without it the plain textarea
   stays). Runs typed or edited text through /sparql and unedited stored questions through /api/queries/<name>,
   so both get the service's time limit, row cap and formats. No inline code (CSP).
   window.coopgraphQuery is a small hook for tests and for people at the console. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const form = $("query-form");
  const textarea = $("editor");
  const picker = $("stored");
  const description = $("stored-description");
  const paramsBox = $("params");
  const paramInputs = $("param-inputs");
  const edited = $("edited");
  const runButton = $("run");
  const share = $("share");
  const statusLine = $("status");
  const notice = $("notice");
  const errorBox = $("error");
  const downloads = $("downloads");
  const results = $("results");
  const pager = $("pager");
  const historyBox = $("history");
  const historyList = $("history-list");

  const ENDPOINT = form.dataset.endpoint;
  const ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";
  const TABULAR = [["json", "JSON"], ["xml", "XML"], ["csv", "CSV"], ["tsv", "TSV"]];
  const BOOLEAN = [["json", "JSON"], ["xml", "XML"]];
  const GRAPH = [["turtle", "Turtle"], ["ntriples", "N-Triples"], ["jsonld", "JSON-LD"], ["rdfxml", "RDF/XML"]];
  const EXTENSIONS = {json: "srj", xml: "srx", csv: "csv", tsv: "tsv", turtle: "ttl", ntriples: "nt", jsonld: "jsonld", rdfxml: "rdf"};
  const PREFIXES = JSON.parse($("prefixes")?.textContent || "{}");
  const PAGE_WORDS = new Set(["lang", "name", "query"]);
  /** A stored question's parameter in the page's address: its own name, or `param-<name>` for the page's words. */
  const urlName = (param) => (PAGE_WORDS.has(param) ? `param-${param}` : param);
  const HISTORY_KEY = "coopgraph.query.history";
  const HISTORY_MAX = 30;
  const FORMS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"];
  const GRAPH_RESOURCES = "https://w3id.org/coopgraph/id/";

  const queries = new Map();
  let selected = null;      // the stored question picked, or null
  let generated = "";       // the text the service wrote for it and the current values
  let valuesBlock = "";     // its VALUES block, as written in that text
  let table = null;         // {vars, rows, page, size, sort: {column, descending}}

  // --- The editor ------------------------------------------------------------------------------------------------

  const editor = typeof CoopgraphEditor !== "undefined"
    ? CoopgraphEditor.create(textarea, {
      prefixes: PREFIXES, label: cg.t("editor_label"), run: () => run(), change: onEdit,
      labels: {declare: cg.t("declare")},
    })
    : {  // no editor bundle: the plain textarea
      getText: () => textarea.value,
      setText: (text) => { textarea.value = text; },
      focus: () => textarea.focus(),
      select: (from, to) => { textarea.focus(); textarea.setSelectionRange(from, to); },
    };
  if (!editor.view) {
    textarea.addEventListener("input", onEdit);
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
    });
  }
  function setText(text) {
    editor.setText(text);
    textarea.value = text;
  }

  /** An IRI in prefixed form when one of the graph's prefixes fits (the full IRI stays in the link's title). */
  function shorten(iri) {
    for (const [prefix, base] of Object.entries(PREFIXES)) {
      if (iri.startsWith(base) && iri.length > base.length && /^[\w-]+$/.test(iri.slice(base.length))) {
        return `${prefix}:${iri.slice(base.length)}`;
      }
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
    show(pager, false);
    table = null;
  }

  // --- Stored questions ----------------------------------------------------------------------------------------

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

  /** Pick a stored question; `given` are parameter values (from the address), the others take their defaults,
      and a `lang` parameter follows the page's language. */
  async function choose(name, given = {}) {
    selected = queries.get(name) || null;
    paramInputs.replaceChildren();
    show(paramsBox, false);
    show(description, false);
    show(edited, false);
    generated = "";
    valuesBlock = "";
    delete form.dataset.question;
    if (!selected) return;
    description.textContent = selected.description[cg.lang] || selected.description.es;
    show(description, true);
    for (const param of selected.parameters) {
      let value = given[param.name];
      if (value === undefined && param.name === "lang" && (!param.allowed.length || param.allowed.includes(cg.lang))) value = cg.lang;
      paramInputs.append(paramField(param, value ?? param.default ?? ""));
    }
    show(paramsBox, selected.parameters.length > 0);
    await writeParameters();
  }

  function paramField(param, value) {
    const id = `param-${param.name}`;
    const label = param.description[cg.lang] || param.name;
    let input;
    if (param.allowed.length) {
      input = cg.el("select", {id, name: param.name, "data-param": param.name},
        param.allowed.map((allowed) => cg.el("option", {value: allowed, selected: allowed === value}, shorten(allowed))));
    } else {
      input = cg.el("input", {id, name: param.name, type: "text", "data-param": param.name, value,
        placeholder: param.default ?? "", required: param.required, size: 48, spellcheck: "false"});
    }
    input.addEventListener("change", () => writeParameters());
    const hint = param.default ? cg.el("span", {class: "muted hint"}, cg.t("default", {value: shorten(param.default)})) : null;
    return cg.el("div", {class: "param"},
      cg.el("label", {for: id}, label, " ", cg.el("code", {class: "param-name"}, `?${param.name}`)), input, hint);
  }

  /** The parameter fields' values (empty fields fall back to the default on the server). */
  function paramValues() {
    const values = {};
    for (const input of paramInputs.querySelectorAll("[data-param]")) if (input.value !== "") values[input.dataset.param] = input.value;
    return values;
  }

  /** Ask the service for the question's text with the fields' values in its VALUES block; put it in the editor (or,
      once edited, swap the old VALUES block for the new one in the edited text). */
  async function writeParameters() {
    if (!selected) return;
    const asked = selected;
    let body;
    try {
      body = await cg.fetchJSON(`${selected.text_url}?${new URLSearchParams(paramValues())}`);
    } catch (error) {
      showError(error.body?.error || {title: cg.t("error"), message: error.message});
      return;
    }
    if (asked !== selected) return;
    errorBox.replaceChildren();
    show(errorBox, false);
    const block = body.values;
    const current = editor.getText();
    if (!generated || current === generated) {
      setText(body.query);
    } else if (valuesBlock && current.includes(valuesBlock)) {
      setText(current.replace(valuesBlock, block));
    } else {
      showNotice(cg.t("params_not_in_text"));
    }
    generated = body.query;
    valuesBlock = block;
    onEdit();
    form.dataset.question = selected.name;  // the editor holds this question's text (tests wait for it)
  }

  function storedRunnable() {
    return selected !== null && generated !== "" && editor.getText() === generated;
  }

  function onEdit() {
    show(edited, selected !== null && generated !== "" && !storedRunnable());
  }

  // --- Running -------------------------------------------------------------------------------------------------

  async function run() {
    const text = editor.getText();
    clearOutput();
    if (!text.trim()) {
      showError({title: cg.t("error"), message: cg.t("empty")});
      return;
    }
    let request;
    let downloadUrl;
    let fileBase = "coopgraph-results";
    if (storedRunnable()) {
      const values = new URLSearchParams(paramValues());
      request = fetch(`${selected.url}?${values}`, {headers: {Accept: ACCEPT, "Accept-Language": cg.lang}});
      downloadUrl = (fmt) => { const p = new URLSearchParams(values); p.set("format", fmt); return `${selected.url}?${p}`; };
      fileBase = selected.name;
      const address = {name: selected.name};
      for (const [param, value] of values) {
        if (param === "lang" && value === cg.lang) continue;  // the page's language already says it
        address[urlName(param)] = value;
      }
      remember(address, {text, name: selected.name, values: Object.fromEntries(values)});
    } else {
      request = fetch(ENDPOINT, {
        method: "POST",
        headers: {Accept: ACCEPT, "Accept-Language": cg.lang, "Content-Type": "application/x-www-form-urlencoded"},
        body: new URLSearchParams({query: text}),
      });
      downloadUrl = (fmt) => `${ENDPOINT}?${new URLSearchParams({query: text, format: fmt})}`;
      remember({query: text}, {text});
    }
    runButton.disabled = true;
    statusLine.textContent = cg.t("running");
    const started = performance.now();
    try {
      const response = await request;
      await showResponse(response, started, downloadUrl, fileBase);
    } catch (error) {
      statusLine.textContent = "";
      showError({title: cg.t("error"), message: cg.t("network_error", {message: error.message})});
    } finally {
      runButton.disabled = false;
      form.dataset.runs = String(Number(form.dataset.runs || 0) + 1);
    }
  }

  /** Keep the address in step with what ran (a link that opens the same query, and runs it), and the history. */
  function remember(params, entry) {
    const target = new URL(window.location.href);
    target.search = "";
    target.searchParams.set("lang", cg.lang);
    for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
    if (target.href.length < 8000) {
      history.replaceState(null, "", target.pathname + target.search);
      share.href = target.pathname + target.search;
      show(share, true);
      const switcher = $("lang-switch");  // base.html's language link keeps the query too
      if (switcher) {
        target.searchParams.set("lang", switcher.getAttribute("hreflang") || (cg.lang === "es" ? "en" : "es"));
        switcher.setAttribute("href", target.search);
      }
    }
    addToHistory(entry);
  }

  async function showResponse(response, started, downloadUrl, fileBase) {
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok) {
      statusLine.textContent = "";
      const body = await response.json().catch(() => null);
      showError(body?.error || {status: response.status, title: "", message: response.statusText});
      return;
    }
    const truncated = response.headers.get("X-Coopgraph-Truncated") === "true";
    if (type.includes("sparql-results+json")) {
      const body = await response.json();
      const ms = Math.round(performance.now() - started);
      if (typeof body.boolean === "boolean") {
        statusLine.textContent = cg.t("boolean", {value: cg.t(String(body.boolean)), ms});
        results.append(cg.el("p", {class: "boolean"}, String(body.boolean)));
        showDownloads(BOOLEAN, downloadUrl, fileBase);
        return;
      }
      const rows = body.results.bindings;
      statusLine.textContent = rows.length === 1 ? cg.t("one_row", {ms}) : cg.t("rows", {count: rows.length, ms});
      if (truncated) {
        const max = body.head?.coopgraph?.max_rows;
        showNotice(max ? cg.t("truncated", {max}) : cg.t("truncated_plain"));
      }
      showDownloads(TABULAR, downloadUrl, fileBase);
      if (!rows.length) {
        results.append(cg.el("p", {class: "muted"}, cg.t("no_rows")));
        return;
      }
      table = {vars: body.head.vars, rows, order: rows, page: 0, size: Number($("page-size").value) || 100, sort: null};
      drawTable();
    } else {
      const text = await response.text();
      statusLine.textContent = cg.t("graph", {ms: Math.round(performance.now() - started)});
      if (truncated) showNotice(cg.t("truncated_plain"));
      results.append(cg.el("pre", {class: "graph-text"}, text));
      showDownloads(GRAPH, downloadUrl, fileBase);
    }
  }

  // --- Results: one page at a time, sortable by any column --------------------------------------------------------

  const NUMERIC = /#(integer|decimal|double|float|int|long|short|byte|nonNegativeInteger|positiveInteger|gYear)$/;

  function compareTerms(a, b) {
    if (!a || !b) return a ? -1 : b ? 1 : 0;  // unbound last
    if (a.datatype && b.datatype && NUMERIC.test(a.datatype) && NUMERIC.test(b.datatype)) {
      const difference = Number(a.value) - Number(b.value);
      if (!Number.isNaN(difference) && difference !== 0) return difference;
    }
    return String(a.value).localeCompare(String(b.value), cg.lang, {numeric: true, sensitivity: "base"});
  }

  function sortBy(column) {
    const descending = table.sort?.column === column ? !table.sort.descending : false;
    table.sort = {column, descending};
    const sign = descending ? -1 : 1;
    table.order = [...table.rows].sort((a, b) => sign * compareTerms(a[column], b[column]));
    table.page = 0;
    drawTable();
    results.querySelector(`th[data-column="${CSS.escape(column)}"] button`)?.focus();
  }

  function drawTable() {
    const {vars, order, size} = table;
    const pages = Math.max(1, Math.ceil(order.length / size));
    table.page = Math.min(Math.max(table.page, 0), pages - 1);
    const first = table.page * size;
    const shown = order.slice(first, first + size);
    const head = cg.el("thead", {}, cg.el("tr", {}, vars.map((name) => {
      const sorted = table.sort?.column === name ? (table.sort.descending ? "descending" : "ascending") : null;
      return cg.el("th", {scope: "col", "data-column": name, "aria-sort": sorted},
        cg.el("button", {type: "button", class: "sort", title: cg.t("sort_by", {column: name}), onclick: () => sortBy(name)},
          name, cg.el("span", {class: "sort-mark", "aria-hidden": "true"}, sorted === "ascending" ? " ▲" : sorted === "descending" ? " ▼" : "")));
    })));
    const body = cg.el("tbody", {}, shown.map((row) => cg.el("tr", {}, vars.map((name) => cg.el("td", {}, term(row[name]))))));
    results.replaceChildren(cg.el("table", {class: "results"}, head, body));
    show(pager, order.length > size);
    $("page-info").textContent = cg.t("page_info", {from: first + 1, to: first + shown.length, count: order.length});
    $("page-prev").disabled = table.page === 0;
    $("page-next").disabled = table.page >= pages - 1;
  }

  $("page-prev").addEventListener("click", () => { table.page -= 1; drawTable(); });
  $("page-next").addEventListener("click", () => { table.page += 1; drawTable(); });
  $("page-size").addEventListener("change", () => {
    if (!table) return;
    const first = table.page * table.size;
    table.size = Number($("page-size").value) || 100;
    table.page = Math.floor(first / table.size);
    drawTable();
  });

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

  // --- Downloads: the CSV link gives a file with a byte order mark, so that Excel reads its accents right --------

  function showDownloads(formats, downloadUrl, fileBase) {
    const links = formats.map(([fmt, label]) => {
      const name = `${fileBase}.${EXTENSIONS[fmt]}`;
      const link = cg.el("a", {class: "download", href: downloadUrl(fmt), download: name, "data-format": fmt}, label);
      if (fmt === "csv") link.addEventListener("click", (event) => { event.preventDefault(); downloadWithBom(link.href, name); });
      return link;
    });
    downloads.replaceChildren(cg.el("span", {class: "muted"}, cg.t("download")), ...links);
    show(downloads, true);
  }

  /** The SPARQL CSV answer (W3C format, no BOM: programs read it) saved with a UTF-8 BOM for spreadsheets. */
  async function downloadWithBom(href, name) {
    try {
      const response = await fetch(href);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const blob = new Blob(["\ufeff", await response.text()], {type: "text/csv;charset=utf-8"});
      const url = URL.createObjectURL(blob);
      const save = cg.el("a", {href: url, download: name, hidden: true});
      document.body.append(save);
      save.click();
      save.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      showError({title: cg.t("error"), message: cg.t("network_error", {message: error.message})});
    }
  }

  function showNotice(text) {
    notice.textContent = text;
    show(notice, true);
  }

  // --- Errors, in the page's language -------------------------------------------------------------------------

  /** The service's title in the page's language (by its title, else by its HTTP status). */
  function errorTitle(error) {
    const known = cg.t(`title:${error.title}`);
    if (error.title && known !== `title:${error.title}`) return known;
    const byStatus = cg.t(`status:${error.status}`);
    if (error.status && byStatus !== `status:${error.status}`) return byStatus;
    return error.title || cg.t("error");
  }

  /** The word (prefixed name, keyword...) at a 1-based line and column of the text. */
  function wordAt(text, line, column) {
    const row = text.split("\n")[line - 1] || "";
    const at = Math.max(0, Math.min(column - 1, row.length));
    const start = row.slice(0, at).search(/[\w:-]*$/);
    const end = at + (row.slice(at).match(/^[\w:-]*/) || [""])[0].length;
    return row.slice(start, end);
  }

  function closestForm(word) {
    const upper = word.toUpperCase();
    const distance = (a, b) => {
      const d = Array.from({length: a.length + 1}, (_, i) => [i, ...Array(b.length).fill(0)]);
      for (let j = 1; j <= b.length; j++) d[0][j] = j;
      for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) {
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
      return d[a.length][b.length];
    };
    const best = FORMS.map((form) => [distance(upper, form), form]).sort((a, b) => a[0] - b[0])[0];
    return best[0] <= 2 ? best[1] : "";
  }

  /** The first word of the query after its comments, PREFIX and BASE declarations. */
  function firstWord(text) {
    const body = text.replace(/#[^\n]*/g, "").replace(/^\s*(?:(?:PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*/i, "");
    return (body.match(/^\s*([A-Za-z_]\w*)/) || [])[1] || "";
  }

  /** What to tell a person about the service's error: [sentence, action button or null]. */
  function readError(error, text) {
    // The patterns below read the service's English text; a message the page does not explain further is
    // shown as the service wrote it in the page's language.
    const message = String(error.message_en || error.message || "");
    const local = String((cg.lang === "en" ? error.message_en : error.message_es) || error.message || "");
    if (error.title === "Refused") {
      if (/^SERVICE/.test(message)) return [cg.t("refused_service"), null];
      if (/Update|LOAD/i.test(message)) return [cg.t("refused_update"), null];
      if (/^FROM/.test(message)) return [cg.t("refused_from"), null];
    }
    if (error.status === 503 && /time/i.test(`${error.title} ${message}`)) return [cg.t("timeout"), null];
    if (error.title !== "SPARQL syntax error") return [local, null];
    if (/Prefix not found/.test(message) && error.line) {
      const word = wordAt(text, error.line, error.column);
      const prefix = `${word.split(":")[0]}:`;
      const iri = PREFIXES[prefix.slice(0, -1)];
      const action = iri
        ? cg.el("button", {type: "button", class: "secondary small", id: "add-prefix", onclick: () => addPrefix(prefix, iri)},
          cg.t("add_prefix", {prefix, iri}))
        : null;
      return [cg.t("undeclared_prefix", {prefix}), action];
    }
    const first = firstWord(text);
    if (first && !FORMS.includes(first.toUpperCase())) {
      const guess = closestForm(first);
      return [`${cg.t("bad_form", {word: first})}${guess ? ` ${cg.t("did_you_mean", {word: guess})}` : ""}`, null];
    }
    if (/unbound/.test(message)) return [cg.t("unbound_select"), null];
    // The parser's column is where it stopped: just after the token it could not take.
    const offset = text.split("\n").slice(0, (error.line || 1) - 1).reduce((sum, l) => sum + l.length + 1, 0) + (error.column || 1) - 1;
    const before = text.slice(0, offset).trimEnd();
    if (error.line && offset > before.length && !text.slice(offset).trim()) return [cg.t("unexpected_end"), null];
    const expected = [...(message.split("expected one of ")[1] || message.split("expected ")[1] || "").matchAll(/"((?:[^"\\]|\\.)+)"|\b([A-Z][A-Z_]+)\b/g)]
      .map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2])).filter((token) => token !== "_");
    const found = error.line ? (before.match(/[\w:?$-]+$/) || [before.slice(-1)])[0] : "";
    const parts = [];
    if (found) parts.push(cg.t("unexpected_here", {found}));
    if (expected.length) parts.push(cg.t("expected", {tokens: expected.slice(0, 8).map((t) => `«${t}»`).join(", ")}));
    return [parts.join(" ") || local, null];
  }

  function addPrefix(prefix, iri) {
    const text = editor.getText();
    const line = `PREFIX ${prefix} <${iri}>\n`;
    let at = 0;
    for (const match of text.matchAll(/^\s*PREFIX\s[^\n]*\n?/gim)) at = match.index + match[0].length;
    if (!at) at = (text.match(/^(?:\s*#[^\n]*\n)*/) || [""])[0].length;
    setText(text.slice(0, at) + line + text.slice(at));
    onEdit();
    errorBox.replaceChildren();
    show(errorBox, false);
    editor.focus();
  }

  /** The service's error, readably: title (with line and column) in the page's language, what to do, the line with a
      caret, and the parser's own words folded away. */
  function showError(error) {
    const text = editor.getText();
    const title = errorTitle(error);
    const heading = error.line ? cg.t("error_at", {title, line: error.line, column: error.column}) : title;
    const [sentence, action] = readError(error, text);
    const parts = [cg.el("p", {class: "error-title"}, heading), cg.el("p", {class: "error-message"}, sentence)];
    if (action) parts.push(cg.el("p", {}, action));
    if (error.line && error.column) {
      const line = text.split("\n")[error.line - 1];
      if (line !== undefined) {
        const at = Math.min(Math.max(error.column - 1, 0), line.length);
        parts.push(cg.el("pre", {class: "error-context"}, `${line}\n${" ".repeat(at)}^`));
        const offset = text.split("\n").slice(0, error.line - 1).reduce((sum, l) => sum + l.length + 1, 0) + at;
        editor.select(offset, Math.min(offset + 1, text.length));
      }
    }
    if (error.message && sentence !== error.message) {
      parts.push(cg.el("details", {class: "parser-message"}, cg.el("summary", {}, cg.t("parser_said")),
        cg.el("pre", {}, error.message)));
    }
    errorBox.replaceChildren(...parts);
    show(errorBox, true);
  }

  // --- History (this browser only) ---------------------------------------------------------------------------

  function readHistory() {
    try {
      const items = JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]");
      return Array.isArray(items) ? items.filter((item) => item && typeof item.text === "string") : [];
    } catch {
      return [];
    }
  }

  function addToHistory(entry) {
    const items = readHistory().filter((item) => item.text !== entry.text);
    items.unshift({...entry, at: new Date().toISOString()});
    try {
      localStorage.setItem(HISTORY_KEY, JSON.stringify(items.slice(0, HISTORY_MAX)));
    } catch { /* storage full or refused: the history is a convenience */ }
    drawHistory();
  }

  function drawHistory() {
    const items = readHistory();
    $("history-count").textContent = items.length ? cg.t("history_count", {count: items.length}) : "";
    historyList.replaceChildren(...(items.length
      ? items.map((item, index) => {
        const title = item.name && queries.has(item.name)
          ? queries.get(item.name).title[cg.lang] || item.name
          : item.text.replace(/#[^\n]*/g, "").replace(/^\s*(PREFIX[^\n]*\n\s*)*/i, "").replace(/\s+/g, " ").trim().slice(0, 110);
        const when = item.at ? new Date(item.at).toLocaleString(cg.lang) : "";
        return cg.el("li", {},
          cg.el("button", {type: "button", class: "linklike history-item", "data-index": index, title: cg.t("history_restore"),
            onclick: () => restore(item)}, title),
          cg.el("span", {class: "muted small"}, ` ${when}`));
      })
      : [cg.el("li", {class: "muted"}, cg.t("history_empty"))]));
  }

  async function restore(item) {
    clearOutput();
    if (item.name && queries.has(item.name)) {
      picker.value = item.name;
      await choose(item.name, item.values || {});
      if (item.text !== editor.getText()) setText(item.text);
    } else {
      picker.value = "";
      await choose("");
      setText(item.text);
    }
    onEdit();
    editor.focus();
  }

  $("history-clear").addEventListener("click", () => {
    localStorage.removeItem(HISTORY_KEY);
    drawHistory();
  });

  // --- Wiring --------------------------------------------------------------------------------------------------

  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  picker.addEventListener("change", async () => { clearOutput(); await choose(picker.value); });

  /** The stored question's parameter values the address gives (`?name=...&sector=...&param-lang=...`). */
  function addressValues(query) {
    const params = new URLSearchParams(window.location.search);
    const values = {};
    for (const param of query.parameters) {
      const value = params.get(urlName(param.name));
      if (value !== null && value !== "") values[param.name] = value;
    }
    return values;
  }

  window.coopgraphQuery = {editor, getText: () => editor.getText(), setText: (text) => { setText(text); onEdit(); }, run};

  (async () => {
    await loadStored();
    drawHistory();
    const name = form.dataset.name;
    let runNow = form.dataset.autorun === "true";
    if (name && !new URLSearchParams(window.location.search).has("query")) {
      if (queries.has(name)) {
        picker.value = name;
        await choose(name, addressValues(queries.get(name)));
      } else {
        runNow = false;
        if (queries.size) showNotice(cg.t("unknown_name", {name}));
      }
    }
    form.dataset.ready = "true";
    if (runNow) run();
  })();
})();
