/* What every coopgraph page shares: its language, its strings, small DOM and fetch helpers. No dependencies. */
"use strict";
const cg = (() => {
  const lang = document.body.dataset.lang || "es";
  const strings = JSON.parse(document.getElementById("strings")?.textContent || "{}");

  /** The page's text for `key` in the page language (the key itself if missing, so gaps show). */
  function t(key, values = {}) {
    let text = strings[key] ?? key;
    for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, String(value));
    return text;
  }

  /** Build an element: el("a", {href: "/x", class: "y"}, "text", child...). Text is never parsed as HTML. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** Fetch JSON; on an HTTP error throw an Error whose message is the service's readable message. */
  async function fetchJSON(url, options = {}) {
    const response = await fetch(url, {headers: {Accept: "application/json"}, ...options});
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const error = new Error(body?.error?.message || `HTTP ${response.status}`);
      error.status = response.status;
      error.body = body;
      throw error;
    }
    return body;
  }

  /** A URL of this site with the page language kept. */
  function url(path, params = {}) {
    const target = new URL(path, window.location.origin);
    for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== "") target.searchParams.set(name, value);
    if (!target.searchParams.has("lang")) target.searchParams.set("lang", lang);
    return target.pathname + target.search;
  }

  return {lang, t, el, fetchJSON, url};
})();
