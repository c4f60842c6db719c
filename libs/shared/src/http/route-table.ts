import type { FastifyInstance, RouteOptions } from 'fastify';

export interface RegisteredRoute {
  method: string;
  url: string;
}

const tables = new WeakMap<object, RegisteredRoute[]>();

/**
 * Records every route Fastify registers on an instance (Nest registers them at init, after the app
 * is created), so tools and tests can walk the real route table instead of a list kept by hand.
 */
export function recordRoutes(fastify: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  tables.set(fastify, routes);
  fastify.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
}

/** The routes an instance serves, in registration order (empty if recordRoutes was not called before init). */
export function registeredRoutes(fastify: FastifyInstance): RegisteredRoute[] {
  return [...(tables.get(fastify) ?? [])];
}
