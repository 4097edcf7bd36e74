# The LoadLab services for users who have Docker (docker-compose.yml). Not used by CI or the
# build machines, which have no Docker engine: there, `upi-lab stack up` runs the same processes.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/scenarios ./scenarios
COPY --from=build /app/package.json ./
ENV HOST=0.0.0.0
