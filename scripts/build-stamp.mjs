// Lets `npm test` and `npm start` skip a build that would change nothing (`npm run build:if-stale`).
//   begin  (first step of `npm run build`) drops the record, so a failed or interrupted build leaves dist/ stale, and
//          notes the hash of the inputs as they are when the build starts (an edit made meanwhile is not covered);
//   end    (last step, after a successful build) makes that note the record, dist/.build-inputs;
//   check  exits 0 when dist/ and the generated Prisma client exist and the record matches the inputs as they are now.
// The inputs are everything the build reads that can change without package-lock.json changing.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const RECORD = "dist/.build-inputs";
const PENDING = "dist/.build-inputs.pending";
const INPUT_FILES = [
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "prisma.config.ts",
  "prisma/schema.prisma",
  "scripts/bundle.mjs",
  "scripts/embedded-template.mjs",
];
const GENERATED = "src/generated";
const OUTPUTS = ["dist/main.js", "dist/embedded-template", `${GENERATED}/prisma`];

/**
 * What the build reads under src/ (tsc's sources, and the admin page's files it copies) and prisma/migrations (the
 * embedded template applies them): an editor's swap file or a .DS_Store beside them must not make a build stale.
 */
const SOURCE_FILE = /\.(ts|mts|cts|json|js|css|html|sql|toml)$/;

/** By code unit, not localeCompare: the order, and so the hash, must not depend on the locale npm runs in. */
const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Every source file under dir, sorted, except the generated client (an output of the build, not an input). */
function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .sort(byName)
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (path === GENERATED) return [];
      if (entry.isDirectory()) return filesUnder(path);
      return SOURCE_FILE.test(entry.name) ? [path] : [];
    });
}

/** Paths and contents, so an added, removed or renamed file changes the hash as an edited one does. */
function inputsHash() {
  const hash = createHash("sha256");
  for (const path of [...INPUT_FILES, ...filesUnder("src"), ...filesUnder("prisma/migrations")]) {
    hash.update(path).update("\0");
    hash.update(existsSync(path) ? readFileSync(path) : "(missing)").update("\0");
  }
  return hash.digest("hex");
}

function check() {
  const missing = OUTPUTS.find((path) => !existsSync(path));
  if (missing) return `${missing} is missing`;
  if (!existsSync(RECORD)) return "dist/ has no record of the sources it was built from";
  if (readFileSync(RECORD, "utf8") !== inputsHash()) return "the sources changed since dist/ was built";
  return undefined;
}

const command = process.argv[2];
if (command === "begin") {
  mkdirSync("dist", { recursive: true });
  rmSync(RECORD, { force: true });
  writeFileSync(PENDING, inputsHash());
} else if (command === "end") {
  renameSync(PENDING, RECORD);
} else if (command === "check") {
  const stale = check();
  console.log(stale ? `build: ${stale}; building` : "build: dist/ is up to date with the sources; not rebuilding");
  process.exitCode = stale ? 1 : 0;
} else {
  console.error("usage: node scripts/build-stamp.mjs begin|end|check");
  process.exitCode = 2;
}
