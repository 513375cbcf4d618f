import { parseEnv } from "../src/config/env.js";
import { openDatabase } from "../src/db/database.js";

// `npm run db:deploy`: applies pending migrations (the same step `npm start` runs first), for operators who
// migrate before rolling replicas. Uses DATABASE_URL, or the embedded database under DATA_DIR.
const env = parseEnv(process.env);
const database = await openDatabase({ databaseUrl: env.databaseUrl, dataDir: env.dataDir });
try {
  const result = await database.migrate();
  process.stdout.write(
    `${JSON.stringify({ applied: result.applied, modified: result.modified, database: database.kind })}\n`,
  );
} finally {
  await database.close();
}
