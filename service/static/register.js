/* The officers' register page: sign in with a token (sessionStorage only), list the province's records, record or
   edit an agreement, a project or a demand (the service builds the RDF and checks it against the shapes), show each
   refusal beside the field it concerns, and undo recent writes. Parties are picked from the graph's actors
   (actor-picker.js); a project's sectors each carry a percentage. An edit sends the version of the record it was
   filled from, so that a record someone else changed meanwhile is not overwritten. Uses cg (coopgraph.js). */
"use strict";
(() => {
  const TOKEN_KEY = "coopgraph.token";
  const $ = (id) => document.getElementById(id);
  const signinForm = $("signin-form");
  const tokenInput = $("token");
  const signout = $("signout");
  const signinStatus = $("signin-status");
  const provincePicker = $("province");
  const recordList = $("record-list");
  const recordsStatus = $("records-status");
  const filters = $("record-filters");
  const FILTERS = ["q", "kind", "partner", "sector", "status", "year"]; // kept in the page's URL, so a search can be shared
  const PAGE = 50;
  const previousPage = $("page-previous");
  const nextPage = $("page-next");
  let offset = Math.max(0, Number.parseInt(new URLSearchParams(window.location.search).get("offset") || "0", 10) || 0);
  let listing = 0; // the latest list request: an older answer arriving late is dropped
  const formsPanel = $("forms");
  const saveStatus = $("save-status");
  const saveError = $("save-error");
  const historyPanel = $("history-panel");
  const historyList = $("history");
  const historyStatus = $("history-status");
  const registerGraph = historyList.dataset.graph;
  const forms = {agreement: $("agreement-form"), activity: $("activity-form"), demand: $("demand-form")};
  const partiesField = {agreement: "parties", activity: "participants"}; // the forms with rows of organisations
  let me = null; // {name, scope} of the signed-in token
  let options = null; // the pickers' choices, from /api/register/options
  let lastRecord = ""; // the record the last save wrote (highlighted in the list)
  let pendingEdit = new URLSearchParams(window.location.search).get("edit") || ""; // "Edit" on a record's page

  const token = () => sessionStorage.getItem(TOKEN_KEY) || "";
  const headers = (extra = {}) => ({Accept: "application/json", "Accept-Language": cg.lang, ...extra});
  const message = (item) => (cg.lang === "en" ? item.message_en : item.message_es) || item.message_es || item.message_en || "";
  const provinceName = (code) => (options?.provinces.find((p) => p.code === code)?.label || code) + (code ? ` (${code})` : "");

  async function call(url, init = {}) {
    const response = await fetch(url, {...init, headers: headers(init.headers || {})});
    const body = await response.json().catch(() => null);
    return {status: response.status, ok: response.ok, body};
  }

  // --- the pickers ------------------------------------------------------------------------------------------------

  function fill(select, items, {empty = true} = {}) {
    const kept = [...select.selectedOptions].map((o) => o.value);
    select.replaceChildren();
    if (empty && !select.multiple) select.append(cg.el("option", {value: ""}, cg.t(select.getAttribute("aria-required") ? "pick" : "none")));
    for (const item of items) {
      const value = item.value ?? item.iri ?? item.code;
      select.append(cg.el("option", {value, selected: kept.includes(value)}, item.label));
    }
  }

  async function loadOptions() {
    options = await cg.fetchJSON(cg.url("/api/register/options"));
    fill(provincePicker, options.provinces.map((p) => ({value: p.code, label: `${p.label} (${p.code})`})), {empty: false});
    const wanted = provincePicker.dataset.value;
    if (wanted && options.provinces.some((p) => p.code === wanted)) provincePicker.value = wanted;
    for (const select of document.querySelectorAll("select[data-options]")) fill(select, options[select.dataset.options] || []);
    for (const form of Object.values(forms)) resetForm(form);
    for (const select of filters.querySelectorAll("select[data-filter-options]")) {
      const items = select.dataset.filterOptions.split(",").flatMap((name) => options[name] || []);
      select.replaceChildren(cg.el("option", {value: ""}, cg.t("all")));
      for (const item of items) select.append(cg.el("option", {value: item.iri}, item.label));
    }
    const asked = new URLSearchParams(window.location.search);
    for (const name of FILTERS) {
      const value = asked.get(name) || "";
      const control = filters.elements[name];
      if (control.tagName === "SELECT" && value && ![...control.options].some((o) => o.value === value)) {
        control.append(cg.el("option", {value}, value));
      }
      control.value = value;
    }
  }

  function filterValues() {
    const values = {};
    for (const name of FILTERS) {
      const value = filters.elements[name].value.trim();
      if (value) values[name] = value;
    }
    return values;
  }

  /** The page's address with the province, the filters and the page offset: a search that can be shared. */
  function keepInAddress(values) {
    const address = new URL(window.location.href);
    for (const name of [...FILTERS, "province", "offset"]) address.searchParams.delete(name);
    if (provincePicker.value) address.searchParams.set("province", provincePicker.value);
    for (const [name, value] of Object.entries(values)) address.searchParams.set(name, value);
    if (offset) address.searchParams.set("offset", String(offset));
    history.replaceState(null, "", address.pathname + address.search);
  }

  function fillYears(years) {
    const picker = filters.elements.year;
    const kept = picker.value;
    picker.replaceChildren(cg.el("option", {value: ""}, cg.t("all")));
    for (const year of new Set([...years, ...(kept ? [kept] : [])])) picker.append(cg.el("option", {value: year}, year));
    picker.value = kept;
  }

  // --- signing in -------------------------------------------------------------------------------------------------

  async function signIn(secret) {
    const answer = await call("/api/writes/whoami", {headers: {Authorization: `Bearer ${secret}`}});
    if (!answer.ok) {
      me = null;
      sessionStorage.removeItem(TOKEN_KEY);
      signinStatus.textContent = answer.status === 403 ? cg.t("writes_off") : cg.t("bad_token");
      signinStatus.classList.add("error");
      showSignedIn(false);
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, secret);
    me = answer.body;
    signinStatus.classList.remove("error");
    signinStatus.textContent =
      me.scope === "all" ? cg.t("signed_in_all", {name: me.name}) : cg.t("signed_in", {name: me.name, province: provinceName(me.scope)});
    if (me.scope !== "all" && !provincePicker.dataset.value) provincePicker.value = me.scope;
    showSignedIn(true);
    await Promise.all([loadRecords(), loadHistory()]);
    if (pendingEdit) {
      const iri = pendingEdit;
      pendingEdit = "";
      const address = new URL(window.location.href);
      address.searchParams.delete("edit");
      history.replaceState(null, "", address.pathname + address.search);
      await edit(iri);
    }
    document.body.dataset.signedIn = "true"; // once the lists are drawn
  }

  function showSignedIn(signedIn) {
    formsPanel.hidden = !signedIn;
    historyPanel.hidden = !signedIn;
    signout.hidden = !signedIn;
    tokenInput.value = "";
    if (!signedIn) document.body.dataset.signedIn = "false";
  }

  signinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const secret = tokenInput.value.trim();
    if (secret) signIn(secret);
  });
  signout.addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    me = null;
    signinStatus.textContent = cg.t("need_sign_in");
    signinStatus.classList.remove("error");
    showSignedIn(false);
  });

  // --- the province's records ---------------------------------------------------------------------------------------

  function recordHref(iri) {
    return cg.url("/register/record", {iri});
  }

  async function loadAgreements() {
    const province = provincePicker.value;
    if (!province) return;
    const answer = await call(cg.url("/api/register/records", {province, kind: "agreement", limit: 1000}));
    if (!answer.ok) return;
    const agreements = answer.body.records.map((row) => ({iri: row.iri, label: row.label}));
    fill(forms.activity.elements.executes, agreements); // the instruments a project may carry out: this province's
  }

  async function loadRecords() {
    const province = provincePicker.value;
    if (!province) return;
    const values = filterValues();
    keepInAddress(values);
    const mine = ++listing;
    const [answer] = await Promise.all([
      call(cg.url("/api/register/records", {province, ...values, limit: PAGE, offset})),
      loadAgreements(),
    ]);
    if (mine !== listing) return;
    recordList.replaceChildren();
    if (!answer.ok) {
      recordsStatus.textContent = answer.body?.error?.message || `HTTP ${answer.status}`;
      return;
    }
    const {records: rows, total, years} = answer.body;
    fillYears(years);
    const filtered = Object.keys(values).length > 0;
    recordsStatus.textContent = rows.length
      ? cg.t("shown", {from: offset + 1, to: offset + rows.length, total})
      : cg.t(filtered ? "no_match" : "no_records");
    previousPage.hidden = offset === 0;
    nextPage.hidden = offset + rows.length >= total;
    for (const row of rows) {
      const editable = row.kind in forms;
      recordList.append(
        cg.el(
          "li",
          {class: `record${row.iri === lastRecord ? " new" : ""}`, "data-iri": row.iri, "data-kind": row.kind},
          cg.el("span", {class: "kind"}, cg.t(`kind.${row.kind}`)),
          " ",
          cg.el("a", {class: "title", href: recordHref(row.iri), title: row.iri}, row.label),
          row.typeLabel && row.kind === "agreement" ? cg.el("span", {class: "type muted"}, ` · ${row.typeLabel}`) : null,
          row.date ? cg.el("span", {class: "date muted"}, ` · ${row.date}`) : null,
          row.statusLabel ? cg.el("span", {class: "state muted"}, ` · ${row.statusLabel}`) : null,
          " ",
          editable && me
            ? cg.el("button", {type: "button", class: "secondary small edit", onclick: () => edit(row.iri), "aria-label": `${cg.t("edit")}: ${row.label}`}, cg.t("edit"))
            : null,
        ),
      );
    }
    recordList.dataset.search = new URLSearchParams({province, ...values}).toString(); // what the list shows (tests wait on it)
  }

  let typing = 0;
  const refilter = () => {
    offset = 0;
    loadRecords();
  };
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    refilter();
  });
  filters.addEventListener("input", (event) => {
    if (event.target.tagName !== "INPUT") return;
    clearTimeout(typing);
    typing = setTimeout(refilter, 250);
  });
  filters.addEventListener("change", (event) => {
    if (event.target.tagName === "SELECT") refilter();
  });
  filters.addEventListener("reset", () => setTimeout(refilter)); // once the form has cleared its fields
  previousPage.addEventListener("click", () => {
    offset = Math.max(0, offset - PAGE);
    loadRecords();
  });
  nextPage.addEventListener("click", () => {
    offset += PAGE;
    loadRecords();
  });

  provincePicker.addEventListener("change", () => {
    provincePicker.dataset.value = provincePicker.value;
    refilter();
  });

  // --- the forms ----------------------------------------------------------------------------------------------------

  function partyRow(form, party = {}) {
    const list = form.querySelector(".party-rows");
    const n = list.children.length + 1;
    const id = `${form.id}-party-${Date.now()}-${n}`;
    const role = cg.el("select", {id: `${id}-role`, name: "party-role", "aria-required": "true"});
    fill(role, options?.roles || []);
    const name = cg.el("input", {type: "text", id: `${id}-name`, name: "party-name", maxlength: 2000, value: party.name || ""});
    const row = cg.el(
      "li",
      {class: "party"},
      cg.el("label", {for: `${id}-name`}, cg.t("party_name")),
      name,
      cg.el("label", {for: `${id}-role`}, cg.t("party_role")),
      role,
      cg.el("button", {type: "button", class: "secondary small", onclick: () => row.remove()}, cg.t("remove_party")),
    );
    if (party.actor) row.dataset.actor = party.actor;
    role.value = party.role || "";
    list.append(row);
    actorPicker.attach(name, row, {actorLabel: party.name});
  }

  /** A row of the project's sectors: a DAC sector and its percentage (the shapes want a vocabulary's to add up to 100). */
  function sectorRow(form, share = {}) {
    const list = form.querySelector(".sector-rows");
    const id = `${form.id}-sector-${Date.now()}-${list.children.length + 1}`;
    const sector = cg.el("select", {id: `${id}-code`, name: "sector-code"});
    fill(sector, options?.dacSectors || []);
    if (share.sector && ![...sector.options].some((o) => o.value === share.sector)) sector.append(cg.el("option", {value: share.sector}, share.sector));
    sector.value = share.sector || "";
    const row = cg.el(
      "li",
      {class: "sector-row"},
      cg.el("label", {for: sector.id}, cg.t("sector")),
      sector,
      cg.el("label", {for: `${id}-percentage`}, cg.t("percentage")),
      cg.el("input", {type: "text", inputmode: "decimal", id: `${id}-percentage`, name: "sector-percentage", class: "percentage", maxlength: 12, value: share.percentage || ""}),
      cg.el("span", {"aria-hidden": "true"}, "%"),
      cg.el("button", {type: "button", class: "secondary small", onclick: () => row.remove()}, cg.t("remove_sector")),
    );
    list.append(row);
  }

  function clearErrors(form) {
    for (const box of form.querySelectorAll(".field-error")) {
      box.hidden = true;
      box.textContent = "";
    }
    for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
    saveError.hidden = true;
    saveError.textContent = "";
  }

  /** A new submission id: made once per form fill, kept across retries of that fill, so a second POST changes nothing. */
  function newSubmission(form) {
    form.dataset.submission = crypto.randomUUID
      ? crypto.randomUUID()
      : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) => (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
  }

  function resetForm(form) {
    form.reset();
    newSubmission(form);
    form.elements.iri.value = "";
    delete form.dataset.version;
    form.querySelector(".editing").hidden = true;
    if (partiesField[form.dataset.kind]) {
      form.querySelector(".party-rows").replaceChildren();
      partyRow(form);
      partyRow(form);
    }
    if (form.querySelector(".sector-rows")) {
      form.querySelector(".sector-rows").replaceChildren();
      sectorRow(form);
    }
    clearErrors(form);
  }

  function show(form) {
    for (const other of Object.values(forms)) other.hidden = other !== form;
  }

  for (const button of document.querySelectorAll("[data-show]")) {
    button.addEventListener("click", () => {
      const form = $(button.dataset.show);
      resetForm(form);
      show(form);
      saveStatus.textContent = "";
      form.querySelector("input:not([type=hidden]), select").focus();
    });
  }

  function formData(form) {
    const data = {kind: form.dataset.kind, province: provincePicker.value, iri: form.elements.iri.value, submission: form.dataset.submission};
    if (data.iri) data.version = form.dataset.version || "";
    for (const element of form.querySelectorAll("[name]")) {
      if (element.name === "iri" || element.name.startsWith("party-") || element.name.startsWith("sector-")) continue;
      data[element.name] = element.multiple ? [...element.selectedOptions].map((o) => o.value) : element.value;
    }
    if (partiesField[form.dataset.kind]) {
      data[partiesField[form.dataset.kind]] = [...form.querySelectorAll(".party")].map((row) => ({
        name: row.querySelector("[name=party-name]").value,
        role: row.querySelector("[name=party-role]").value,
        actor: row.dataset.actor || "",
      }));
    }
    if (form.querySelector(".sector-rows")) {
      data.sectors = [...form.querySelectorAll(".sector-row")].map((row) => ({
        sector: row.querySelector("[name=sector-code]").value,
        percentage: row.querySelector("[name=sector-percentage]").value.trim(),
      }));
    }
    return data;
  }

  function fillForm(form, record) {
    resetForm(form);
    form.elements.iri.value = record.iri;
    form.dataset.version = record.version;
    const partyField = partiesField[record.kind];
    for (const [name, value] of Object.entries(record.fields)) {
      const element = form.elements[name];
      if (!element || name === partyField || name === "sectors" && record.kind === "activity") continue;
      if (element.multiple) for (const option of element.options) option.selected = value.includes(option.value);
      else {
        if (value && element.tagName === "SELECT" && ![...element.options].some((o) => o.value === value)) element.append(cg.el("option", {value}, value));
        element.value = value;
      }
    }
    if (partyField) {
      form.querySelector(".party-rows").replaceChildren();
      for (const party of record.fields[partyField]) partyRow(form, party);
      if (record.fields[partyField].length < 2) partyRow(form);
    }
    if (record.kind === "activity") {
      form.querySelector(".sector-rows").replaceChildren();
      for (const share of record.fields.sectors) sectorRow(form, share);
      if (!record.fields.sectors.length) sectorRow(form);
    }
    const note = form.querySelector(".editing");
    note.textContent = cg.t("editing", {record: record.iri});
    note.hidden = false;
  }

  async function edit(iri) {
    const answer = await call(cg.url("/api/register/record", {iri}));
    if (!answer.ok) {
      saveStatus.textContent = cg.t("missing");
      return;
    }
    if (answer.body.province) provincePicker.value = answer.body.province;
    const form = forms[answer.body.kind];
    fillForm(form, answer.body);
    form.dataset.state = "editing";
    show(form);
    form.querySelector("input:not([type=hidden]), select").focus();
  }

  /** Show each message beside its field (or at the top of the form), mark the fields, focus the first. */
  function showFieldErrors(form, fields) {
    let first = null;
    for (const [name, items] of Object.entries(fields)) {
      const box = form.querySelector(`.field-error[data-error-for="${name}"]`) || form.querySelector('.field-error[data-error-for="form"]');
      const lines = items.map(message).filter(Boolean);
      box.textContent = [box.textContent, ...lines].filter(Boolean).join("\n");
      box.hidden = false;
      const control = form.querySelector(`[data-field="${name}"] input, [data-field="${name}"] select`);
      if (control) {
        control.setAttribute("aria-invalid", "true");
        first = first || control;
      }
    }
    (first || form.querySelector('.field-error:not([hidden])'))?.focus?.();
  }

  async function save(form) {
    clearErrors(form);
    if (!me) {
      saveStatus.textContent = cg.t("need_sign_in");
      return;
    }
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    form.dataset.state = "saving";
    saveStatus.textContent = cg.t("saving");
    const province = provincePicker.value;
    let answer;
    try {
      answer = await call("/api/register/records", {
        method: "POST",
        headers: {"Content-Type": "application/json", Authorization: `Bearer ${token()}`},
        body: JSON.stringify(formData(form)),
      });
    } catch (error) {
      answer = {status: 0, ok: false, body: {error: {message: cg.t("network", {message: error.message})}}};
    } finally {
      submit.disabled = false;
    }
    const error = answer.body?.error || {};
    if (answer.ok) {
      lastRecord = answer.body.record || "";
      saveStatus.textContent = answer.body.write ? cg.t("saved", {write: answer.body.write, record: lastRecord}) : cg.t("unchanged");
      resetForm(form);
      form.hidden = true;
      await Promise.all([loadRecords(), loadHistory()]);
      form.dataset.state = "saved"; // once the list shows it
      return;
    }
    form.dataset.state = "refused";
    saveStatus.textContent = "";
    if (answer.status === 422 && error.fields) {
      const count = Object.values(error.fields).reduce((sum, items) => sum + items.length, 0);
      showFieldErrors(form, error.fields);
      refuse(error.report ? cg.t("refused_shapes", {count}) : cg.t("refused_form"));
    } else if (answer.status === 401) {
      refuse(cg.t("unauthorised"));
    } else if (answer.status === 403 && me.scope !== "all" && me.scope !== province) {
      refuse(cg.t("forbidden", {scope: provinceName(me.scope), province: provinceName(province)}));
    } else if (answer.status === 409 && error.reason === "already-submitted") {
      lastRecord = error.record || "";
      refuse(cg.t("already_saved", {record: lastRecord}));
      await Promise.all([loadRecords(), loadHistory()]);
    } else if (answer.status === 409 && error.reason === "edited-since") {
      refuse(cg.t("edited_since"));
    } else if (answer.status === 409) {
      refuse(cg.t("conflict"));
    } else if (answer.status === 404) {
      refuse(cg.t("missing"));
    } else {
      refuse(cg.t("failed", {message: error.message || `HTTP ${answer.status}`}));
    }
  }

  function refuse(text) {
    saveError.textContent = text;
    saveError.hidden = false;
    saveError.dataset.status = "refused";
  }

  for (const form of Object.values(forms)) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      save(form);
    });
    form.querySelector(".cancel").addEventListener("click", () => {
      resetForm(form);
      form.hidden = true;
    });
    form.querySelector(".add-party")?.addEventListener("click", () => partyRow(form));
    form.querySelector(".add-sector")?.addEventListener("click", () => sectorRow(form));
  }

  // --- recent writes and undo -----------------------------------------------------------------------------------------

  async function loadHistory() {
    if (!me) return;
    const answer = await call("/api/writes");
    historyList.replaceChildren();
    if (!answer.ok) return;
    const mine = answer.body.writes.filter((w) => w.who === me.name && w.graphs.includes(registerGraph)).slice(0, 20);
    const undone = new Set(answer.body.writes.map((w) => w.reverts).filter(Boolean));
    historyStatus.textContent = mine.length ? "" : cg.t("no_writes");
    for (const w of mine) {
      historyList.append(
        cg.el(
          "li",
          {class: "write", "data-write": w.id},
          cg.el("span", {class: "when"}, w.time.replace("T", " ").slice(0, 19)),
          " · ",
          cg.el("span", {class: "operation"}, w.operation),
          " · ",
          cg.el("span", {class: "muted"}, cg.t("added_removed", {added: w.added, removed: w.removed})),
          w.reverts ? cg.el("span", {class: "muted"}, ` · ${cg.t("reverts", {write: w.reverts})}`) : null,
          " ",
          undone.has(w.id)
            ? null
            : cg.el("button", {type: "button", class: "secondary small undo", onclick: () => undo(w.id), "aria-label": `${cg.t("undo")} ${w.id}`}, cg.t("undo")),
          cg.el("code", {class: "id small"}, ` ${w.id}`),
        ),
      );
    }
  }

  async function undo(id) {
    const answer = await call(`/api/writes/${encodeURIComponent(id)}/revert`, {method: "POST", headers: {Authorization: `Bearer ${token()}`}});
    saveError.hidden = true;
    if (answer.ok) {
      saveStatus.textContent = cg.t("undone", {write: id, undo: answer.body.write});
      lastRecord = "";
    } else if (answer.status === 409) {
      refuse(cg.t("undo_conflict", {write: id}));
    } else if (answer.status === 401) {
      refuse(cg.t("unauthorised"));
    } else if (answer.status === 403) {
      refuse(cg.t("forbidden", {scope: provinceName(me.scope), province: provinceName(provincePicker.value)}));
    } else {
      refuse(cg.t("failed", {message: answer.body?.error?.message || `HTTP ${answer.status}`}));
    }
    await Promise.all([loadRecords(), loadHistory()]);
  }

  // --- start ------------------------------------------------------------------------------------------------------------

  (async () => {
    try {
      await loadOptions();
    } catch (error) {
      recordsStatus.textContent = cg.t("network", {message: error.message});
    }
    if (token()) await signIn(token());
    else signinStatus.textContent = cg.t("need_sign_in");
    await loadRecords();
    document.body.dataset.ready = "true";
  })();
})();
