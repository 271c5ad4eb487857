# Gatehouse container image: Node 24 LTS runs the TypeScript sources directly (ADR 0001).
# Build: docker build -t gatehouse .
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/verify/package.json packages/verify/package.json
# production dependencies only (no demo, no test tools); the pinned `node` dev dependency is not needed in the image
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules node_modules
COPY package.json ./
COPY packages/verify packages/verify
COPY src src
# runs as the unprivileged `node` user; config, keys and certificates are mounted read-only
USER node
EXPOSE 8080 8443 9901
ENTRYPOINT ["node", "src/cli/main.ts"]
CMD ["serve", "-c", "/etc/gatehouse/gatehouse.yaml"]
