/* The party picker of the register forms: an organisation's name box that suggests actors of the graph as the
   officer types (Spanish or English names, acronyms), from /api/register/actors. It follows the ARIA combobox
   pattern: ↓/↑ move through the suggestions, Enter picks one, Escape closes them; a click picks too. Picking links the
   row to the actor (its IRI in the row's data-actor); typing again unlinks it, and a name that matches no actor is
   kept as a new organisation. Uses cg (coopgraph.js). */
"use strict";
const actorPicker = (() => {
  const WAIT = 200; // ms after the last key before asking the service
  const SHOWN = 8;

  /** Make `input` (a party's name) a combobox; `row` keeps the picked actor's IRI in data-actor. */
  function attach(input, row, {actorLabel = ""} = {}) {
    const list = cg.el("ul", {id: `${input.id}-actors`, role: "listbox", class: "actor-options", "aria-label": cg.t("actor_list"), hidden: true});
    const note = cg.el("p", {id: `${input.id}-note`, class: "help actor-note", "aria-live": "polite"});
    const box = cg.el("div", {class: "combo"});
    input.replaceWith(box);
    box.append(input, list);
    box.after(note);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-describedby", note.id);
    input.setAttribute("autocomplete", "off");
    let asked = 0; // the latest lookup: an older answer arriving late is dropped
    let waiting = 0;
    let active = -1;

    const options = () => [...list.querySelectorAll("[role=option]")];
    const linked = (label) => {
      note.textContent = label ? cg.t("actor_linked", {label}) : "";
    };
    if (row.dataset.actor) linked(actorLabel || input.value);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      const all = options();
      if (!all.length) return;
      active = (index + all.length) % all.length;
      all.forEach((option, i) => option.setAttribute("aria-selected", String(i === active)));
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({block: "nearest"});
    }

    function pick(option) {
      input.value = option.dataset.label;
      row.dataset.actor = option.dataset.iri;
      linked(option.dataset.label);
      close();
      input.dispatchEvent(new CustomEvent("actor-picked", {bubbles: true, detail: {iri: option.dataset.iri}}));
    }

    async function lookup() {
      const typed = input.value.trim();
      const mine = ++asked;
      if (!typed) return close();
      let found = [];
      try {
        const response = await fetch(cg.url("/api/register/actors", {q: typed.slice(0, 200), limit: SHOWN}), {headers: {Accept: "application/json"}});
        if (response.ok) found = (await response.json()).actors;
      } catch {
        found = [];
      }
      if (mine !== asked || document.activeElement !== input) return;
      list.replaceChildren(
        ...found.map((actor, i) =>
          cg.el(
            "li",
            {id: `${list.id}-${i}`, role: "option", "aria-selected": "false", "data-iri": actor.iri, "data-label": actor.label, class: "actor-option"},
            actor.label,
            actor.matched !== actor.label ? cg.el("span", {class: "muted"}, ` · ${actor.matched}`) : null,
          ),
        ),
      );
      note.textContent = found.length ? cg.t("actor_count", {count: found.length}) : cg.t("actor_none");
      list.hidden = !found.length;
      input.setAttribute("aria-expanded", String(found.length > 0));
      active = -1;
      list.dataset.q = typed; // what the suggestions are for (tests wait on it)
    }

    input.addEventListener("input", () => {
      delete row.dataset.actor; // a name typed again is no longer the picked actor
      clearTimeout(waiting);
      waiting = setTimeout(lookup, WAIT);
    });
    input.addEventListener("keydown", (event) => {
      const open = !list.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!open) return;
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault(); // picks; does not submit the form
        pick(options()[active]);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
    list.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus in the box
    list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) pick(option);
    });
  }

  return {attach};
})();
