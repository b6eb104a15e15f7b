import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `vite build` puts the dashboard (same relative place from src/server and dist/server). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist', import.meta.url));

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Chimera</title>
<p>The dashboard is not built. Run <code>npm run build</code> and restart the server. The API is at /api/v1.</p>`;

/**
 * The dashboard's files. The page routes with URL fragments (`#/rollouts/…`), so only `/` and `/assets/*` exist;
 * both are public because the page itself holds nothing: every piece of data comes from the authenticated API.
 */
export async function webRoutes(app: FastifyInstance, root = DEFAULT_WEB_ROOT): Promise<void> {
  const built = existsSync(join(root, 'index.html'));
  await app.register(fastifyStatic, { root, serve: false });

  app.get('/', { config: { role: 'public' } }, async (_req, reply) => {
    if (!built) return reply.type('text/html').send(NOT_BUILT);
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });

  app.get<{ Params: { '*': string } }>('/assets/*', { config: { role: 'public' } }, async (req, reply) =>
    // Vite names assets by content hash, so they never change under a name.
    reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(`assets/${req.params['*']}`),
  );
}
