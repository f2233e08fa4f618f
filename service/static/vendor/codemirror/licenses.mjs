// Writes LICENSES.txt: the licence of every package bundled into codemirror.min.js (run by `npm run build`).
import {readFileSync, readdirSync, existsSync, writeFileSync} from "node:fs";
import {join} from "node:path";

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const bundled = Object.entries(lock.packages)
  .filter(([path, info]) => path.startsWith("node_modules/") && !info.dev_only && !path.includes("esbuild"))
  .map(([path, info]) => ({path, name: path.replace(/^.*node_modules\//, ""), version: info.version, license: info.license}))
  .sort((a, b) => a.name.localeCompare(b.name));
let out = "Packages bundled into codemirror.min.js (from package-lock.json), each with its licence text.\n";
for (const pkg of bundled) {
  const file = readdirSync(pkg.path).find((name) => /^licen[cs]e/i.test(name));
  out += `\n${"=".repeat(78)}\n${pkg.name} ${pkg.version} (${pkg.license})\n${"=".repeat(78)}\n`;
  out += file && existsSync(join(pkg.path, file)) ? readFileSync(join(pkg.path, file), "utf8") : `License: ${pkg.license}\n`;
}
writeFileSync("LICENSES.txt", out);
console.log(`LICENSES.txt: ${bundled.length} packages`);
