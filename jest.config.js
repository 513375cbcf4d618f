// Tests run as native ES modules (node --experimental-vm-modules, see package.json) so that jest, tsc and the
// generated Prisma client all agree on one module format. @swc/jest strips types only; `npm test` typechecks first.
// Four projects: `unit` (test/unit: no build, no PostgreSQL, no Redis, no child process; `npm run test:unit`),
// `integration` (every other test file but test/hostile/ and test/browser/, against the real services and the build in
// dist/), `hostile` (test/hostile/: attacks replayed against a replica, asserting it stays responsive;
// `npm run test:hostile`) and `browser` (test/browser/: the admin page in Debian's chromium through playwright-core; `npm run test:browser`).
// `npm test` runs the hostile group on its own after the others, one file at a time: its latency bounds measure the
// replica under attack, not the machine running other test files beside it.

const notInUnitTests = "<rootDir>/test/helpers/not-in-unit-tests.cts";

const shared = {
  testEnvironment: "node",
  testMatch: ["**/*.test.ts"],
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "es6" } },
    ],
  },
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  // After every file: no response body contained a secret that file gave a replica.
  setupFilesAfterEnv: ["<rootDir>/test/helpers/no-secret-leaks.ts"],
};

const projects = [
  {
    ...shared,
    displayName: "unit",
    roots: ["<rootDir>/test/unit"],
    // Whatever a unit test imports, directly or through src/, may not reach a database or Redis driver, the build
    // or a child process: those resolve to a module that throws, so such a test fails here rather than passing
    // only where the services happen to run. Mappings are tried in order, so these come first.
    moduleNameMapper: {
      "^(node:)?child_process$": notInUnitTests,
      "^(pg|ioredis|@prisma/.+|@electric-sql/pglite(/.*)?|pglite-prisma-adapter)$": notInUnitTests,
      "^\\.{1,2}/(.*/)?(dist|generated)/.*$": notInUnitTests,
      ...shared.moduleNameMapper,
    },
  },
  {
    ...shared,
    displayName: "integration",
    roots: ["<rootDir>/test"],
    testPathIgnorePatterns: [
      "/node_modules/",
      "<rootDir>/test/unit/",
      "<rootDir>/test/hostile/",
      "<rootDir>/test/browser/",
    ],
    // One migrated template database per run, built with the code in dist/ (see test/helpers/global-setup.mjs).
    globalSetup: "<rootDir>/test/helpers/global-setup.mjs",
    globalTeardown: "<rootDir>/test/helpers/global-teardown.mjs",
  },
  {
    ...shared,
    displayName: "hostile",
    roots: ["<rootDir>/test/hostile"],
    globalSetup: "<rootDir>/test/helpers/global-setup.mjs",
    globalTeardown: "<rootDir>/test/helpers/global-teardown.mjs",
  },
  {
    // The admin page in Debian's chromium, driven by playwright-core (`npm run test:browser`).
    ...shared,
    displayName: "browser",
    roots: ["<rootDir>/test/browser"],
    globalSetup: "<rootDir>/test/helpers/global-setup.mjs",
    globalTeardown: "<rootDir>/test/helpers/global-teardown.mjs",
  },
];

// `npm run test:unit` and `npm run test:integration` name their project here rather than with --selectProjects, which
// would take the test files named after it (`npm run test:unit -- test/unit/router.test.ts`) for project names.
// TEST_PROJECT takes one project or a comma-separated list.
const only = process.env.TEST_PROJECT;
const names = only?.split(",");
const selected = names ? projects.filter((project) => names.includes(project.displayName)) : projects;
if (names && selected.length !== names.length)
  throw new Error(
    `TEST_PROJECT=${only} names a jest project that does not exist (unit, integration, hostile, browser)`,
  );

// testTimeout is read from here only: jest ignores it inside a project.
// The hostile group alone runs one file at a time (see above).
export default { maxWorkers: only === "hostile" ? 1 : 2, testTimeout: 30000, projects: selected };
