# Parley: multi-stage build; the runtime image holds production dependencies and dist/ only,
# and runs as the unprivileged node user. node is PID 1 and handles SIGTERM itself (graceful
# shutdown within SHUTDOWN_TIMEOUT_MS); give `docker stop` a longer grace period than that.
# Node 22: the newest engines any dependency declares (≥ 22.15) are met; the server itself needs ≥ 20.19.
FROM node:22-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# client/ is an npm workspace (@parley/client): npm ci needs its package.json
COPY client/package.json ./client/
# better-sqlite3 builds from source when no prebuilt binary is at hand (python3, make, g++ are in this image)
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY client/package.json ./client/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# npm run build builds the SDK too; the runtime image does not hold it
COPY client ./client
RUN npm run build

FROM node:22-bookworm-slim AS runtime
# ffmpeg makes video thumbnails (the server runs without it; videos then get none)
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production PORT=4000 DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]
