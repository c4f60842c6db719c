# One image for the three services; docker-compose.yml picks the entry point per service.
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY libs ./libs
COPY apps ./apps
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:20.20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
# Data files read at run time: needs and code lists, the sample directory, practice reference data, templates.
COPY --from=build /app/apps ./apps
USER node
EXPOSE 3000 3001 3002
# The Node options are scripts/service-node-options.js's (test/compose.spec.ts checks both files).
CMD ["node", "--max-old-space-size=1024", "dist/apps/referral-intake/src/main.js"]
