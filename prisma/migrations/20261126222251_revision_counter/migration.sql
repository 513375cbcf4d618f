-- CreateTable
CREATE TABLE "switchboard_revision" (
    "id" INTEGER NOT NULL,
    "value" BIGINT NOT NULL,

    CONSTRAINT "switchboard_revision_pkey" PRIMARY KEY ("id")
);

-- Seed the counter from what the change log already holds.
INSERT INTO "switchboard_revision" ("id", "value")
SELECT 1, COALESCE(MAX("revision"), 0) FROM "switchboard_change_log";
