// Copies the pinned front-end packages into static/vendor/ (not committed).
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "static", "vendor");
mkdirSync(vendor, { recursive: true });

const files = [
  ["htmx.org/dist/htmx.min.js", "htmx.min.js"],
  ["htmx-ext-sse/dist/sse.min.js", "htmx-ext-sse.min.js"],
];
for (const [source, target] of files) {
  copyFileSync(join(root, "node_modules", source), join(vendor, target));
  console.log(`static/vendor/${target}`);
}
