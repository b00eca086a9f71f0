/**
 * The Dockerfile and .dockerignore that `arkitekt-next build` writes (pure functions of the app's
 * facts, so tests parse exactly what users get).
 *
 * Three stages: `deps` installs the production dependencies with the compilers better-sqlite3 may
 * need (a dependency of arkitekt-next's embedded server; without a prebuilt binary for the image it
 * compiles), `build` installs everything and compiles the app (`npm run build`), and the final
 * stage, from the same slim base without compilers, holds the production `node_modules`, the
 * sources and `dist/`, runs as the unprivileged `node` user, serves with `run prod` and answers
 * the HEALTHCHECK with `health`.
 */

/** The base image when `--node-image` is not given: a Node LTS slim image (engines: node >= 20.12). */
export const DEFAULT_NODE_IMAGE = "node:22-bookworm-slim";
/** The app's folder in the image. */
export const IMAGE_WORKDIR = "/app";

export interface DockerfileFacts {
  /** For the header's example commands. */
  imageName: string;
  nodeImage: string;
  /**
   * The arkitekt-next tarball the lockfile installs from a `file:` spec: `from` is its path in the
   * build context, `to` where the spec resolves inside the image (absolute, or relative to WORKDIR).
   */
  tarball?: { from: string; to: string };
}

const CLI = "node_modules/arkitekt-next/bin/arkitekt-next.js";

export function renderDockerfile(facts: DockerfileFacts): string {
  const tarball = facts.tarball
    ? [
        "# arkitekt-next comes from a tarball (a `file:` spec in package.json): it is copied to where that spec",
        "# resolves from /app, so package.json and package-lock.json (with its integrity hash) stay as they are.",
        `COPY ${facts.tarball.from} ${facts.tarball.to}`,
      ]
    : [];
  return [
    "# Written by `arkitekt-next build`. Build and run:",
    `#   docker build -t ${facts.imageName} .`,
    `#   docker run -e ARKITEKT_URL=https://your-platform -e ARKITEKT_TOKEN=... ${facts.imageName}`,
    "# Flags after the image name go to `arkitekt-next run prod` (e.g. --connect-timeout 0).",
    "",
    "# The base image of every stage; Node >= 20.12.",
    `ARG NODE_IMAGE=${facts.nodeImage}`,
    "",
    "# Production dependencies. better-sqlite3 (used by arkitekt-next's embedded dev server) compiles",
    "# when no prebuilt binary fits the image, so this stage has python3, make and g++.",
    "FROM ${NODE_IMAGE} AS deps",
    "RUN apt-get update \\",
    "    && apt-get install -y --no-install-recommends python3 make g++ \\",
    "    && rm -rf /var/lib/apt/lists/*",
    `WORKDIR ${IMAGE_WORKDIR}`,
    ...tarball,
    "COPY package.json package-lock.json ./",
    "RUN npm ci --omit=dev",
    "",
    "# Every dependency (typescript), then the compiled app in dist/.",
    "FROM deps AS build",
    "RUN npm ci",
    "COPY . .",
    "RUN npm run build",
    "",
    "# The image: no compilers; production node_modules, the sources (run prod checks that generated/",
    "# matches them) and dist/ (built after the sources were copied, so never older than them).",
    "FROM ${NODE_IMAGE} AS prod",
    "ENV NODE_ENV=production",
    `WORKDIR ${IMAGE_WORKDIR}`,
    `COPY --from=deps ${IMAGE_WORKDIR}/node_modules ./node_modules`,
    "COPY . .",
    `COPY --from=build ${IMAGE_WORKDIR}/dist ./dist`,
    "# The code stays root's (read-only for the agent); only the status folder is writable.",
    "RUN mkdir -p .arkitekt && chown node:node .arkitekt",
    "USER node",
    "# Healthy while run prod's status file (.arkitekt/status.json) is fresh and says serving.",
    `HEALTHCHECK --interval=15s --timeout=10s --start-period=60s --retries=3 CMD ["node", "${CLI}", "health"]`,
    "STOPSIGNAL SIGTERM",
    `ENTRYPOINT ["node", "${CLI}", "run", "prod"]`,
    "",
  ].join("\n");
}

export function renderDockerignore(): string {
  return [
    "# Written by `arkitekt-next build`. Keep every .ts and .json file that `arkitekt-next gen` reads",
    "# (all of them outside node_modules, dist and dot-folders) in the context: `run prod` in the image",
    "# compares them with the hashes in generated/.arkitekt-gen.json and refuses to start without them.",
    "node_modules",
    "dist",
    ".arkitekt",
    ".git",
    ".gitignore",
    ".dockerignore",
    "Dockerfile",
    "npm-debug.log*",
    "",
  ].join("\n");
}
