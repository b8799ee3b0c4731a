# syntax=docker/dockerfile:1
#
# One multi-stage file, two runtime targets:
#   docker build --target api    -t wallet-api:1.0.0 .
#   docker build --target worker -t wallet-worker:1.0.0 .
# Without --target the last stage (api) is built.
#
# Node 24 is the current LTS line; the code also runs on Node 20.19+ (package.json engines).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------------------
# manifests: the lock and every workspace's package.json, shared by both install stages, so
# the dependency layers stay cached until a package.json or the lock changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/async/package.json packages/async/
COPY packages/config/package.json packages/config/
COPY packages/ledger/package.json packages/ledger/
COPY packages/queue/package.json packages/queue/
COPY packages/webhooks/package.json packages/webhooks/
COPY packages/store-postgres/package.json packages/store-postgres/
COPY packages/store-mongo/package.json packages/store-mongo/
COPY packages/stores/package.json packages/stores/
COPY packages/client/package.json packages/client/
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/

# ---------------------------------------------------------------------------------------
# build: every dependency (dev included), then `npm run build` (tsc -b over all workspaces).
FROM manifests AS build
# --ignore-scripts: no dependency install script is needed (esbuild and msgpackr ship
# prebuilt binaries / a pure-JS fallback), and none should run with network access here.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY scripts scripts
# The client's types are generated from the committed OpenAPI document by `npm run build`.
COPY docs/openapi.json docs/
COPY packages packages
COPY apps apps
RUN npm run build \
 && mkdir -p /out \
 && for dir in packages/* apps/*; do \
      mkdir -p "/out/$dir" && cp -R "$dir/dist" "$dir/package.json" "/out/$dir/"; \
    done

# ---------------------------------------------------------------------------------------
# prod-deps: production dependencies of every workspace (both apps need all the packages),
# with the workspace symlinks node_modules/@wallet/* -> packages/*, apps/*.
FROM manifests AS prod-deps
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---------------------------------------------------------------------------------------
# runtime: production node_modules + compiled dist/ only; no sources, no compiler, no npm
# cache. Files stay owned by root, so the unprivileged process cannot rewrite its own code.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# V8 grows the old space lazily when memory looks plentiful (measured: 260 MB RSS under load
# with under 60 MB of live heap). A 96 MB cap keeps the API near 150 MB RSS with no
# throughput change (docs/performance.md); raise it with NODE_OPTIONS if a pod needs more.
ENV NODE_OPTIONS=--max-old-space-size=96
WORKDIR /app
COPY --from=prod-deps /app ./
COPY --from=build /out ./
# Numeric uid:gid (the image's `node` user) so Kubernetes can verify runAsNonRoot.
USER 1000:1000
# The base image's entrypoint is a shell script; clear it so `node` itself is PID 1.
ENTRYPOINT []
# Node runs as PID 1 directly (exec-form CMD, no shell): SIGTERM reaches the process, whose
# own handler drains and exits. No init (tini / --init) is needed: the app spawns no child
# processes, so there are no zombies to reap, and it installs its own signal handlers.
STOPSIGNAL SIGTERM

# ---------------------------------------------------------------------------------------
FROM runtime AS worker
EXPOSE 3001
# Liveness only (not readiness): a worker that lost Redis is alive and waiting, not broken.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.WORKER_PORT||3001)+'/health/live',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "apps/worker/dist/main.js"]

# ---------------------------------------------------------------------------------------
FROM runtime AS api
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "apps/api/dist/main.js"]
