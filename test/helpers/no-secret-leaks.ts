import { afterAll, expect } from "@jest/globals";
import { capturedBodies, leakedSecrets } from "./leak-watch.js";

// Runs after every test file: no response body a replica sent may contain any secret the file gave a replica
// (issue #2: "search every response body in the suite for the plaintext test key: zero hits").
afterAll(() => {
  if (capturedBodies.length === 0) return;
  expect(leakedSecrets()).toEqual([]);
});
