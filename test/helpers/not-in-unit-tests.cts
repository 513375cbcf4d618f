// What the unit project (jest.config.js) resolves PostgreSQL and Redis drivers, the build in dist/ and child_process
// to: a unit test that reaches one of them, however indirectly, fails at import with this message. CommonJS on
// purpose: jest runs it while linking the importing module, before checking for the names that module imports.
throw new Error(
  "A unit test imported a module that needs PostgreSQL, Redis, the build in dist/ or a child process: " +
    "move the test to test/integration, or give the code under test a port it can be handed a fake for.",
);
