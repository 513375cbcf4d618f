// Tests run as native ES modules (node --experimental-vm-modules, see package.json) so that jest, tsc and the
// generated Prisma client all agree on one module format. @swc/jest strips types only; `npm test` typechecks first.
// Two projects: `unit` (test/unit: no build, no PostgreSQL, no Redis, no child process; `npm run test:unit`) and
// `integration` (every other test file, against the real services and the build in dist/).

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
    testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/unit/"],
    // One migrated template database per run, built with the code in dist/ (see test/helpers/global-setup.mjs).
    globalSetup: "<rootDir>/test/helpers/global-setup.mjs",
    globalTeardown: "<rootDir>/test/helpers/global-teardown.mjs",
  },
];

// `npm run test:unit` and `npm run test:integration` name their project here rather than with --selectProjects, which
// would take the test files named after it (`npm run test:unit -- test/unit/router.test.ts`) for project names.
const only = process.env.TEST_PROJECT;
const selected = only ? projects.filter((project) => project.displayName === only) : projects;
if (selected.length === 0) throw new Error(`TEST_PROJECT=${only} names no jest project (unit, integration)`);

// testTimeout is read from here only: jest ignores it inside a project.
export default { maxWorkers: 2, testTimeout: 30000, projects: selected };
