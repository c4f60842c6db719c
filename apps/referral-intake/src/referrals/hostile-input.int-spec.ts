import { randomUUID } from 'node:crypto';
import { IntakeHarness, JsonResponse, startIntake } from '../testing/intake-harness';
import { FHIR_SERVICE_REQUEST_EXAMPLE, JSON_REFERRAL_EXAMPLE } from './examples';

/** Inputs that each answered 500 (issue 9): every one is a named 4xx problem now, and nothing is stored. */
let intake: IntakeHarness;
let sender: { id: string; secret: string };

beforeAll(async () => {
  intake = await startIntake('hostile-input');
  sender = await intake.addSender();
});

afterAll(async () => {
  await intake?.close();
});

function referral(overrides: Record<string, unknown> = {}, patient: Record<string, unknown> = {}) {
  return { ...JSON_REFERRAL_EXAMPLE, senderReferralId: `EMIS-${randomUUID()}`, patient: { ...JSON_REFERRAL_EXAMPLE.patient, ...patient }, ...overrides };
}

async function expectRefused(response: JsonResponse, status: number, pointer?: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const body = await response.json();
  if (pointer) expect(body.errors.map((error: { pointer: string }) => error.pointer)).toContain(pointer);
}

async function send(body: unknown, options: { path?: string; contentType?: string; webhookId?: string; headers?: Record<string, string> } = {}): Promise<JsonResponse> {
  return intake.send(options.path ?? '/v1/referrals', {
    senderId: sender.id,
    secrets: [sender.secret],
    body: typeof body === 'string' ? body : JSON.stringify(body),
    contentType: options.contentType,
    webhookId: options.webhookId,
    headers: options.headers,
  });
}

describe('input that answered 500', () => {
  let before: Awaited<ReturnType<IntakeHarness['counts']>>;
  beforeEach(async () => {
    before = await intake.counts();
  });
  afterEach(async () => {
    expect(await intake.counts()).toEqual(before);
  });

  it('a NUL in the notes of a single referral', async () => {
    await expectRefused(await send(referral({ notes: 'calls\u0000 welcome' })), 422, '/notes');
  });

  it('a NUL in a batch item', async () => {
    await expectRefused(await send({ referrals: [referral(), referral({}, { familyName: 'Oye\u0000laran' })] }, { path: '/v1/referrals:batch' }), 422, '/referrals/1/patient/familyName');
  });

  it('a NUL in a FHIR ServiceRequest', async () => {
    const fhir = JSON.parse(JSON.stringify(FHIR_SERVICE_REQUEST_EXAMPLE));
    fhir.contained[0].name[0].family = 'Oye\u0000laran';
    // A FHIR client asking for problem+json gets it (it would otherwise get an OperationOutcome).
    await expectRefused(await send(fhir, { contentType: 'application/fhir+json', headers: { accept: 'application/problem+json' } }), 422, '/contained/0/name/0/family');
  });

  it('a lone surrogate in a name', async () => {
    await expectRefused(await send(JSON.stringify(referral()).replace('"Margaret"', '"Marg\\ud800aret"')), 422, '/patient/givenName');
  });

  it('an ISO week date in consentRecordedAt', async () => {
    await expectRefused(await send(referral({ consentRecordedAt: '2026-W48-3' })), 422, '/consentRecordedAt');
    await expectRefused(await send(referral({ consentRecordedAt: '2026-332' })), 422, '/consentRecordedAt');
  });

  it('JSON nested thousands deep under 64 KiB', async () => {
    const depth = 20_000;
    const body = `{"notes":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    expect(body.length).toBeLessThan(64 * 1024);
    await expectRefused(await send(body), 422);
  });

  it('an 8,000-character webhook-id', async () => {
    await expectRefused(await send(referral(), { webhookId: `msg_${'x'.repeat(8000)}` }), 400);
  });
});
