// The text pdf.js (Firefox's viewer) finds in PDFs, page by page, as its text layer joins it:
// each item's string, a newline where pdf.js marks the end of a line, a form feed between pages.
//   node pdfjs_text.mjs PDFJS_DIR FILE.pdf...   (PDFJS_DIR holds node_modules/pdfjs-dist, version 4)
// Prints a JSON array: one text a file, in order (one node for many files: a start costs more
// than a page).
import fs from "fs";
import path from "path";
import { pathToFileURL } from "url";

const [home, ...files] = process.argv.slice(2);
const entry = path.join(home, "node_modules", "pdfjs-dist", "legacy", "build", "pdf.mjs");
const { getDocument } = await import(pathToFileURL(entry).href);
const texts = [];
for (const file of files) {
  const document = await getDocument({ data: new Uint8Array(fs.readFileSync(file)), disableFontFace: true,
                                       useSystemFonts: false, verbosity: 0 }).promise;
  const pages = [];
  for (let number = 1; number <= document.numPages; number++) {
    const content = await (await document.getPage(number)).getTextContent();
    pages.push(content.items.map((item) => item.str + (item.hasEOL ? "\n" : "")).join(""));
  }
  texts.push(pages.join("\f"));
  await document.destroy();
}
process.stdout.write(JSON.stringify(texts));
