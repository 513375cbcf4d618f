-- AlterTable
ALTER TABLE "LiteLLM_VerificationToken" ADD COLUMN     "budget_reset_at" TIMESTAMP(3),
ADD COLUMN     "soft_budget_cooldown" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "LiteLLM_VerificationToken_budget_reset_at_idx" ON "LiteLLM_VerificationToken"("budget_reset_at");
