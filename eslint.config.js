// Lint is the law here (see README "Development"): type-checked rules, import hygiene and the layer rules of the
// project style guide (README, Development: Layers). Formatting is Prettier's alone (eslint-config-prettier turns off
// every rule it owns).
import { readdirSync } from "node:fs";
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import { importX } from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import globals from "globals";
import tseslint from "typescript-eslint";

// The layers of src/, written down once: each folder names the folders it builds on, and may import those and
// everything below them, nothing else, so there is no cycle between folders. db/ and redis/ are adapters: they
// implement the ports of the folders they name and only the composition root (src/app.ts, deps.ts, main.ts, which may
// import every folder but generated/) imports them, so http/ and the domain never reach storage. Only src/db/ imports
// Prisma, pg and PGlite, only src/redis/ imports ioredis (restrictPackages below).
const layers = {
  http: ["health", "metrics", "spend", "limits", "ui"], // routes, middleware, OpenAPI and wire views: the outermost layer
  health: ["proxy"], // model health checks, through the proxy's upstream client
  proxy: ["keys", "cost", "config"], // routing and upstream calls
  keys: ["registry"], // virtual keys and the models a key reaches
  cost: ["registry"],
  spend: ["config", "logging"], // spend records, their queue and store ports, the flusher
  config: ["registry"], // builds the registry's ConfigDeployment from config.yaml
  registry: ["sync", "errors"], // the model domain and its ModelStore port
  sync: ["logging"], // revision machinery and its ChangeLog/ChangeBus ports
  db: ["keys", "spend", "crypto", "generated"],
  redis: ["sync", "spend", "limits"],
  limits: ["keys"], // key rate and parallel limits; their store ports (Redis behind them)
  metrics: [], // proxy/ reports through an observer that metrics' object fits by shape
  crypto: [],
  ui: [], // the admin page: its static assets and its session/CSRF signing
  errors: [],
  logging: [],
  generated: [], // the Prisma client, for db/ alone
};
const compositionRoot = ["app.ts", "deps.ts", "main.ts"];
// Everything but HTTP, the storage adapters and generated code is domain: it never imports src/http/.
const domainFolders = Object.keys(layers).filter((folder) => !["http", "db", "redis", "generated"].includes(folder));

/** Every folder below `folder`; throws when the table above has a cycle or names an unknown folder. */
function below(folder, path = []) {
  if (path.includes(folder)) throw new Error(`eslint.config.js layers: cycle ${[...path, folder].join(" → ")}`);
  if (!(folder in layers)) throw new Error(`eslint.config.js layers: unknown folder ${folder}`);
  return new Set(layers[folder].flatMap((next) => [next, ...below(next, [...path, folder])]));
}

/** A new folder or root file in src/ must take its place in the layers before anything lints. */
function checkLayersCoverSrc() {
  for (const entry of readdirSync(new URL("src/", import.meta.url), { withFileTypes: true })) {
    const known = entry.isDirectory() ? entry.name in layers : compositionRoot.includes(entry.name);
    if (!known) throw new Error(`eslint.config.js layers: src/${entry.name} has no place in the layers`);
  }
}

function layerZones() {
  checkLayersCoverSrc();
  const src = (name) => `src/${name}`;
  const zones = [];
  for (const folder of Object.keys(layers)) {
    const allowed = below(folder);
    const forbidden = Object.keys(layers).filter((other) => other !== folder && !allowed.has(other));
    const named = { http: [], storage: [], generated: [] };
    const rest = [];
    for (const other of forbidden) {
      if (other === "http" && domainFolders.includes(folder)) named.http.push(other);
      else if ((other === "db" || other === "redis") && folder === "http") named.storage.push(other);
      else if (other === "generated") named.generated.push(other);
      else rest.push(other);
    }
    const zone = (from, message) =>
      from.length > 0 && zones.push({ target: src(folder), from: from.map(src), message });
    zone(named.http, "Domain folders never import src/http/: wire shapes live in src/http/views/.");
    zone(named.storage, "src/http/ never touches storage (src/db/, src/redis/): it calls services that deps.ts wires.");
    zone(named.generated, "Only src/db/ imports the generated Prisma client.");
    zone(
      [...rest, ...compositionRoot],
      allowed.size > 0
        ? `src/${folder}/ may import only ${[...allowed].sort().join(", ")} (the layers in eslint.config.js).`
        : `src/${folder}/ imports no other folder (the layers in eslint.config.js).`,
    );
  }
  zones.push({
    target: compositionRoot.map(src),
    from: src("generated"),
    message: "Only src/db/ imports the generated Prisma client.",
  });
  zones.push({
    target: "src",
    from: ["test", "tools", "bench", "scripts"],
    message: "The shipped src/ tree never imports tests, tools, benchmarks or scripts.",
  });
  return zones;
}

// Package names as regular expressions, so one definition serves import declarations and import() alike.
const onlyDb = {
  regex: "^(@prisma/|@electric-sql/|pglite|pg(/|$))",
  message: "Only src/db/ imports Prisma, pg or PGlite.",
};
const onlyRedis = { regex: "^ioredis(/|$)", message: "Only src/redis/ imports ioredis." };

/** Declarations through no-restricted-imports; import() through no-restricted-syntax, which the former skips. */
function restrictPackages(restrictions) {
  // esquery ends a regex literal at the first "/", so a slash is written \x2F there.
  const selector = (regex) => `ImportExpression[source.value=/${regex.replaceAll("/", "\\x2F")}/]`;
  return {
    "no-restricted-imports": ["error", { patterns: restrictions.map(({ regex, message }) => ({ regex, message })) }],
    "no-restricted-syntax": [
      "error",
      ...restrictions.map(({ regex, message }) => ({ selector: selector(regex), message })),
    ],
  };
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "src/generated/", ".switchboard/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: {
          allowDefaultProject: ["*.js", "*.ts", "bin/*.js", "bench/*.mjs", "scripts/*.mjs", "test/helpers/*.mjs"],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { "import-x": importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "tsconfig.json" })],
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "import-x/no-cycle": "error",
      "import-x/no-restricted-paths": ["error", { basePath: import.meta.dirname, zones: layerZones() }],
      "import-x/no-self-import": "error",
      "import-x/no-duplicates": "error",
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  { files: ["src/**"], ignores: ["src/db/**", "src/redis/**"], rules: restrictPackages([onlyDb, onlyRedis]) },
  { files: ["src/db/**"], rules: restrictPackages([onlyRedis]) },
  { files: ["src/redis/**"], rules: restrictPackages([onlyDb]) },
  {
    // Tests read HTTP replies, whose JSON bodies are `any` by nature (supertest, fetch): asserting their shape is what
    // the test does, so the no-unsafe-* family would only demand casts that prove nothing.
    files: ["test/**"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  {
    // Plain JavaScript (scripts, bench helpers, jest's global set-up, the bin shim) has no types to check against.
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);
