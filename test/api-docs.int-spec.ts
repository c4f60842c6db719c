import { startNotifier } from '../apps/notifier/src/testing/notifier-test-app';
import { startOutcomes } from '../apps/outcomes/src/testing/harness';
import { startIntake } from '../apps/referral-intake/src/testing/intake-harness';

interface OpenApiDocument {
  info: { title: string; description: string };
  tags: Array<{ name: string; description: string }>;
  components: { securitySchemes?: Record<string, unknown> };
  paths: Record<string, Record<string, { tags?: string[]; security?: Array<Record<string, string[]>>; summary?: string }>>;
}

/** Each service's /docs, fetched the way an integrator's browser would. */
interface ServiceDocs {
  service: string;
  html: { status: number; body: string };
  document: OpenApiDocument;
}

const services: ServiceDocs[] = [];
const closers: Array<() => Promise<void>> = [];

async function read(baseUrl: string, service: string): Promise<ServiceDocs> {
  const html = await fetch(`${baseUrl}/docs`, { redirect: 'follow' });
  const document = (await (await fetch(`${baseUrl}/docs/openapi.json`)).json()) as OpenApiDocument;
  return { service, html: { status: html.status, body: await html.text() }, document };
}

beforeAll(async () => {
  const intake = await startIntake('docs_intake');
  closers.push(() => intake.close());
  services.push(await read(intake.baseUrl, 'referral-intake'));
  const notifier = await startNotifier('docs_notifier');
  closers.push(() => notifier.close());
  services.push(await read(notifier.url, 'notifier'));
  const outcomes = await startOutcomes('docs_outcomes');
  closers.push(() => outcomes.close());
  await outcomes.app.listen(0, '127.0.0.1');
  const address = outcomes.app.getHttpServer().address() as { port: number };
  services.push(await read(`http://127.0.0.1:${address.port}`, 'outcomes'));
}, 120_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const operations = (document: OpenApiDocument) =>
  Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));

describe.each(['referral-intake', 'notifier', 'outcomes'])('%s /docs', (name) => {
  const docs = () => services.find((service) => service.service === name)!;

  it('serves Swagger UI and the OpenAPI document', () => {
    expect(docs().html.status).toBe(200);
    expect(docs().html.body).toContain('swagger-ui');
    expect(docs().document.info.description.length).toBeGreaterThan(100);
  });

  it('declares its security schemes, and every operation but health names one, so Swagger UI offers "Authorize"', () => {
    const { document } = docs();
    const schemes = Object.keys(document.components.securitySchemes ?? {});
    expect(schemes.length).toBeGreaterThan(0);
    for (const { path, method, operation } of operations(document)) {
      if (path.startsWith('/health')) continue;
      const named = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
      expect({ path, method, named: named.length > 0 }).toEqual({ path, method, named: true });
      for (const scheme of named) expect(schemes).toContain(scheme);
    }
  });

  it('tags every operation with a declared, described, lower-case tag, and documents no pages', () => {
    const { document } = docs();
    const declared = document.tags.map((tag) => tag.name);
    for (const tag of document.tags) {
      expect(tag.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(tag.description.length).toBeGreaterThan(10);
    }
    for (const { path, method, operation } of operations(document)) {
      expect({ path, method, tags: operation.tags?.length }).toEqual({ path, method, tags: 1 });
      expect(declared).toContain(operation.tags![0]);
      expect(path).not.toMatch(/^\/t\//);
    }
    expect(declared).toContain('health');
  });
});

it("documents intake's cancel, consent withdrawal and FHIR Task routes", () => {
  const paths = Object.keys(services.find((service) => service.service === 'referral-intake')!.document.paths);
  expect(paths).toEqual(expect.arrayContaining(['/v1/referrals/{id}:cancel', '/v1/referrals/{id}:withdraw-consent', '/fhir/Task', '/fhir/Task/{id}']));
});

it('names the same things the same way across services', () => {
  const all = services.flatMap((service) => service.document.tags.map((tag) => tag.name));
  expect(new Set(all.filter((tag) => tag === 'health')).size).toBe(1);
  expect(services.map((service) => Object.keys(service.document.components.securitySchemes ?? {}).sort())).toEqual([
    ['senderId', 'webhookSignature'],
    ['adminApiKey', 'notifyCallbackToken'],
    ['commissionerKey', 'organisationWebhookSignature', 'recorderKey'],
  ]);
});
