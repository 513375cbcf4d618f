import type { Prisma, PrismaClient } from "../generated/prisma/client.js";
import type { BudgetStore, KeyStore, SoftBudgetCrossing, VirtualKeyInput } from "../keys/ports.js";
import type { VirtualKey } from "../keys/virtual-key.js";
import { jsonList, jsonObject } from "./json-columns.js";
import { WRITE_TX_OPTIONS, appendChange, lockRevisions } from "./change-log-store.js";
import { revisionedCreate, revisionedUpdate } from "./revisioned-writes.js";
import { guardStore } from "./unavailable.js";

type Row = Prisma.VirtualKeyGetPayload<object>;

function numberOf(value: bigint | null): number | null {
  return value === null ? null : Number(value);
}

function toVirtualKey(row: Row): VirtualKey {
  return {
    token: row.token,
    keyName: row.keyName,
    keyAlias: row.keyAlias,
    models: jsonList(row.models).filter((m): m is string => typeof m === "string"),
    metadata: jsonObject(row.metadata),
    maxParallelRequests: row.maxParallelRequests,
    expires: row.expires,
    blocked: row.blocked,
    userId: row.userId,
    teamId: row.teamId,
    organizationId: row.organizationId,
    spend: row.spend,
    maxBudget: row.maxBudget,
    softBudget: row.softBudget,
    budgetDuration: row.budgetDuration,
    budgetResetAt: row.budgetResetAt,
    tpmLimit: numberOf(row.tpmLimit),
    rpmLimit: numberOf(row.rpmLimit),
    modelMaxBudget: jsonObject(row.modelMaxBudget),
    aliases: jsonObject(row.aliases),
    config: jsonObject(row.config),
    permissions: jsonObject(row.permissions),
    allowedCacheControls: jsonList(row.allowedCacheControls),
    allowedRoutes: jsonList(row.allowedRoutes),
    revision: Number(row.revision),
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  };
}

function toColumns(input: VirtualKeyInput) {
  return {
    keyName: input.keyName,
    keyAlias: input.keyAlias,
    models: input.models,
    metadata: input.metadata as Prisma.InputJsonObject,
    maxParallelRequests: input.maxParallelRequests,
    expires: input.expires,
    blocked: input.blocked,
    userId: input.userId,
    teamId: input.teamId,
    organizationId: input.organizationId,
    spend: input.spend,
    maxBudget: input.maxBudget,
    softBudget: input.softBudget,
    budgetDuration: input.budgetDuration,
    budgetResetAt: input.budgetResetAt,
    tpmLimit: input.tpmLimit === null ? null : BigInt(input.tpmLimit),
    rpmLimit: input.rpmLimit === null ? null : BigInt(input.rpmLimit),
    modelMaxBudget: input.modelMaxBudget as Prisma.InputJsonObject,
    aliases: input.aliases as Prisma.InputJsonObject,
    config: input.config as Prisma.InputJsonObject,
    permissions: input.permissions as Prisma.InputJsonObject,
    allowedCacheControls: input.allowedCacheControls as Prisma.InputJsonArray,
    allowedRoutes: input.allowedRoutes as Prisma.InputJsonArray,
  };
}

