# syntax=docker/dockerfile:1
# Node 24 (Active LTS). The same base image builds and runs, so better-sqlite3's native build matches.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json esbuild.config.mjs ./
COPY src ./src
# Fixes to dependencies, applied by npm ci's postinstall (patch-package) before the bundle is built.
COPY patches ./patches
# npm ci runs `prepare`, which bundles the server and the scripts (token, backup, migrate, seed, reindex) into dist/.
RUN npm ci && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
# A production image starts empty: no demo news unless CMS_DEMO_CONTENT=true is passed.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATABASE_URL=file:/data/cms.db CMS_DEMO_CONTENT=false
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# The same command as `npm start` (package.json): small young-generation spaces and an old generation
# that grows by half its live size between full collections keep memory down at no cost in speed, and two malloc arenas keep libvips' image threads (sharp) from fragmenting glibc's heap.
ENV MALLOC_ARENA_MAX=2
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "dist/server.js"]
