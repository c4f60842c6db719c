import fastifyStatic from '@fastify/static';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveAsset } from './assets';

/**
 * Headers every server-rendered page carries on top of the security headers set for every service
 * (libs/shared bootstrap: CSP, frame denial, no-store): pages are never indexed.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex',
};

export function sendPage(reply: FastifyReply, status: number, html: string): void {
  reply.status(status).headers(PAGE_HEADERS).send(html);
}

/** Compiled files only: the package also ships its Sass and Nunjucks sources, which nobody needs. */
const SERVED = /\.(css|js|mjs|map|svg|png|ico|json|webmanifest)$/;

/** Where the pages' stylesheet is served: nhsuk-frontend's compiled CSS without its font faces. */
export const PAGE_STYLESHEET = '/assets/app/nhsuk-frontend.css';

/**
 * nhsuk-frontend's compiled CSS declares the Frutiger font faces on assets.nhs.uk. Frutiger is licensed
 * for nhs.uk services only, and our CSP allows fonts from this origin only, so every page would try a
 * blocked request; without the faces the design system's own fallback (Arial) is used at once.
 */
export function withoutRemoteFontFaces(css: string): string {
  return css.replace(/@font-face\s*\{[^}]*url\(\s*["']?https?:[^}]*\}/g, '');
}

/**
 * nhsuk-frontend's compiled CSS, JS and images, served by the app (no CDN), found through Node's module
 * resolution so it works from source and from dist/. `/assets/images/` is there because the compiled
 * CSS refers to its icons by that absolute path. Our own small script (it starts nhsuk-frontend's
 * components) and the stylesheet (see withoutRemoteFontFaces) are under /assets/app/.
 */
export async function registerPageAssets(app: NestFastifyApplication): Promise<void> {
  const nhsuk = dirname(require.resolve('nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css'));
  const stylesheet = withoutRemoteFontFaces(readFileSync(join(nhsuk, 'nhsuk-frontend.min.css'), 'utf8'));
  app
    .getHttpAdapter()
    .getInstance()
    .get(PAGE_STYLESHEET, (_request, reply) => {
      reply.headers({ 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=86400' }).send(stylesheet);
    });
  const common = { maxAge: '1d', allowedPath: (path: string) => SERVED.test(path), index: false as const, wildcard: true };
  await app.register(fastifyStatic, { ...common, root: nhsuk, prefix: '/assets/nhsuk/' });
  await app.register(fastifyStatic, { ...common, root: `${nhsuk}/assets/images`, prefix: '/assets/images/', decorateReply: false });
  await app.register(fastifyStatic, { ...common, root: resolveAsset('apps/notifier/public'), prefix: '/assets/app/', decorateReply: false });
}
