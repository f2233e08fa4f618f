/* The partner search page: fill the pickers from /api/match/options, ask /api/match (or .../similar) and show the
   ranked partners as compact cards (partner, why in one line, channels, contact, score parts), their explanations
   folded, the requester's legal basis once above them, and a CSV of the list. Uses cg (coopgraph.js). */
"use strict";
(() => {
  const form = document.getElementById("match-form");
  const need = document.getElementById("need");
  const sectorPicker = document.getElementById("sector");
  const requesterPicker = document.getElementById("requester");
  const cooperationPicker = document.getElementById("cooperation");
  const scopeNote = document.getElementById("cooperation-scope");
  const submit = document.getElementById("match-submit");
  const status = document.getElementById("match-status");
  const errorBox = document.getElementById("match-error");
  const summary = document.getElementById("match-summary");
  const tools = document.getElementById("match-tools");
  const csvLink = document.getElementById("match-csv");
  const results = document.getElementById("match-results");
  const prefill = JSON.parse(document.getElementById("match-prefill").textContent || "{}");
  const exploreUrl = form.dataset.explore || "";
  const queryUrl = form.dataset.query || "/sparql";
  const PREFIXES = [
    ["https://w3id.org/coopgraph/id/", "cgr:"],
    ["https://w3id.org/coopgraph/def#", "cg:"],
  ];
  /* The parts of a score in the order they are shown; a need has only some of them. */
  const PARTS = ["relevance", "theme", "way", "place", "actor", "kind", "proximity", "channel", "sectors", "networks"];
  let latest = 0; // answers to older requests are dropped
  let kindNames = {}; // kind key -> its name in the page language, from /api/match/options
  let optionsTicket = 0;

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

  /** Where a resource's name links: the network explorer (when the site has it), else its SPARQL DESCRIBE. */
  function resourceHref(iri) {
    return exploreUrl ? cg.url(exploreUrl, {focus: iri}) : describeHref(iri);
  }

  /** Links for one graph resource: to the network explorer (when the site has it) and a SPARQL DESCRIBE. */
  function resourceLinks(iri) {
    const title = exploreUrl ? cg.t("exploreTitle", {iri}) : cg.t("describeTitle", {iri});
    return cg.el(
      "span",
      {class: "links"},
      cg.el("a", {class: "resource", href: resourceHref(iri), title, "data-iri": iri}, compact(iri)),
      cg.el("a", {class: "sparql", href: describeHref(iri), title: cg.t("describeTitle", {iri})}, cg.t("sparql")),
    );
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

  function number(value) {
    return (Number(value) || 0).toFixed(2);
  }

  /** "Pertinencia 0.85 · tema 0.85 · cercanía 0.00 · canal 0.70": the parts of the score, each named. */
  function scoreParts(components) {
    const keys = [...PARTS.filter((key) => key in components), ...Object.keys(components).filter((key) => !PARTS.includes(key))];
    return keys.map((key) => cg.el("span", {class: "part", "data-part": key, "data-value": components[key]}, `${cg.t(`part.${key}`)} ${number(components[key])}`));
  }

  function hostOf(href) {
    try {
      return new URL(href).host.replace(/^www\./, "");
    } catch {
      return href;
    }
  }

  /** The partner's website and e-mail as the study gives them, or a note that it gives none. */
  function contactLine(contact) {
    const links = [];
    for (const href of contact.homepage || []) links.push(cg.el("a", {class: "homepage", href, rel: "noopener noreferrer"}, hostOf(href)));
    for (const href of contact.pages || []) links.push(cg.el("a", {class: "page", href, rel: "noopener noreferrer"}, hostOf(href)));
    for (const href of contact.email || []) links.push(cg.el("a", {class: "email", href}, href.replace(/^mailto:/, "")));
    if (!links.length) return cg.el("p", {class: "contact none"}, cg.t("noContact"));
    return cg.el("p", {class: "contact"}, cg.el("span", {class: "key"}, cg.t("contact")), " ", ...links.flatMap((link, i) => (i ? [" · ", link] : [link])));
  }

  /** "y 4 más de España: Agencia Andaluza…, …": the related partners folded under this one. */
  function groupLine(group) {
    const count = group.members.length + group.more;
    const members = group.members.map((member) => {
      const homepage = (member.contact?.homepage || [])[0];
      return cg.el(
        "span",
        {class: "member"},
        cg.el("a", {class: "member-link", href: resourceHref(member.iri), "data-iri": member.iri}, member.label),
        homepage ? cg.el("a", {class: "member-web", href: homepage, rel: "noopener noreferrer", "aria-label": cg.t("websiteOf", {label: member.label}), title: homepage}, " ↗") : null,
      );
    });
    const items = members.flatMap((member, i) => (i ? [", ", member] : [member]));
    if (group.more) items.push(" ", cg.t(group.more_at_least ? "andAtLeastMore" : "andMore", {n: group.more}));
    return cg.el("p", {class: "group", "data-key": group.key, "data-count": count}, cg.el("span", {class: "key"}, cg.t("group", {n: count, label: group.label})), " ", ...items);
  }

  function resultItem(result, rank, similar) {
    const score = Number(result.score) || 0;
    const country = result.country && result.country.iri !== result.partner ? result.country : null;
    const explanation = result.explanation || [];
    const strength = result.strength || "";
    return cg.el(
      "li",
      {class: "result", "data-partner": result.partner, "data-score": score, "data-strength": strength},
      cg.el(
        "div",
        {class: "head"},
        cg.el("span", {class: "rank"}, cg.t("rank", {rank})),
        " ",
        cg.el("a", {class: "label", href: resourceHref(result.partner), "data-iri": result.partner}, result.label || compact(result.partner)),
        result.kind ? cg.el("span", {class: "kind", "data-kind": result.kind}, kindNames[result.kind] || result.kind) : null,
        country ? cg.el("span", {class: "country", title: country.iri}, country.label || country.code || compact(country.iri)) : null,
        strength ? cg.el("span", {class: "strength", "data-strength": strength, title: cg.t(`strengthTitle.${strength}`)}, cg.t(`strength.${strength}`)) : null,
        cg.el("span", {class: "score-value", title: similar ? "" : cg.t("formula")}, number(score)),
      ),
      cg.el("p", {class: "why"}, result.why || (explanation[0] ? explanation[0].text : "")),
      result.group && result.group.members.length ? groupLine(result.group) : null,
      contactLine(result.contact || {}),
      cg.el("p", {class: "parts", title: similar ? "" : cg.t("formula")}, cg.el("span", {class: "key"}, cg.t("parts")), " ", ...scoreParts(result.components || {}).flatMap((part, i) => (i ? [" · ", part] : [part]))),
      cg.el(
        "details",
        {class: "details"},
        cg.el("summary", {}, cg.t("details", {n: explanation.length})),
        cg.el("ul", {class: "explanations"}, ...explanation.map(explanationItem)),
        cg.el(
          "p",
          {class: "more"},
          cg.el("a", {class: "sparql", href: describeHref(result.partner), title: cg.t("describeTitle", {iri: result.partner})}, cg.t("sparql")),
          " ",
          cg.el("a", {class: "similar", href: cg.url("/match", {similar: result.partner})}, cg.t("similarLink")),
        ),
      ),
    );
  }

  function clear() {
    errorBox.hidden = true;
    errorBox.replaceChildren();
    summary.replaceChildren();
    results.replaceChildren();
    tools.hidden = true;
    status.textContent = "";
  }

  /** Show an error: the service's message in the page language, and its suggestions as links, if any. A need the
      graph cannot read suggests themes (run as a sector) and ways of cooperating (run as text), and the sector list. */
  function showError(error) {
    const body = error.body?.error || {};
    const message = (cg.lang === "es" && body.message_es) || body.message || error.message || String(error);
    errorBox.replaceChildren(cg.el("span", {class: "message"}, cg.t("error", {message})));
    const suggestions = body.suggestions || [];
    if (suggestions.length) {
      const current = formValues();
      const target = (s) => {
        if (prefill.similar && !current.need) return {similar: s.iri};
        if (s.facet === "theme") return {...current, need: "", sector: [s.iri]};
        if (s.facet === "way") return {...current, need: s.label};
        return {...current, requester: s.iri};
      };
      errorBox.append(
        cg.el("p", {class: "suggest"}, cg.t("suggest")),
        cg.el("ul", {class: "suggestions"}, ...suggestions.map((s) =>
          cg.el("li", {}, cg.el("a", {href: withParams("/match", target(s)), "data-iri": s.iri, "data-facet": s.facet || ""}, s.label || compact(s.iri), s.code ? ` (${s.code})` : "")))),
      );
      if (suggestions.some((s) => s.facet)) {
        const pick = cg.el("a", {class: "pick-sector", href: "#sector"}, cg.t("pickSector"));
        pick.addEventListener("click", (event) => {
          event.preventDefault();
          sectorPicker.focus();
        });
        errorBox.append(cg.el("p", {class: "pick"}, pick));
      }
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

  const FACETS = ["themes", "ways", "places", "actors", "kinds"];

  /** What the graph read in the need (facet by facet), the requester, and its legal basis once for every card. */
  function showSummary(answer) {
    const parts = [];
    const read = [];
    for (const facet of FACETS) {
      for (const term of answer.need?.[facet] || []) {
        read.push(cg.el("span", {class: "term", "data-facet": facet, "data-iri": term.iri || ""},
          cg.el("span", {class: "facet"}, cg.t(`facet.${facet}`)), " ", term.label,
          term.matched && term.matched !== term.label ? ` (${cg.t("matchedBy", {matched: term.matched})})` : ""));
      }
    }
    if (read.length) parts.push(cg.el("p", {class: "read"}, cg.t("read"), " ", ...read.flatMap((item, i) => (i ? ["; ", item] : [item]))));
    if (answer.requester) parts.push(cg.el("p", {class: "requester"}, cg.t("requester", {label: answer.requester.label || answer.requester.code || compact(answer.requester.iri)})));
    const legal = answer.legal || [];
    if (legal.length) {
      parts.push(cg.el("details", {class: "legal", open: true},
        cg.el("summary", {}, cg.t("legal", {n: legal.length})),
        cg.el("ul", {class: "explanations"}, ...legal.map(explanationItem))));
    }
    summary.replaceChildren(...parts);
  }

  function showResults(answer, heading, csvHref, similar) {
    status.textContent = answer.results.length ? heading : cg.t("noResults");
    results.replaceChildren(...answer.results.map((result, i) => resultItem(result, i + 1, similar)));
    if (answer.results.length) {
      csvLink.href = csvHref;
      csvLink.setAttribute("download", cg.t("csvName"));
      tools.hidden = false;
    }
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
        const asked = answer.need?.text || values.need || (answer.need?.themes || []).map((t) => t.label).join(", ");
        showResults(answer, cg.t("count", {n: answer.results.length, need: asked}), withParams("/api/match", {...values, format: "csv"}), false);
      },
    );
  }

  function runSimilar(iri) {
    const path = `/api/partners/${encodeURIComponent(iri)}/similar`;
    run(
      () => cg.fetchJSON(withParams(path, {limit: prefill.limit})),
      (answer) => {
        const actor = answer.actor || {};
        showResults(answer, cg.t("countSimilar", {n: answer.results.length, label: actor.label || compact(actor.iri || iri)}), withParams(path, {limit: prefill.limit, format: "csv"}), true);
      },
    );
  }

  /** Fill a select with a blank choice first, then the options ([value, text, other names]); select the prefilled
      (or current) value, found by value or by another name (a province's ISO code), added as is when not offered
      and `keepUnknown`. */
  function fill(select, options, blank, keepUnknown = true) {
    const wanted = (select.value || select.dataset.value || "").trim();
    select.replaceChildren(cg.el("option", {value: ""}, blank), ...options.map(([value, text]) => cg.el("option", {value}, text)));
    const folded = wanted.toLowerCase();
    const found = options.find(([value, , names = []]) => value === wanted || names.some((name) => name.toLowerCase() === folded));
    if (wanted && !found && keepUnknown) select.append(cg.el("option", {value: wanted}, compact(wanted)));
    select.value = found ? found[0] : keepUnknown ? wanted : "";
  }

  /** The sector picker: broad sectors, each with its narrower ones in a group under it. */
  function fillSectors(sectors) {
    const wanted = (sectorPicker.dataset.value || "").trim();
    const known = new Set(sectors.map((s) => s.iri));
    const children = {};
    for (const s of sectors) if (s.broader && known.has(s.broader)) (children[s.broader] ||= []).push(s);
    const top = sectors.filter((s) => !s.broader || !known.has(s.broader));
    const items = top.map((s) => (children[s.iri]
      ? cg.el("optgroup", {label: s.label}, cg.el("option", {value: s.iri}, s.label), ...children[s.iri].map((c) => cg.el("option", {value: c.iri}, c.label)))
      : cg.el("option", {value: s.iri}, s.label)));
    sectorPicker.replaceChildren(cg.el("option", {value: ""}, cg.t("none")), ...items);
    if (wanted && !known.has(wanted)) sectorPicker.append(cg.el("option", {value: wanted}, compact(wanted)));
    sectorPicker.value = wanted;
  }

  /** The kinds of cooperation the requester may use (all of them without a requester), and the note saying why.
      A value the requester may not use is dropped when the requester changes, kept when the URL asked for it (the
      service then says why it is refused). */
  function fillCooperation(options, fromUrl = false) {
    fill(cooperationPicker, options.cooperation.map((c) => [c.iri, c.label]), cg.t("any"), fromUrl || !options.cooperation_scope);
    const scope = options.cooperation_scope;
    scopeNote.textContent = scope ? cg.t("scope", {types: scope.map((s) => s.label).join(cg.t("and"))}) : "";
    scopeNote.hidden = !scope;
  }

  async function refreshCooperation() {
    const ticket = ++optionsTicket;
    cooperationPicker.disabled = true;
    form.dataset.options = "loading";
    try {
      const options = await cg.fetchJSON(cg.url("/api/match/options", {requester: requesterPicker.value}));
      if (ticket !== optionsTicket) return;
      fillCooperation(options);
    } catch (error) {
      if (ticket === optionsTicket) showError(error);
    } finally {
      if (ticket === optionsTicket) {
        cooperationPicker.disabled = false;
        form.dataset.options = "ready";
      }
    }
  }

  async function start() {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      runMatch();
    });
    requesterPicker.addEventListener("change", refreshCooperation);
    status.textContent = cg.t("loadingOptions");
    submit.disabled = true;
    try {
      const options = await cg.fetchJSON(cg.url("/api/match/options"));
      fill(requesterPicker, options.requesters.map((r) => [r.iri, `${r.label} (${r.code})`, [r.code]]), cg.t("none"));
      fill(document.getElementById("kind"), options.kinds.map((k) => [k.key, k.label]), cg.t("any"));
      kindNames = Object.fromEntries(options.kinds.map((k) => [k.key, k.label]));
      fillSectors(options.sectors || []);
      if (requesterPicker.value && options.requesters.some((r) => r.iri === requesterPicker.value)) {
        fillCooperation(await cg.fetchJSON(cg.url("/api/match/options", {requester: requesterPicker.value})), true);
      } else {
        fillCooperation(options, true);
      }
      status.textContent = "";
    } catch (error) {
      showError(error);
      return;
    } finally {
      submit.disabled = false;
    }
    form.dataset.options = "ready";
    form.dataset.ready = "true";
    if (prefill.similar) runSimilar(prefill.similar);
    else if (prefill.need || (prefill.sector || []).length) runMatch();
  }

  start();
})();
