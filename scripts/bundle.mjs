// Last code step of `npm run build`: bundles what dist/main.js (tsc's output) imports, our modules and the packages
// alike, into dist/bundle/, and makes dist/main.js a one-line entry into it. Node's module loader resolving, reading
// and compiling ~600 files was the largest part of a replica's start (bench:scale's cold start); one file loads in a
// fraction of that. The other dist/ files stay as tsc wrote them (the tests import them one by one).
// Left out of the bundle: PGlite (loads its WebAssembly and data files from beside its own module), pino (its
// transports run in worker threads from their own files) and pg's optional native binding.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { build } from "esbuild";

const ENTRY = "dist/main.js";
const OUT_DIR = "dist/bundle";

// tsc rewrites dist/main.js on every build; a bundle of the one-line entry would be a bundle of nothing.
const entry = await readFile(ENTRY, "utf8");
if (entry.startsWith('import "./bundle/')) throw new Error(`${ENTRY} is already the bundle's entry: run tsc first`);

// Prisma ships its query compiler as a module exporting the WebAssembly as a 2.3 MB base64 string. Bundled as it is,
// the replica keeps that string twice for its whole life (the module's source and the literal), ~4.6 MB of an idle
// replica's heap. The bundle gets the binary as a file beside it, and a stand-in module that reads it. The client
// passes `wasm` to Buffer.from(wasm, "base64"), which copies a Buffer as it is (checked by every test that starts
// dist/main.js: no query runs without the compiler).
const QUERY_COMPILER_BASE64 = /query_compiler_small_bg\.postgresql\.wasm-base64\.mjs$/;
const QUERY_COMPILER_FILE = "query_compiler_small_bg.postgresql.wasm";
const queryCompilerFromFile = {
  name: "query-compiler-from-file",
  setup(bundler) {
    bundler.onResolve({ filter: QUERY_COMPILER_BASE64 }, (args) => ({
      path: createRequire(import.meta.url).resolve(args.path),
      namespace: "query-compiler-from-file",
    }));
    bundler.onLoad({ filter: /.*/, namespace: "query-compiler-from-file" }, async (args) => {
      const { wasm } = await import(args.path);
      await mkdir(OUT_DIR, { recursive: true });
      await writeFile(`${OUT_DIR}/${QUERY_COMPILER_FILE}`, Buffer.from(wasm, "base64"));
      return {
        contents:
          'import { readFileSync } from "node:fs";\n' +
          `export const wasm = readFileSync(new URL("./${QUERY_COMPILER_FILE}", import.meta.url));\n`,
        loader: "js",
      };
    });
  },
};

await rm(OUT_DIR, { recursive: true, force: true });
await build({
  plugins: [queryCompilerFromFile],
  entryPoints: { main: ENTRY },
  outdir: OUT_DIR,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Dynamic imports (Redis, the embedded database) stay separate files, loaded only in the mode that needs them.
  splitting: true,
  // Smaller source compiles faster at start; names are kept, so stack traces in the log stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  external: ["@electric-sql/pglite", "pglite-prisma-adapter", "pino", "pg-native"],
  // The packages bundled here are CommonJS and call require() for Node's own modules.
  banner: {
    js: 'import { createRequire as __bundleRequire } from "node:module"; const require = __bundleRequire(import.meta.url);',
  },
  logLevel: "warning",
});
await writeFile(ENTRY, 'import "./bundle/main.js";\n');
await rm(`${ENTRY}.map`, { force: true });
