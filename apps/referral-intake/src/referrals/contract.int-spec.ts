import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventSealer, openReferralPerson } from '@app/shared';
import { IntakeHarness, JsonResponse, startIntake } from '../testing/intake-harness';
import { JSON_REFERRAL_EXAMPLE } from './examples';
import bundleFixture from './fhir/fixtures/bars-message-bundle.json';
import serviceRequestFixture from './fhir/fixtures/service-request-contained.json';
import { nhsNumberCheckDigit } from './validation/nhs-number';
import { INTAKE_SCHEMA } from '../environment';

let intake: IntakeHarness;
let sender: { id: string; secret: string };

const logFile = join(tmpdir(), `intake-contract-${randomUUID()}.log`);

beforeAll(async () => {
  intake = await startIntake('intake_contract', { LOG_LEVEL: 'info', LOG_FILE: logFile });
  sender = await intake.addSender();
});

afterAll(async () => {
  await intake?.close();
  await rm(logFile, { force: true });
});

type Body = Record<string, unknown> & { patient: Record<string, unknown> };
const valid = (): Body => structuredClone({ ...JSON_REFERRAL_EXAMPLE, senderReferralId: `REF-${randomUUID()}` }) as Body;
const post = (body: unknown, contentType = 'application/json', headers: Record<string, string> = {}) =>
  intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: body as object, contentType, headers });

async function expectRefusal(response: JsonResponse, status: number, before: Awaited<ReturnType<IntakeHarness['counts']>>) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = await response.json();
  expect(problem).toMatchObject({ type: 'about:blank', status });
  expect(await intake.counts()).toEqual(before);
  return problem as { detail: string; errors?: Array<{ pointer: string; detail: string }> };
}

const RULES: Array<[string, string, (body: Body) => void]> = [
  ['NHS number with a wrong check digit', '/patient/nhsNumber', (b) => (b.patient.nhsNumber = '9434765912')],
  ['NHS number of nine digits', '/patient/nhsNumber', (b) => (b.patient.nhsNumber = '943476591')],
  ['NHS number as a number', '/patient/nhsNumber', (b) => (b.patient.nhsNumber = 9434765919)],
  ['date of birth that is not a date', '/patient/dateOfBirth', (b) => (b.patient.dateOfBirth = '2023-02-29')],
  ['date of birth in the future', '/patient/dateOfBirth', (b) => (b.patient.dateOfBirth = '2999-01-01')],
  ['date of birth in another format', '/patient/dateOfBirth', (b) => (b.patient.dateOfBirth = '11/02/1948')],
  ['ODS code of the wrong shape', '/practiceOdsCode', (b) => (b.practiceOdsCode = 'B8601')],
  ['a need off the controlled list', '/needs/1', (b) => (b.needs = ['loneliness', 'astrology'])],
  ['an unmapped SNOMED CT code', '/reasonCodes/0', (b) => (b.reasonCodes = ['38341003'])],
  ['no need at all', '/needs', (b) => ((b.needs = []), delete b.reasonCodes)],
  ['consent not recorded', '/consentToShare', (b) => delete b.consentToShare],
  ['consent refused', '/consentToShare', (b) => (b.consentToShare = false)],
  ['consent as a string', '/consentToShare', (b) => (b.consentToShare = 'yes')],
  ['a malformed phone number', '/patient/phone', (b) => (b.patient.phone = '0770 090')],
  ['a non-UK phone number', '/patient/phone', (b) => (b.patient.phone = '+1 202 555 0100')],
  ['a malformed email', '/patient/email', (b) => (b.patient.email = 'margaret@')],
  ['a malformed postcode', '/patient/postcode', (b) => (b.patient.postcode = 'LS6')],
  ['an unknown urgency', '/urgency', (b) => (b.urgency = 'stat')],
  ['notes over 2,000 characters', '/notes', (b) => (b.notes = 'x'.repeat(2001))],
  ['a given name over 100 characters', '/patient/givenName', (b) => (b.patient.givenName = 'M'.repeat(101))],
  ['an empty family name', '/patient/familyName', (b) => (b.patient.familyName = '')],
  ['an unknown property', '/priority', (b) => (b.priority = 'high')],
  ['an unknown patient property', '/patient/ethnicity', (b) => (b.patient.ethnicity = 'A')],
  ['a "constructor" property', '/constructor', (b) => Object.defineProperty(b, 'constructor', { value: {}, enumerable: true })],
  ['a patient "toString" property', '/patient/toString', (b) => Object.defineProperty(b.patient, 'toString', { value: 'x', enumerable: true })],
  ['no patient', '/patient', (b) => delete (b as Record<string, unknown>).patient],
  ['an unknown sex', '/patient/sex', (b) => (b.patient.sex = 'f')],
  ['a preferred organisation that is not a UUID', '/preferredOrganisationId', (b) => (b.preferredOrganisationId = 'org-1')],
  ['a sender referral id with spaces', '/senderReferralId', (b) => (b.senderReferralId = 'REF 1')],
  ['a consent time that is not ISO 8601', '/consentRecordedAt', (b) => (b.consentRecordedAt = 'yesterday')],
  ['a referrer name over 200 characters', '/referrer/name', (b) => (b.referrer = { name: 'D'.repeat(201) })],
  ['a preferred contact method we cannot honour', '/patient/preferredContactMethod', (b) => (b.patient.preferredContactMethod = 'pigeon')],
];