/** Virtual keys in LiteLLM_VerificationToken, revisioned through the same change log as models. */
export function createKeyStore(prisma: PrismaClient): KeyStore {
  return guardStore({
    async create(input, actor) {
      const { created, change } = await revisionedCreate(
        prisma,
        { entity: "key", entityId: input.token, actor },
        (tx, change) =>
          tx.virtualKey.create({
            data: {
              ...toColumns(input),
              token: input.token,
              revision: BigInt(change.revision),
              createdBy: actor,
              updatedBy: actor,
            },
          }),
      );
      return { key: toVirtualKey(created), change };
    },

    update(token, edit, actor) {
      return revisionedUpdate(prisma, async (tx, missing) => {
        const change = await appendChange(tx, { entity: "key", op: "update", entityId: token, actor });
        // Locks the row first: a spend flush adding to `spend` meanwhile would otherwise be overwritten below.
        await tx.$executeRaw`SELECT 1 FROM "LiteLLM_VerificationToken" WHERE token = ${token} FOR UPDATE`;
        const current = (await tx.virtualKey.findUnique({ where: { token } })) ?? missing();
        const row = await tx.virtualKey.update({
          where: { token },
          data: {
            ...toColumns(edit(toVirtualKey(current))),
            revision: BigInt(change.revision),
            updatedAt: new Date(),
            updatedBy: actor,
          },
        });
        return { key: toVirtualKey(row), change };
      });
    },

    async deleteMany(tokens, actor) {
      return prisma.$transaction(async (tx) => {
        await lockRevisions(tx);
        const changes = [];
        for (const token of new Set(tokens)) {
          const removed = await tx.virtualKey.deleteMany({ where: { token } });
          if (removed.count > 0)
            changes.push(await appendChange(tx, { entity: "key", op: "delete", entityId: token, actor }));
        }
        return changes;
      }, WRITE_TX_OPTIONS);
    },

    async getMany(tokens) {
      if (tokens.length === 0) return [];
      return (await prisma.virtualKey.findMany({ where: { token: { in: [...tokens] } } })).map(toVirtualKey);
    },

    async listAll() {
      return (await prisma.virtualKey.findMany({ orderBy: { createdAt: "asc" } })).map(toVirtualKey);
    },
  });
}

/** The budget job's reads and conditional writes on LiteLLM_VerificationToken. */
export function createBudgetStore(prisma: PrismaClient): BudgetStore {
  return guardStore({
    async dueBudgets(now, limit) {
      const rows = await prisma.virtualKey.findMany({
        where: { budgetResetAt: { lte: now }, budgetDuration: { not: null } },
        select: { token: true, budgetDuration: true },
        orderBy: { budgetResetAt: "asc" },
        take: limit,
      });
      return rows.flatMap((row) =>
        row.budgetDuration ? [{ token: row.token, budgetDuration: row.budgetDuration }] : [],
      );
    },

    resetBudget(token, now, next, actor) {
      return revisionedUpdate(prisma, async (tx, missing) => {
        // The revision first (as every write): it serialises the replicas' jobs, so the second finds the key not due.
        const change = await appendChange(tx, { entity: "key", op: "update", entityId: token, actor });
        const reset = await tx.virtualKey.updateMany({
          where: { token, budgetResetAt: { lte: now } },
          data: {
            spend: 0,
            budgetResetAt: next,
            softBudgetCooldown: false,
            revision: BigInt(change.revision),
            updatedAt: new Date(),
            updatedBy: actor,
          },
        });
        if (reset.count === 0) missing();
        // Replicas re-read the spend of keys whose spend moved: this one's did (database clock, as the flusher's).
        await tx.$executeRaw`
          UPDATE "LiteLLM_VerificationToken" SET spend_updated_at = now() AT TIME ZONE 'UTC' WHERE token = ${token}`;
        const row = (await tx.virtualKey.findUnique({ where: { token } })) ?? missing();
        return { key: toVirtualKey(row), change };
      });
    },

    async claimSoftBudgetCrossings() {
      // Two statements, no transaction: neither holds row locks while waiting on the other (a flush locks key rows too).
      await prisma.$executeRaw`
        UPDATE "LiteLLM_VerificationToken" SET soft_budget_cooldown = false
        WHERE soft_budget_cooldown AND (soft_budget IS NULL OR spend < soft_budget)`;
      // A row another replica is marking is waited for, then re-checked: it no longer matches, so only one reports it.
      return prisma.$queryRaw<SoftBudgetCrossing[]>`
        UPDATE "LiteLLM_VerificationToken" SET soft_budget_cooldown = true
        WHERE NOT soft_budget_cooldown AND soft_budget IS NOT NULL AND spend >= soft_budget
        RETURNING token, key_name AS "keyName", key_alias AS "keyAlias", spend, soft_budget AS "softBudget"`;
    },
  });
}
