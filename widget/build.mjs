// Builds the widget into server/static/widget/ (served under /widget/, shipped as package data):
//   onduty.js   the embeddable snippet: src/main.js bundled with @msgpack/msgpack, CSS inlined
//   index.html, shop.css, shop.js   the demo web shop page (scripts from files only: the CSP forbids inline)
//   cobrowse-ui.js       the co-browse buttons, banner and pointer, loaded once a chat has an agent
//   cobrowse-record.js   rrweb's recorder with the masking, loaded only when co-browsing starts
// and the supervisor console into server/static/console/ (served under /console/):
//   console.js  console/console.js bundled with @msgpack/msgpack and uPlot; index.html, console.css, uplot.css
import { build } from "esbuild";
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "server", "static", "widget");
const dev = process.argv.includes("--dev");

/** One browser script: ``entry`` and what it imports, in one file, for the browsers the widget supports. */
async function bundle(entry, outfile, extra = {}) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["es2020", "chrome90", "firefox90", "safari15"],
    minify: !dev,
    sourcemap: false,
    legalComments: "eof",
    logLevel: "warning",
    ...extra,
  });
}

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

await bundle(join(here, "src", "main.js"), join(out, "onduty.js"), { loader: { ".css": "text", ".json": "json" } });

// loaded by the widget later, not part of onduty.js: the co-browse UI once an agent is in the chat, rrweb's
// recorder with the masking only when co-browsing starts
for (const [source, name] of [["ui.js", "cobrowse-ui.js"], ["record.js", "cobrowse-record.js"]]) {
  await bundle(join(here, "cobrowse", source), join(out, name));
}

for (const name of await readdir(join(here, "demo"))) {
  await copyFile(join(here, "demo", name), join(out, name));
}
const files = (await readdir(out)).sort();
console.log(`widget built: ${files.join(", ")} -> ${out}`);

const consoleOut = join(here, "..", "server", "static", "console");
await rm(consoleOut, { recursive: true, force: true });
await mkdir(consoleOut, { recursive: true });
await bundle(join(here, "console", "console.js"), join(consoleOut, "console.js"));
for (const name of ["index.html", "console.css"]) {
  await copyFile(join(here, "console", name), join(consoleOut, name));
}
await copyFile(join(here, "node_modules", "uplot", "dist", "uPlot.min.css"), join(consoleOut, "uplot.css"));
console.log(`console built: ${(await readdir(consoleOut)).sort().join(", ")} -> ${consoleOut}`);

// the agent's co-browse view into server/static/cobrowse/ (served under /cobrowse/): rrweb's Replayer
const viewOut = join(here, "..", "server", "static", "cobrowse");
await rm(viewOut, { recursive: true, force: true });
await mkdir(viewOut, { recursive: true });
await bundle(join(here, "cobrowse", "view.js"), join(viewOut, "view.js"));
for (const name of ["index.html", "view.css"]) {
  await copyFile(join(here, "cobrowse", name), join(viewOut, name));
}
await copyFile(join(here, "node_modules", "rrweb", "dist", "style.css"), join(viewOut, "replayer.css"));
console.log(`co-browse view built: ${(await readdir(viewOut)).sort().join(", ")} -> ${viewOut}`);
