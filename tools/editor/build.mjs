// Builds the query page's editor into src/ldpub/static/vendor/codemirror/ from the packages of
// package-lock.json (run by tools/vendor-editor.sh, i.e. `make vendor`, after `npm ci`):
//   codemirror.min.js  src/entry.js and what it imports, minified, one IIFE defining `LdpubCM`
//   codemirror.css     the CSS CodeMirror would otherwise inject at run time (see src/style-shim.js)
//   LICENSES.txt       the licence of every package in the bundle, with name and version
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync, readdirSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, "../../src/ldpub/static/vendor/codemirror");
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: [join(here, "src/entry.js")],
  bundle: true,
  format: "iife",
  globalName: "LdpubCM",
  minify: true,
  target: ["es2020"],
  legalComments: "none",
  alias: { "style-mod": join(here, "src/style-shim.js") },
  metafile: true,
  write: false,
  banner: { js: "/*! CodeMirror 6 for ldpub's query page; built by tools/vendor-editor.sh; licences: LICENSES.txt */" },
});
const js = result.outputFiles[0].text;
writeFileSync(join(out, "codemirror.min.js"), js);

// Run the bundle once without a DOM to collect the style rules it creates while loading.
const sandbox = {};
sandbox.globalThis = sandbox;
vm.runInNewContext(js, sandbox, { filename: "codemirror.min.js" });
const css = sandbox.LdpubCM.staticStyleRules();
if (!css.includes(".cm-scroller")) throw new Error("no CodeMirror rules collected");
writeFileSync(join(out, "codemirror.css"),
  '@charset "UTF-8";\n/* CodeMirror 6 styles, collected by tools/editor/build.mjs (MIT, see LICENSES.txt) */\n' + css + '\n');

// The licences of the packages whose code is in the bundle, read from the metafile's inputs.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) packages.add(m[1]);
}
let licences = "Licences of the npm packages bundled into codemirror.min.js and codemirror.css.\n" +
  "Versions are pinned in tools/editor/package-lock.json.\n";
for (const name of [...packages].sort()) {
  const dir = join(here, "node_modules", name);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  if (!file) throw new Error(`no licence file in ${name}`);
  licences += `\n${"=".repeat(72)}\n${name} ${meta.version} (${meta.license})\n${"=".repeat(72)}\n\n` +
    readFileSync(join(dir, file), "utf8").trim() + "\n";
}
writeFileSync(join(out, "LICENSES.txt"), licences);

for (const f of ["codemirror.min.js", "codemirror.css", "LICENSES.txt"]) {
  console.log(`${f}: ${readFileSync(join(out, f)).length} bytes`);
}
console.log("packages:", [...packages].sort().join(", "));
