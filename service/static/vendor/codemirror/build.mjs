// Bundles entry.js into codemirror.min.js (one IIFE, global CoopgraphEditor), then writes LICENSES.txt.
//
// One patch, made here so that it is visible: style-mod (CodeMirror's CSS-in-JS) puts its rules into a <style>
// element when the editor lives in a document, which the pages' Content-Security-Policy (default-src 'self', no
// 'unsafe-inline') blocks, leaving the editor unstyled. Constructed style sheets (document.adoptedStyleSheets,
// in every current browser) are not inline styles, so the patch makes style-mod use them for documents too, as it
// already does for shadow roots. The build fails if the patched line is not found (a new style-mod version).
import {build} from "esbuild";
import {readFile} from "node:fs/promises";

const SEARCH = "if (!root.head && root.adoptedStyleSheets && win.CSSStyleSheet) {";
const REPLACE = "if (root.adoptedStyleSheets && win.CSSStyleSheet) {";

const adoptStyleSheets = {
  name: "style-mod-adopted-style-sheets",
  setup(builder) {
    builder.onLoad({filter: /style-mod[\\/]src[\\/]style-mod\.js$/}, async (args) => {
      const source = await readFile(args.path, "utf8");
      if (!source.includes(SEARCH)) throw new Error(`style-mod changed: cannot find ${JSON.stringify(SEARCH)} in ${args.path}`);
      return {contents: source.replace(SEARCH, REPLACE), loader: "js"};
    });
  },
};

await build({
  entryPoints: ["entry.js"],
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "CoopgraphEditor",
  target: "es2020",
  legalComments: "none",
  outfile: "codemirror.min.js",
  plugins: [adoptStyleSheets],
  logLevel: "info",
});
