// Tests run as native ES modules (node --experimental-vm-modules, see package.json) so that jest, tsc and the
// generated Prisma client all agree on one module format. @swc/jest strips types only; `npm test` typechecks first.
export default {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
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
  globalSetup: "<rootDir>/test/helpers/global-setup.mjs",
  globalTeardown: "<rootDir>/test/helpers/global-teardown.mjs",
  testTimeout: 30000,
  maxWorkers: 2,
};
