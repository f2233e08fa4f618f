// The query page's editor: CodeMirror 6 with the SPARQL mode of @codemirror/legacy-modes, bundled by esbuild
// into codemirror.min.js (`npm ci && npm run build`). It exposes one global, CoopgraphEditor.create(options);
// everything the page decides (prefixes, texts, what Ctrl+Enter does) comes in through options.
import {autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap} from "@codemirror/autocomplete";
import {defaultKeymap, history, historyKeymap, indentWithTab} from "@codemirror/commands";
import {bracketMatching, HighlightStyle, StreamLanguage, syntaxHighlighting} from "@codemirror/language";
import {sparql} from "@codemirror/legacy-modes/mode/sparql";
import {EditorSelection, EditorState, Prec} from "@codemirror/state";
import {drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers, placeholder} from "@codemirror/view";
import {tags} from "@lezer/highlight";

// Colours keep a contrast of at least 4.5:1 on white (WCAG AA), so the page stays free of axe violations.
const highlight = HighlightStyle.define([
  {tag: tags.keyword, color: "#7a1f86", fontWeight: "600"},
  {tag: [tags.variableName, tags.local(tags.variableName)], color: "#0b5d8f"},
  {tag: tags.atom, color: "#0b6e4f"},
  {tag: tags.string, color: "#a3350d"},
  {tag: tags.number, color: "#8a4b00"},
  {tag: tags.comment, color: "#5b6775", fontStyle: "italic"},
  {tag: tags.meta, color: "#5b6775"},
  {tag: [tags.operator, tags.bracket], color: "#1d2733"},
  {tag: tags.name, color: "#1d2733"},
]);

const KEYWORDS = [
  "SELECT", "DISTINCT", "WHERE", "OPTIONAL", "FILTER", "BIND", "VALUES", "UNION", "MINUS", "GRAPH", "ORDER BY",
  "GROUP BY", "HAVING", "LIMIT", "OFFSET", "ASK", "CONSTRUCT", "DESCRIBE", "PREFIX", "COUNT", "langMatches", "lang",
  "str", "CONTAINS", "LCASE", "REGEX", "EXISTS", "NOT EXISTS", "COALESCE", "GROUP_CONCAT", "SAMPLE",
];

/** The PREFIX lines already in `text`: {name: iri}. */
function declared(text) {
  const found = {};
  for (const match of text.matchAll(/^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>/gim)) found[match[1] || ""] = match[2];
  return found;
}

/** Completions: after PREFIX, a whole declaration; elsewhere a known prefix (declared on the fly) or a keyword. */
function completions(prefixes, labels) {
  const names = Object.keys(prefixes);
  return (context) => {
    const word = context.matchBefore(/[A-Za-z][\w-]*:?/);
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    if (/^\s*PREFIX\s+[A-Za-z]*$/i.test(before)) {
      const from = word ? word.from : context.pos;
      return {
        from,
        options: names.map((name) => ({
          label: `${name}:`, detail: prefixes[name], type: "namespace", apply: `${name}: <${prefixes[name]}>`,
        })),
        validFor: /^[A-Za-z]*$/,
      };
    }
    if (!word && !context.explicit) return null;
    if (word && word.text.includes(":")) return null;  // a local name after the prefix: nothing to offer
    const from = word ? word.from : context.pos;
    const options = names.map((name) => ({
      label: `${name}:`, detail: prefixes[name], type: "namespace", boost: 1,
      info: labels.declare ? labels.declare.replace("{prefix}", `${name}:`) : undefined,
      apply: (view, completion, applyFrom, applyTo) => {
        const text = view.state.doc.toString();
        const changes = [{from: applyFrom, to: applyTo, insert: `${name}:`}];
        let shift = 0;
        if (!(name in declared(text))) {
          const line = `PREFIX ${name}: <${prefixes[name]}>\n`;
          const at = lastPrefixEnd(text);
          changes.push({from: at, insert: line});
          if (at <= applyFrom) shift = line.length;
        }
        view.dispatch({changes, selection: EditorSelection.cursor(applyFrom + name.length + 1 + shift), userEvent: "input.complete"});
      },
    }));
    for (const keyword of KEYWORDS) options.push({label: keyword, type: "keyword"});
    return {from, options, validFor: /^[A-Za-z][\w-]*$/};
  };
}

/** Where a new PREFIX line goes: after the last one, else after the leading comments, else at the start. */
function lastPrefixEnd(text) {
  let end = -1;
  for (const match of text.matchAll(/^\s*PREFIX\s[^\n]*\n?/gim)) end = match.index + match[0].length;
  if (end >= 0) return end;
  const comments = text.match(/^(?:\s*#[^\n]*\n)*/);
  return comments ? comments[0].length : 0;
}

/**
 * Replace `textarea` with an editor. options: {prefixes: {name: iri}, label: accessible name, run: () => void,
 * change: (text) => void, placeholder: text, labels: {declare: "Adds PREFIX {prefix}"}}.
 * Returns {view, getText(), setText(text), focus(), select(from, to)}.
 */
export function create(textarea, options = {}) {
  const prefixes = options.prefixes || {};
  const labels = options.labels || {};
  const run = () => { if (options.run) options.run(); return true; };
  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        highlightActiveLine(),
        bracketMatching(),
        closeBrackets(),
        EditorView.lineWrapping,
        StreamLanguage.define(sparql),
        syntaxHighlighting(highlight),
        autocompletion({override: [completions(prefixes, labels)], icons: false}),
        Prec.highest(keymap.of([{key: "Mod-Enter", run}, {key: "Shift-Enter", run}])),
        keymap.of([...closeBracketsKeymap, ...completionKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
        placeholder(options.placeholder || ""),
        EditorView.contentAttributes.of({"aria-label": options.label || "SPARQL", "aria-multiline": "true", tabindex: "0", spellcheck: "false", autocapitalize: "off"}),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          textarea.value = update.state.doc.toString();
          if (options.change) options.change(textarea.value);
        }),
      ],
    }),
  });
  textarea.hidden = true;
  textarea.setAttribute("aria-hidden", "true");
  textarea.tabIndex = -1;
  textarea.insertAdjacentElement("afterend", view.dom);
  return {
    view,
    getText: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: text}});
    },
    focus: () => view.focus(),
    select(from, to) {
      const length = view.state.doc.length;
      view.dispatch({selection: EditorSelection.range(Math.min(from, length), Math.min(to, length)), scrollIntoView: true});
      view.focus();
    },
  };
}

export {declared};
