/* The partner search page: fill the pickers from /api/match/options, ask /api/match (or .../similar), show the
   ranked partners with their explanations, each resource linked into the graph. Uses cg (coopgraph.js). */
"use strict";
(() => {
  const form = document.getElementById("match-form");
  const need = document.getElementById("need");
  const submit = document.getElementById("match-submit");
  const status = document.getElementById("match-status");
  const errorBox = document.getElementById("match-error");
  const summary = document.getElementById("match-summary");
  const results = document.getElementById("match-results");
  const prefill = JSON.parse(document.getElementById("match-prefill").textContent || "{}");
  const exploreUrl = form.dataset.explore || "";
  const queryUrl = form.dataset.query || "/sparql";
  const PREFIXES = [
    ["https://w3id.org/coopgraph/id/", "cgr:"],
    ["https://w3id.org/coopgraph/def#", "cg:"],
  ];
  let latest = 0; // answers to older requests are dropped
  let kindNames = {}; // kind key -> its name in the page language, from /api/match/options

  /** A short, readable name for an IRI (cgr:slug), the IRI itself otherwise. */
  function compact(iri) {
    for (const [base, prefix] of PREFIXES) if (iri.startsWith(base)) return prefix + iri.slice(base.length);
    return iri;
  }

  /** A URL with repeated parameters for lists; the page language is kept. */
  function withParams(path, params) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      for (const item of Array.isArray(value) ? value : [value]) if (item !== undefined && item !== null && item !== "") search.append(name, item);
    }
    if (!search.has("lang")) search.set("lang", cg.lang);
    return `${path}?${search}`;
  }

  function describeHref(iri) {
    return `${queryUrl}?query=${encodeURIComponent(`DESCRIBE <${iri}>`)}`;
  }

  /** Links for one graph resource: to the network explorer (when the site has it) and a SPARQL DESCRIBE. */
  function resourceLinks(iri) {
    const links = [];
    if (exploreUrl) {
      links.push(cg.el("a", {class: "resource", href: cg.url(exploreUrl, {focus: iri}), title: cg.t("exploreTitle", {iri}), "data-iri": iri}, compact(iri)));
    } else {
      links.push(cg.el("a", {class: "resource", href: describeHref(iri), title: cg.t("describeTitle", {iri}), "data-iri": iri}, compact(iri)));
    }
    links.push(cg.el("a", {class: "sparql", href: describeHref(iri), title: cg.t("describeTitle", {iri})}, cg.t("sparql")));
    return cg.el("span", {class: "links"}, ...links);
  }

  function typeName(type) {
    const key = `type.${type}`;
    const text = cg.t(key);
    return text === key ? type : text;
  }

  function explanationItem(item) {
    return cg.el(
      "li",
      {class: "explanation", "data-type": item.type},
      cg.el("span", {class: "type"}, typeName(item.type)),
      " ",
      cg.el("span", {class: "text"}, item.text),
      " ",
      ...(item.resources || []).map(resourceLinks),
    );
  }

  function resultItem(result, rank) {
    const score = Number(result.score) || 0;
    const country = result.country;
    return cg.el(
      "li",
      {class: "result", "data-partner": result.partner, "data-score": score},
      cg.el(
        "div",
        {class: "head"},
        cg.el("span", {class: "rank"}, cg.t("rank", {rank})),
        " ",
        cg.el("a", {class: "label", href: exploreUrl ? cg.url(exploreUrl, {focus: result.partner}) : describeHref(result.partner)}, result.label || compact(result.partner)),
        result.kind ? cg.el("span", {class: "kind", "data-kind": result.kind}, kindNames[result.kind] || result.kind) : null,
        country ? cg.el("span", {class: "country", title: country.iri}, country.label || country.code || compact(country.iri)) : null,
        cg.el("span", {class: "score-box"},
          cg.el("meter", {class: "score", min: 0, max: 1, value: score, title: cg.t("score", {score: score.toFixed(2)})}),
          cg.el("span", {class: "score-value"}, score.toFixed(2))),
      ),
      cg.el("ul", {class: "explanations"}, ...(result.explanation || []).map(explanationItem)),
      cg.el(
        "div",
        {class: "more"},
        cg.el("a", {class: "sparql", href: describeHref(result.partner), title: cg.t("describeTitle", {iri: result.partner})}, cg.t("sparql")),
        " ",
        cg.el("a", {class: "similar", href: cg.url("/match", {similar: result.partner})}, cg.t("similarLink")),
      ),
    );
  }

  function clear() {
    errorBox.hidden = true;
    errorBox.replaceChildren();
    summary.replaceChildren();
    results.replaceChildren();
    status.textContent = "";
  }

  /** Show an error: the service's message in the page language, and its suggestions as links, if any. */
  function showError(error) {
    const body = error.body?.error || {};
    const message = (cg.lang === "es" && body.message_es) || body.message || error.message || String(error);
    errorBox.replaceChildren(cg.el("span", {class: "message"}, cg.t("error", {message})));
    const suggestions = body.suggestions || [];
    if (suggestions.length) {
      const current = formValues();
      const target = prefill.similar && !current.need ? (s) => ({similar: s.iri}) : (s) => ({...current, requester: s.iri});
      errorBox.append(
        cg.el("p", {class: "suggest"}, cg.t("suggest")),
        cg.el("ul", {class: "suggestions"}, ...suggestions.map((s) =>
          cg.el("li", {}, cg.el("a", {href: withParams("/match", target(s)), "data-iri": s.iri}, s.label || compact(s.iri), s.code ? ` (${s.code})` : "")))),
      );
    }
    errorBox.hidden = false;
    status.textContent = "";
    form.dataset.state = "error";
  }

  function formValues() {
    const data = new FormData(form);
    const one = (name) => (data.get(name) || "").toString().trim();
    return {
      need: one("need"),
      requester: one("requester"),
      kind: one("kind"),
      cooperation: one("cooperation"),
      country: one("country"),
      limit: one("limit"),
      sector: data.getAll("sector").map(String).filter(Boolean),
    };
  }

  function showSummary(answer) {
    const parts = [];
    const themes = answer.need?.themes || [];
    if (themes.length) {
      parts.push(cg.el("p", {class: "themes"}, cg.t("themes"), " ", ...themes.map((theme, i) => cg.el("span", {class: "theme"},
        i ? "; " : "", theme.label, theme.matched ? ` (${cg.t("matchedBy", {matched: theme.matched})})` : "", " ", resourceLinks(theme.sector)))));
    }
    if (answer.requester) parts.push(cg.el("p", {class: "requester"}, cg.t("requester", {label: answer.requester.label || answer.requester.code || compact(answer.requester.iri)})));
    summary.replaceChildren(...parts);
  }

  function showResults(answer, heading) {
    status.textContent = answer.results.length ? heading : cg.t("noResults");
    results.replaceChildren(...answer.results.map((result, i) => resultItem(result, i + 1)));
  }

  /** Run one search; `form.dataset.state` says where it is (loading, done, error) for people's tools and tests. */
  async function run(load, describe) {
    const ticket = ++latest;
    clear();
    status.textContent = cg.t("loading");
    submit.disabled = true;
    form.dataset.state = "loading";
    try {
      const answer = await load();
      if (ticket !== latest) return;
      status.textContent = "";
      describe(answer);
      form.dataset.state = "done";
    } catch (error) {
      if (ticket === latest) showError(error);
    } finally {
      if (ticket === latest) submit.disabled = false;
    }
  }

  function runMatch() {
    const values = formValues();
    if (!values.need && !values.sector.length) {
      clear();
      showError(new Error(cg.t("emptyNeed")));
      need.focus();
      return;
    }
    history.replaceState(null, "", withParams("/match", values));
    run(
      () => cg.fetchJSON(withParams("/api/match", values)),
      (answer) => {
        showSummary(answer);
        showResults(answer, cg.t("count", {n: answer.results.length, need: answer.need?.text || values.need}));
      },
    );
  }

  function runSimilar(iri) {
    run(
      () => cg.fetchJSON(withParams(`/api/partners/${encodeURIComponent(iri)}/similar`, {limit: prefill.limit})),
      (answer) => {
        const actor = answer.actor || {};
        showResults(answer, cg.t("countSimilar", {n: answer.results.length, label: actor.label || compact(actor.iri || iri)}));
      },
    );
  }

  /** Fill a select with a blank choice first, then the options ([value, text, other names]); select the prefilled
      value, found by value or by another name (a province's ISO code), and added as is when not offered. */
  function fill(select, options, blank) {
    const wanted = (select.dataset.value || "").trim();
    select.replaceChildren(cg.el("option", {value: ""}, blank), ...options.map(([value, text]) => cg.el("option", {value}, text)));
    const folded = wanted.toLowerCase();
    const found = options.find(([value, , names = []]) => value === wanted || names.some((name) => name.toLowerCase() === folded));
    if (wanted && !found) select.append(cg.el("option", {value: wanted}, compact(wanted)));
    select.value = found ? found[0] : wanted;
  }

  async function start() {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      runMatch();
    });
    status.textContent = cg.t("loadingOptions");
    submit.disabled = true;
    try {
      const options = await cg.fetchJSON(cg.url("/api/match/options"));
      fill(document.getElementById("requester"), options.requesters.map((r) => [r.iri, `${r.label} (${r.code})`, [r.code]]), cg.t("none"));
      fill(document.getElementById("kind"), options.kinds.map((k) => [k.key, k.label]), cg.t("any"));
      kindNames = Object.fromEntries(options.kinds.map((k) => [k.key, k.label]));
      fill(document.getElementById("cooperation"), options.cooperation.map((c) => [c.iri, c.label]), cg.t("any"));
      status.textContent = "";
    } catch (error) {
      showError(error);
      return;
    } finally {
      submit.disabled = false;
    }
    form.dataset.ready = "true";
    if (prefill.similar) runSimilar(prefill.similar);
    else if (prefill.need || (prefill.sector || []).length) runMatch();
  }

  start();
})();
