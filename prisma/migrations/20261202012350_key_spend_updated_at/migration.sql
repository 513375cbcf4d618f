-- AlterTable
ALTER TABLE "LiteLLM_VerificationToken" ADD COLUMN     "spend_updated_at" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "LiteLLM_VerificationToken_spend_updated_at_idx" ON "LiteLLM_VerificationToken"("spend_updated_at");
