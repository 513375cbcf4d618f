-- CreateTable
CREATE TABLE "LiteLLM_ProxyModelTable" (
    "model_id" TEXT NOT NULL,
    "model_name" TEXT NOT NULL,
    "litellm_params" JSONB NOT NULL,
    "model_info" JSONB NOT NULL,
    "revision" BIGINT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" TEXT NOT NULL,

    CONSTRAINT "LiteLLM_ProxyModelTable_pkey" PRIMARY KEY ("model_id")
);

-- CreateTable
CREATE TABLE "switchboard_change_log" (
    "revision" BIGINT NOT NULL,
    "entity" TEXT NOT NULL,
    "op" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "switchboard_change_log_pkey" PRIMARY KEY ("revision")
);

-- CreateIndex
CREATE INDEX "LiteLLM_ProxyModelTable_model_name_idx" ON "LiteLLM_ProxyModelTable"("model_name");

-- CreateIndex
CREATE INDEX "switchboard_change_log_entity_entity_id_idx" ON "switchboard_change_log"("entity", "entity_id");
