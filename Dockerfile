# The worker image for docker-compose.yml. The worker talks to Temporal over gRPC and to the
# vendors over HTTPS; it needs no Temporal CLI.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY bin ./bin
USER node
CMD ["npx", "tsx", "src/worker.ts"]
