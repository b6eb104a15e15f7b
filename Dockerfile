# Chimera's own image: the CLI and `chimera server` (API + dashboard).
#
# The base image is a build argument so it can come from anywhere: a registry's Node 20 image
# (`--build-arg BASE=node:20-bookworm-slim`) or, where no registry is reachable, the local image that
# scripts/test-env/node-base-image.sh makes with `docker import` (node and its libraries, no shell).
# Every RUN is in exec form for that reason.
ARG BASE=chimera-node-base:local
FROM ${BASE}

WORKDIR /app
# node_modules comes from the build context (installed with `npm ci` beforehand): the image never needs a
# registry. .dockerignore drops what only development needs.
COPY package.json tsconfig.json tsconfig.build.json ./
COPY node_modules ./node_modules
COPY bin ./bin
COPY src ./src
COPY web ./web
# Emit even when a type error slips in (tsc still writes the JavaScript); the image needs the CLI entry point.
RUN ["node", "-e", "require('child_process').spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' }); require('fs').accessSync('dist/cli/main.js')"]
RUN ["node", "node_modules/vite/bin/vite.js", "build", "--config", "web/vite.config.ts", "--logLevel", "warn"]

ENV NODE_ENV=production \
    CHIMERA_DATA_DIR=/data \
    CHIMERA_LOG_LEVEL=info
VOLUME ["/data"]
EXPOSE 7070
ENTRYPOINT ["node", "/app/bin/chimera.js"]
# Listens on loopback unless told otherwise: with host networking (docker-compose.yml) that is the host's
# loopback; publish it elsewhere only behind TLS and authentication.
CMD ["server", "--host", "127.0.0.1", "--port", "7070"]
