import type { SecretCipher } from "../crypto/secret-cipher.js";
import type { Database } from "./database-parts.js";
import type { Prisma, PrismaClient } from "../generated/prisma/client.js";
import type { ModelStore, StoredModel, StoredModelInput } from "../registry/ports.js";
import { mapSecretValues } from "../registry/secret-fields.js";
import { jsonObject } from "./json-columns.js";
import { WRITE_TX_OPTIONS, appendChange, changeCtes, lockRevisions, utcTimestamp } from "./change-log-store.js";
import { insertOnce, revisionedUpdate } from "./revisioned-writes.js";
import { createLazySecrets } from "./lazy-secrets.js";
import { guardStore } from "./unavailable.js";

type Row = Prisma.ProxyModelGetPayload<object>;

/** A row as the driver returns it (column names; jsonb parsed; bigint as text, number or bigint; timestamps as Date). */
interface RawRow {
  model_id: string;
  model_name: string;
  litellm_params: Row["litellmParams"];
  model_info: Row["modelInfo"];
  revision: bigint | number | string;
  created_at: Date | string;
  created_by: string;
  updated_at: Date | string;
  updated_by: string;
}

/** Deployments in LiteLLM_ProxyModelTable; secret params are encrypted here and nowhere else. */
export function createModelStore(
  prisma: PrismaClient,
  database: Pick<Database, "queryRows">,
  cipher: SecretCipher,
  onDecryptError: (modelId: string, field: string) => void = () => {},
): ModelStore {
  // Every secret position (named fields, header values, URLs with credentials) is stored as ciphertext.
  const encrypt = (params: Record<string, unknown>) =>
    mapSecretValues(params, (value) => cipher.encrypt(JSON.stringify(value)));
  // Decryption goes by the ciphertext's prefix, not by position: rows written before a position counted as secret
  // (a plain api_base with credentials, plain header values) read as they are and are encrypted on their next write.
  // One row written under another SALT_KEY must not take the whole view down (LiteLLM aborts its reload): that
  // secret reads as empty (logged when it is first read), and calls to that deployment fail upstream.
  const decrypt = createLazySecrets(
    (text): text is string => cipher.isEncrypted(text),
    (id, text, field) => {
      try {
        return JSON.parse(cipher.decrypt(text)) as unknown;
      } catch {
        onDecryptError(id, field);
        return "";
      }
    },
  );

  const toStoredModel = (row: Row): StoredModel => ({
    id: row.modelId,
    modelName: row.modelName,
    litellmParams: decrypt(jsonObject(row.litellmParams), row.modelId),
    modelInfo: jsonObject(row.modelInfo),
    revision: Number(row.revision),
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  });

  return guardStore({
    // One statement (revision, change-log entry and row), so the revision lock is held for no round trip at all;
    // the answer is built from the input, which is what was stored, instead of reading the row back and decrypting it.
    async create(input, actor) {
      const at = new Date();
      const entry = { entity: "model" as const, op: "create" as const, entityId: input.id, actor };
      const columns = toColumns(input, encrypt);
      const [written] = await insertOnce(
        input.id,
        () => prisma.$queryRaw<Array<{ revision: bigint }>>`
          WITH ${changeCtes(entry, at)}, created AS (
            INSERT INTO "LiteLLM_ProxyModelTable"
              ("model_id", "model_name", "litellm_params", "model_info", "revision", "created_at", "created_by",
               "updated_at", "updated_by")
            SELECT ${input.id}, ${input.modelName}, ${JSON.stringify(columns.litellmParams)}::jsonb,
              ${JSON.stringify(columns.modelInfo)}::jsonb, "value", ${utcTimestamp(at)}, ${actor}, ${utcTimestamp(at)},
              ${actor}
            FROM rev RETURNING "revision"
          )
          SELECT created."revision" FROM created, log`,
      );
      if (!written) throw new Error("switchboard_revision has no row: the database was not migrated");
      const revision = Number(written.revision);
      const model: StoredModel = {
        ...input,
        revision,
        createdAt: at,
        createdBy: actor,
        updatedAt: at,
        updatedBy: actor,
      };
      return { model, change: { ...entry, revision, createdAt: at } };
    },

    update(id, edit, actor) {
      return revisionedUpdate(prisma, async (tx, missing) => {
        const change = await appendChange(tx, { entity: "model", op: "update", entityId: id, actor });
        const current = (await tx.proxyModel.findUnique({ where: { modelId: id } })) ?? missing();
        const next = edit(toStoredModel(current));
        const row = await tx.proxyModel.update({
          where: { modelId: id },
          data: {
            ...toColumns(next, encrypt),
            revision: BigInt(change.revision),
            updatedAt: new Date(),
            updatedBy: actor,
          },
        });
        return { model: toStoredModel(row), change };
      });
    },

    async delete(id, actor) {
      return prisma.$transaction(async (tx) => {
        await lockRevisions(tx);
        const removed = await tx.proxyModel.deleteMany({ where: { modelId: id } });
        if (removed.count === 0) return undefined;
        return appendChange(tx, { entity: "model", op: "delete", entityId: id, actor });
      }, WRITE_TX_OPTIONS);
    },

    async getMany(ids) {
      if (ids.length === 0) return [];
      const rows = await prisma.proxyModel.findMany({ where: { modelId: { in: [...ids] } } });
      return rows.map(toStoredModel);
    },

    // Start-up and full resync read every row: through the driver, which maps 10,000 rows in a fraction of the time
    // findMany or $queryRaw does (and leaves less garbage for a starting replica to collect).
    async listAll() {
      const rows = await database.queryRows<RawRow>(
        // The columns are timestamps without a zone, written in UTC: read as such, whatever the process's zone.
        `SELECT "model_id", "model_name", "litellm_params", "model_info", "revision",
          "created_at" AT TIME ZONE 'UTC' AS "created_at", "created_by",
          "updated_at" AT TIME ZONE 'UTC' AS "updated_at", "updated_by"
        FROM "LiteLLM_ProxyModelTable" ORDER BY "created_at" ASC, "model_id" ASC`,
      );
      return rows.map((row) =>
        toStoredModel({
          modelId: row.model_id,
          modelName: row.model_name,
          litellmParams: row.litellm_params,
          modelInfo: row.model_info,
          revision: BigInt(row.revision),
          createdAt: new Date(row.created_at),
          createdBy: row.created_by,
          updatedAt: new Date(row.updated_at),
          updatedBy: row.updated_by,
        }),
      );
    },
  });
}

function toColumns(input: StoredModelInput, encrypt: (p: Record<string, unknown>) => Record<string, unknown>) {
  return {
    modelName: input.modelName,
    litellmParams: encrypt(input.litellmParams) as Prisma.InputJsonObject,
    modelInfo: input.modelInfo as Prisma.InputJsonObject,
  };
}
