# One image for every part; docker-compose.yml picks the entry point per service.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches patches
# No dependency's install scripts run; our own dependency patches (patches/) are applied explicitly.
RUN npm ci --ignore-scripts && npx patch-package
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
COPY src src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
# The V8 heap sizes the k8s manifests set too: see the note there.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size=384 --max-semi-space-size=32" \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The image's `node` user by number, so Kubernetes' runAsNonRoot can verify it is not root.
USER 1000:1000
EXPOSE 3001 3002 4001 4002 4003
CMD ["node", "dist/src/main.js"]
