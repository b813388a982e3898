// Ace by DAISY on several EPUBs with one browser. Ace's own command line starts Chromium for each
// EPUB (ace-core launches its axe runner per check and closes it after); the tests check a few
// dozen EPUBs, so the runner here launches once and closes at the end, and Ace is otherwise run
// as it is, rules and report untouched.
//
// usage: node ace_many.js ACE_DIR OUT_DIR EPUB...
// Prints one JSON line an EPUB: {"epub", "outcome", "violations": [{"rule", "impact", "where"}]}.
// PUPPETEER_EXECUTABLE_PATH names the browser (Debian's chromium).
"use strict";

const path = require("path");
const fs = require("fs");

const [aceDir, outDir, ...epubs] = process.argv.slice(2);
const need = (name) => require(path.resolve(aceDir, "node_modules", name));
const ace = need("@daisy/ace-core");
const runner = need("@daisy/ace-axe-runner-puppeteer");

let launched = false;
const shared = {
  concurrency: runner.concurrency,
  setTimeout: (ms) => runner.setTimeout(ms),
  launch: async () => {
    if (!launched) {
      await runner.launch();
      launched = true;
    }
  },
  close: async () => {},
  run: (...args) => runner.run(...args),
};

(async () => {
  let failed = false;
  for (const [index, epub] of epubs.entries()) {
    const tmpdir = path.join(outDir, String(index));
    fs.mkdirSync(tmpdir, { recursive: true });
    // Without an outdir Ace writes no HTML report (a third of its time here) and prints its JSON
    // report instead; that print is kept off this script's own output.
    const write = process.stdout.write;
    try {
      process.stdout.write = () => true;
      let json;
      try {
        [, json] = await ace(path.resolve(epub), { tmpdir, lang: "en", initLogger: index === 0, silent: true },
          shared);
      } finally {
        process.stdout.write = write;
      }
      const violations = [];
      for (const group of json.assertions || []) {
        for (const item of group.assertions || []) {
          if (item["earl:result"] && item["earl:result"]["earl:outcome"] === "fail") {
            violations.push({
              rule: item["earl:test"]["dct:title"],
              impact: item["earl:test"]["earl:impact"],
              where: (group["earl:testSubject"] && group["earl:testSubject"].url) || "",
              description: item["earl:result"]["dct:description"] || "",
            });
          }
        }
      }
      console.log(JSON.stringify({ epub, outcome: json["earl:result"]["earl:outcome"], violations }));
    } catch (error) {
      failed = true;
      console.log(JSON.stringify({ epub, outcome: "error", violations: [], error: String(error) }));
    }
  }
  if (launched) await runner.close();
  process.exit(failed ? 1 : 0);
})();
