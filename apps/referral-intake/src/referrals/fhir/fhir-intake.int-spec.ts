import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { IntakeHarness, startIntake } from '../../testing/intake-harness';
import { JSON_REFERRAL_EXAMPLE } from '../examples';
import { INTAKE_SCHEMA } from '../../environment';

const FIXTURES = join(__dirname, 'fixtures');
const fixture = (folder: string, name: string) => JSON.parse(readFileSync(join(FIXTURES, folder, name), 'utf8'));

/** The published referrals (ServiceRequests and BaRS messages); the other published files are their parts. */
const PUBLISHED_REFERRALS = [
  'BaRS-REFREQ07-GP-to-OC.json',
  'BaRS-API-1.4.0-ValidationRequest-POST.json',
  'UKCore-ServiceRequest-ColonoscopyRequest-Example.json',
  'SDOHCC-ServiceRequestActiveFoodPantryApplicationAssistExample.json',
];

let intake: IntakeHarness;
let sender: { id: string; secret: string };

beforeAll(async () => {
  intake = await startIntake('intake_fhir');
  sender = await intake.addSender({ practiceOdsCodes: ['G82080', 'B86016'] });
});

afterAll(async () => {
  await intake?.close();
});

const post = (body: unknown, headers: Record<string, string> = {}, contentType = 'application/fhir+json') =>
  intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: body as object, contentType, headers });

describe.each(readdirSync(join(FIXTURES, 'adapted')))('adapted published example %s', (name) => {
  it('is accepted as application/fhir+json, and stored once', async () => {
    const before = await intake.counts();
    const response = await post(fixture('adapted', name));
    expect(response.status).toBe(202);
    const { referralId } = await response.json();
    const [row] = await intake.dataSource.query(`SELECT "format", "consent_to_share" FROM "${INTAKE_SCHEMA}"."referral" WHERE "id" = $1`, [referralId]);
    expect(row.consent_to_share).toBe(true);
    expect(['fhir-message', 'fhir-service-request']).toContain(row.format);
    expect((await intake.counts()).referrals).toBe(before.referrals + 1);
  });
});

describe.each(PUBLISHED_REFERRALS)('published example %s, as published', (name) => {
  it('is refused with a FHIR OperationOutcome naming every change needed, by FHIRPath, and stores nothing', async () => {
    const before = await intake.counts();
    const body = fixture('published', name);
    const response = await post(body);
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const outcome = await response.json();
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue.length).toBeGreaterThanOrEqual(3);
    for (const issue of outcome.issue) {
      expect(issue).toEqual({ severity: 'error', code: 'invalid', diagnostics: expect.any(String), expression: [expect.stringMatching(new RegExp(`^${body.resourceType}(\\.|$)`))] });
    }
    const expressions = outcome.issue.flatMap((issue: { expression: string[] }) => issue.expression);
    expect(expressions).toEqual(
      expect.arrayContaining([body.resourceType === 'Bundle' ? 'Bundle.entry[1].resource.ofType(ServiceRequest).code' : 'ServiceRequest.code']),
    );
    expect(await intake.counts()).toEqual(before);
  });
});

it('names a contained resource and a bundled one by typed FHIRPath', async () => {
  const refreq07 = await (await post(fixture('published', 'BaRS-REFREQ07-GP-to-OC.json'))).json();
  expect(refreq07.issue).toContainEqual({
    severity: 'error',
    code: 'invalid',
    diagnostics: 'nhsNumber must be a valid NHS number (ten digits, Modulus 11 check digit)',
    expression: ['Bundle.entry[8].resource.ofType(Patient).identifier[0].value'],
  });
  const ukCore = fixture('adapted', 'UKCore-ServiceRequest-social-prescribing.json');
  ukCore.contained[0].birthDate = '2099-01-01';
  const refused = await (await post(ukCore)).json();
  expect(refused.issue).toEqual([expect.objectContaining({ expression: ['ServiceRequest.contained[0].ofType(Patient).birthDate'] })]);
});

it('keeps problem+json for FHIR posts that ask for it, and for our JSON clients', async () => {
  const fhirAskingProblem = await post(fixture('published', 'BaRS-REFREQ07-GP-to-OC.json'), { accept: 'application/problem+json' });
  expect(fhirAskingProblem.status).toBe(422);
  expect(fhirAskingProblem.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect((await fhirAskingProblem.json()).errors.map((error: { pointer: string }) => error.pointer)).toEqual([
    '/entry/1/resource/code',
    '/entry/1/resource/reasonCode',
    '/entry/8/resource/identifier/0/value',
  ]);

  const json = await post({ ...JSON_REFERRAL_EXAMPLE, consentToShare: false, needs: [] }, {}, 'application/json');
  expect(json.status).toBe(422);
  expect(json.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect((await json.json()).errors.map((error: { pointer: string }) => error.pointer).sort()).toEqual(['/consentToShare']);

  const jsonAskingFhir = await post({ ...JSON_REFERRAL_EXAMPLE, consentToShare: false }, { accept: 'application/fhir+json' }, 'application/json');
  expect(jsonAskingFhir.status).toBe(422);
  expect(await jsonAskingFhir.json()).toEqual({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'invalid', diagnostics: 'consentToShare must be true: a referral travels only with recorded consent' }],
  });
});

it('answers a FHIR client refused before its body is read (signature, content type) with an OperationOutcome of the same status', async () => {
  const unsigned = await fetch(`${intake.baseUrl}/v1/referrals`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', 'x-sender-id': sender.id },
    body: JSON.stringify(fixture('adapted', 'BaRS-REFREQ07-social-prescribing.json')),
  });
  expect(unsigned.status).toBe(401);
  expect(await unsigned.json()).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: expect.stringContaining('webhook-id') }] });

  const xml = await fetch(`${intake.baseUrl}/v1/referrals`, { method: 'POST', headers: { 'content-type': 'application/fhir+xml', accept: 'application/fhir+json' }, body: '<Bundle/>' });
  expect(xml.status).toBe(415);
  expect(((await xml.json()) as { issue: unknown[] }).issue).toEqual([expect.objectContaining({ severity: 'error', code: 'not-supported' })]);
});
