#!/usr/bin/env node
// `npx switchboard --config config.yaml --port 4000`; `npm ci` builds dist/ (the prepare script).
import "../dist/main.js";
