/* A register record's page (/register/record?iri=…): its fields in the page's language, its links into the graph
   (partners, sectors, territories and province open the explorer on them; the instrument a project carries out and
   the projects carrying out an instrument open their own record pages), its source entries and its audited writes.
   Uses cg (coopgraph.js). */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const root = $("record");
  const fields = $("record-fields");
  const status = $("record-status");
  const explore = (iri) => cg.url("/explore", {focus: iri});
  const recordPage = (iri) => cg.url("/register/record", {iri});
  const describe = (iri) => cg.url("/", {query: `DESCRIBE <${iri}>`});

  function row(name, ...values) {
    const shown = values.filter((value) => value !== null && value !== "" && value !== undefined);
    if (!shown.length) return;
    fields.append(cg.el("dt", {}, cg.t(`field.${name}`)), cg.el("dd", {"data-field": name}, ...shown));
  }

  function links(items, href, cls) {
    if (!items.length) return null;
    const list = cg.el("ul", {class: "links"});
    for (const item of items) list.append(cg.el("li", {}, cg.el("a", {href: href(item.iri), class: cls, title: item.iri}, item.label)));
    return list;
  }

  function partner(item) {
    const name = item.actor ? cg.el("a", {href: explore(item.actor), class: "partner", title: item.actor}, item.actorLabel || item.name) : cg.el("span", {class: "partner"}, item.name);
    return cg.el("li", {}, name, item.roleLabel ? cg.el("span", {class: "muted"}, ` · ${item.roleLabel}`) : null);
  }

  function show(record) {
    document.title = `${record.title} · coopgraph`;
    $("record-title").textContent = record.title;
    $("record-kind").textContent = cg.t(`kind.${record.kind}`);
    $("record-iri").textContent = record.iri;
    if (record.kind !== "report") {  // the register page opens its form on it (after signing in)
      const editLink = $("record-edit");
      editLink.href = cg.url("/register", {province: record.province?.code || "", edit: record.iri});
      editLink.hidden = false;
    }
    const more = $("record-describe");
    more.href = describe(record.iri);
    more.hidden = false;
    row("type", record.typeLabel);
    row("identifier", record.identifier);
    row("title_es", record.titles.es);
    row("title_en", record.titles.en);
    row("description", record.description);
    row("province", record.province ? cg.el("a", {href: explore(record.province.iri), class: "province"}, `${record.province.label} (${record.province.code})`) : null);
    row("status", record.status?.label);
    row("priority", record.priority?.label);
    for (const [name, value] of Object.entries(record.dates)) row(name, value);
    row("partners", record.partners.length ? cg.el("ul", {class: "links"}, ...record.partners.map(partner)) : null);
    row("sectors", links(record.sectors, explore, "sector"));
    row("territories", links(record.territories, explore, "territory"));
    row("executes", links(record.executes, recordPage, "executes"));
    row("executedBy", links(record.executedBy, recordPage, "executed-by"));
    row(
      "sources",
      record.sources.length
        ? cg.el(
            "ul",
            {class: "links"},
            ...record.sources.map((source) =>
              cg.el("li", {}, cg.el("a", {href: describe(source.iri), class: "source"}, cg.t("entry_by", {label: source.label, creator: source.creator, when: source.recordedAt.replace("T", " ").slice(0, 19)}))),
            ),
          )
        : null,
    );
    const history = $("record-history");
    if (!record.writes.length) history.replaceWith(cg.el("p", {class: "muted"}, cg.t("no_writes")));
    for (const w of record.writes) {
      history.append(
        cg.el(
          "li",
          {class: "write", "data-write": w.id},
          cg.el("span", {class: "when"}, w.time.replace("T", " ").slice(0, 19)),
          ` · ${w.who} · ${w.operation} · `,
          cg.el("span", {class: "muted"}, cg.t("added_removed", {added: w.added, removed: w.removed})),
          w.reverts ? cg.el("span", {class: "muted"}, ` · ${cg.t("reverts", {write: w.reverts})}`) : null,
          cg.el("code", {class: "id small"}, ` ${w.id}`),
        ),
      );
    }
  }

  (async () => {
    try {
      const response = await fetch(cg.url("/api/register/view", {iri: root.dataset.iri}), {headers: {Accept: "application/json"}});
      if (response.ok) show(await response.json());
      else status.textContent = cg.t("missing");
    } catch (error) {
      status.textContent = cg.t("network", {message: error.message});
    }
    document.body.dataset.ready = "true";
  })();
})();
