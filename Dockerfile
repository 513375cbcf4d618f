# Multi-stage build: compile with dev dependencies, run with production ones only, as a non-root user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
# No dependency install script runs (as package.json's allowScripts says for npm 11; the image's npm 10 needs the flag),
# so the build is run explicitly: prisma generate (offline-safe) and tsc into dist/.
RUN npm ci --ignore-scripts && npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
# DATA_DIR: embedded mode (no DATABASE_URL) keeps its database and generated master key there; mount a volume on it
# (`docker run -v switchboard-data:/data …`). /keys: where compose's init-keys service writes the generated keys.
# Both are created here, owned by the non-root user, so a new named volume mounted on them starts out writable by it
# (Docker copies a mount point's owner and mode into an empty named volume).
ENV NODE_ENV=production DATA_DIR=/data
WORKDIR /app
RUN mkdir -p /data /keys && chown node:node /data /keys && chmod 700 /data /keys
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/prisma ./prisma
COPY --from=build --chown=node:node /app/bin ./bin
COPY --chown=node:node docker/init-keys.mjs ./docker/
COPY --chown=node:node package.json config.yaml ./
USER node
EXPOSE 4000
# Pending migrations are applied at start, under an advisory lock, so replicas may start together.
CMD ["node", "dist/main.js"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:4000/health/readiness').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
