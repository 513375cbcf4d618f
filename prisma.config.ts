import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  // Read only by `prisma migrate` where the schema-engine binary can be downloaded; process.env (not env())
  // keeps `prisma generate` working when DATABASE_URL is unset.
  datasource: { url: process.env.DATABASE_URL },
});
