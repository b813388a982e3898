// The text pdf.js (Firefox's viewer) finds in a PDF, page by page, as its text layer joins it:
// each item's string, a newline where pdf.js marks the end of a line.
//   node pdfjs_text.mjs FILE.pdf PDFJS_DIR     (PDFJS_DIR holds node_modules/pdfjs-dist, version 4)
import fs from "fs";
import path from "path";
import { pathToFileURL } from "url";

const [file, home] = process.argv.slice(2);
const entry = path.join(home, "node_modules", "pdfjs-dist", "legacy", "build", "pdf.mjs");
const { getDocument } = await import(pathToFileURL(entry).href);
const document = await getDocument({ data: new Uint8Array(fs.readFileSync(file)), disableFontFace: true,
                                     useSystemFonts: false, verbosity: 0 }).promise;
const pages = [];
for (let number = 1; number <= document.numPages; number++) {
  const content = await (await document.getPage(number)).getTextContent();
  pages.push(content.items.map((item) => item.str + (item.hasEOL ? "\n" : "")).join(""));
}
process.stdout.write(pages.join("\f"));