describe('the referral contract over HTTP', () => {
  it('accepts the documented example and publishes referral.received in the shared payload shape', async () => {
    const body = valid();
    const response = await post(body);
    expect(response.status).toBe(202);
    const { referralId } = await response.json();
    expect(response.headers.get('location')).toBe(`/v1/referrals/${referralId}`);
    const [row] = await intake.dataSource.query(`SELECT "envelope" FROM "${INTAKE_SCHEMA}"."outbox" WHERE "envelope"->>'referralId' = $1`, [referralId]);
    expect(row.envelope).toMatchObject({
      type: 'referral.received',
      version: 2,
      referralId,
      payload: {
        practiceOdsCode: 'B86016',
        needs: ['loneliness', 'green-nature'],
        urgency: 'routine',
        consentToShare: true,
        senderId: sender.id,
        sealedPerson: expect.any(String),
        receivedAt: expect.any(String),
      },
    });
    // The person, the referrer and the GP's notes travel sealed; the notifier opens them for the link worker only.
    expect(JSON.stringify(row.envelope)).not.toMatch(/9434765919|Margaret|Oyelaran|1948-02-11|LS6 2QT|07700900123|margaret@example.com|Amir Khan|Widowed/);
    expect(openReferralPerson(intake.app.get(EventSealer), row.envelope)).toMatchObject({
      referrer: { name: 'Dr Amir Khan', professionalRole: 'General practitioner' },
      patient: { nhsNumber: '9434765919', givenName: 'Margaret', familyName: 'Oyelaran', dateOfBirth: '1948-02-11', postcode: 'LS6 2QT', phone: '07700900123', preferredContactMethod: 'phone' },
      notes: 'Widowed last year, keen on gardening. Prefers morning calls.',
    });
  });

  it.each(RULES)('refuses %s with 422 naming %s, storing and publishing nothing', async (_rule, pointer, corrupt) => {
    const body = valid();
    corrupt(body);
    const before = await intake.counts();
    const problem = await expectRefusal(await post(body), 422, before);
    expect(problem.errors).toContainEqual({ pointer, detail: expect.any(String) });
  });

  it('names every bad field of one request', async () => {
    const body = valid();
    body.patient.nhsNumber = '1234567890';
    body.patient.email = 'nope';
    body.practiceOdsCode = 'XX';
    body.consentToShare = false;
    body.colour = 'blue';
    const before = await intake.counts();
    const problem = await expectRefusal(await post(body), 422, before);
    expect(problem.errors!.map((error) => error.pointer).sort()).toEqual(['/colour', '/consentToShare', '/patient/email', '/patient/nhsNumber', '/practiceOdsCode']);
  });

  it('refuses any generated corruption with 422 and stores nothing (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.subarray(RULES, { minLength: 1, maxLength: 4 }), async (rules) => {
        const body = valid();
        // Removing the patient last, so the other corruptions still have a patient to corrupt.
        const ordered = [...rules.filter(([name]) => name !== 'no patient'), ...rules.filter(([name]) => name === 'no patient')];
        for (const [, , corrupt] of ordered) corrupt(body);
        const before = await intake.counts();
        const problem = await expectRefusal(await post(body), 422, before);
        const pointers = problem.errors!.map((error) => error.pointer);
        return rules.some(([, pointer]) => pointers.includes(pointer));
      }),
      { numRuns: 25 },
    );
  });

  it('accepts any generated valid NHS number in any of its written forms (property)', async () => {
    const validNhs = fc
      .array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 })
      .map((digits) => digits.join(''))
      .filter((stem) => nhsNumberCheckDigit(stem) !== undefined)
      .map((stem) => `${stem}${nhsNumberCheckDigit(stem)}`);
    await fc.assert(
      fc.asyncProperty(validNhs, fc.constantFrom('', ' ', '-'), async (nhsNumber, separator) => {
        const body = valid();
        body.patient.nhsNumber = `${nhsNumber.slice(0, 3)}${separator}${nhsNumber.slice(3, 6)}${separator}${nhsNumber.slice(6)}`;
        const response = await post(body);
        const { referralId } = await response.json();
        const [row] = await intake.dataSource.query(`SELECT "patient"->>'nhsNumber' AS nhs FROM "${INTAKE_SCHEMA}"."referral" WHERE "id" = $1`, [referralId]);
        return response.status === 202 && row.nhs === nhsNumber;
      }),
      { numRuns: 15 },
    );
  });

  it('answers malformed JSON with 400, a wrong content type with 415, an oversized referral with 413: nothing stored', async () => {
    const before = await intake.counts();
    await expectRefusal(await post('{"patient": {'), 400, before);
    await expectRefusal(await post(''), 400, before);
    await expectRefusal(await post(JSON.stringify(valid()), 'text/plain'), 415, before);
    await expectRefusal(await post('<referral/>', 'application/xml'), 415, before);
    await expectRefusal(await post('a=1', 'application/x-www-form-urlencoded'), 415, before);
    const huge = { ...valid(), notes: 'x'.repeat(intake.env.REFERRAL_BODY_LIMIT_BYTES) };
    await expectRefusal(await post(huge), 413, before);
    await expectRefusal(await post([valid()]), 422, before);
  });

  it('takes a FHIR ServiceRequest and a BaRS message Bundle, keeping the original payload', async () => {
    const serviceRequest = await post(serviceRequestFixture, 'application/fhir+json');
    expect(serviceRequest.status).toBe(202);
    const bundle = await post(bundleFixture, 'application/fhir+json; fhirVersion=4.0');
    expect(bundle.status).toBe(202);
    const rows = await intake.dataSource.query(
      `SELECT "format", "original_payload", "sender_referral_id", "needs", "urgency" FROM "${INTAKE_SCHEMA}"."referral" WHERE "id" = ANY($1) ORDER BY "format" DESC`,
      [[(await serviceRequest.json()).referralId, (await bundle.json()).referralId]],
    );
    expect(rows).toEqual([
      { format: 'fhir-service-request', original_payload: serviceRequestFixture, sender_referral_id: 'EMIS-SP-2026-004211', needs: ['green-nature', 'loneliness'], urgency: 'routine' },
      { format: 'fhir-message', original_payload: bundleFixture, sender_referral_id: 'TPP-778812', needs: ['employment-training', 'mental-wellbeing'], urgency: 'urgent' },
    ]);
  });

  it('refuses a bad FHIR payload naming FHIR elements, and FHIR sent as our JSON', async () => {
    const payload = structuredClone(serviceRequestFixture) as Record<string, unknown> & { contained: unknown[] };
    delete payload.supportingInfo;
    payload.contained = payload.contained.slice(0, 1);
    const before = await intake.counts();
    const problem = await expectRefusal(await post(payload, 'application/fhir+json', { accept: 'application/problem+json' }), 422, before);
    expect(problem.errors).toEqual([{ pointer: '/supportingInfo', detail: expect.stringContaining('consent') }]);
    const asJson = await expectRefusal(await post(serviceRequestFixture, 'application/json'), 422, before);
    expect(asJson.errors).toContainEqual({ pointer: '/resourceType', detail: expect.any(String) });
  });

  it('publishes its API description with examples at /docs', async () => {
    const response = (await fetch(`${intake.baseUrl}/docs/openapi.json`)) as JsonResponse;
    expect(response.status).toBe(200);
    const document = await response.json();
    const post = document.paths['/v1/referrals'].post;
    expect(Object.keys(post.requestBody.content).sort()).toEqual(['application/fhir+json', 'application/json']);
    expect(Object.keys(post.requestBody.content['application/json'].examples)).toEqual(['json', 'serviceRequest', 'barsMessage']);
    expect(post.parameters.map((parameter: { name: string }) => parameter.name)).toEqual(
      expect.arrayContaining(['X-Sender-Id', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'Idempotency-Key']),
    );
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '403', '409', '413', '415', '422', '429', '503']));
    expect(document.paths['/v1/referrals:batch']).toBeDefined();
    expect(document.info.description).toContain('72 hours');
  });

  it('serves Swagger UI at /docs for integrators to read in a browser', async () => {
    const page = await fetch(`${intake.baseUrl}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui');
    const script = await fetch(`${intake.baseUrl}/docs/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(1000);
  });

  it('wrote none of the patients\' details to its logs, accepted or refused', async () => {
    const logs = await readFile(logFile, 'utf8');
    expect(logs).toContain('"service":"referral-intake"');
    expect(logs).toContain('"url":"/v1/referrals"');
    const patient = JSON_REFERRAL_EXAMPLE.patient;
    for (const value of [patient.nhsNumber.replace(/ /g, ''), patient.nhsNumber, patient.givenName, patient.familyName, patient.dateOfBirth, patient.postcode, patient.email, '07700900123', 'Widowed']) {
      expect(logs).not.toContain(value);
    }
  });
});
