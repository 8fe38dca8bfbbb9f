# syntax=docker/dockerfile:1
# gcore-token-audit worker image. Node 22 LTS: Node 20 reached end of life in April 2026 (the code also
# runs on the Node 20 of the development machines).

FROM node:22.13.1-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY jobs ./jobs
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:22.13.1-bookworm-slim
ENV NODE_ENV=production
# tini as PID 1: forwards SIGTERM to node and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Application files stay owned by root and read-only to the process user.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
USER node
ENV HEALTH_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/src/app/main.js"]
CMD ["worker"]
