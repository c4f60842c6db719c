import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { EventType } from '@app/shared';
import { eventually } from '@app/shared/testing';
import { CallbackReceiver } from '../../testing/callback-receiver';
import { fhirR4SchemaErrors } from '../../testing/fhir-schema';
import { IntakeHarness, startIntake } from '../../testing/intake-harness';

let intake: IntakeHarness;
let receiver: CallbackReceiver;
let sender: { id: string; secret: string };
let other: { id: string; secret: string };

beforeAll(async () => {
  receiver = new CallbackReceiver();
  await receiver.start();
  intake = await startIntake('intake_fhir_task', { CALLBACK_BACKOFF_MS: '50' });
  sender = await intake.addSender({ callbackUrl: receiver.url, callbackFormat: 'fhir-task', practiceOdsCodes: ['G82080'] });
  other = await intake.addSender();
});

afterAll(async () => {
  await intake?.close();
  await receiver?.stop();
});

type Bundle = { entry: Array<{ resource: Record<string, any> }> };
const message = () => JSON.parse(readFileSync(join(__dirname, 'fixtures/adapted/BaRS-REFREQ07-social-prescribing.json'), 'utf8')) as Bundle;
const serviceRequestOf = (bundle: Bundle) => bundle.entry.find((entry) => entry.resource.resourceType === 'ServiceRequest')!.resource;
const get = (path: string, who = sender) => intake.sendAs(who, path, { method: 'GET' });

async function sendAsFhir(): Promise<{ referralId: string; bundle: Bundle }> {
  const bundle = message();
  serviceRequestOf(bundle).identifier = [{ system: 'https://gp.example/referral', value: `GP-${randomUUID()}` }];
  const response = await intake.sendAs(sender, '/v1/referrals', { body: bundle, contentType: 'application/fhir+json' });
  expect(response.status).toBe(202);
  return { referralId: (await response.json()).referralId, bundle };
}

/** The Task callbacks sent for a referral, in order, each verified as signed with the sender's secret. */
function taskCallbacks(referralId: string): Array<Record<string, any>> {
  return receiver.forReferral(referralId).map((request) => {
    expect(request.headers['content-type']).toBe('application/fhir+json');
    return new Webhook(sender.secret).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    }) as Record<string, any>;
  });
}

it('follows a referral end to end in FHIR: sent as BaRS, read as a Task, told by Task callbacks, cancelled as BaRS', async () => {
  const { referralId, bundle } = await sendAsFhir();
  const search = await get(`/fhir/Task?focus=ServiceRequest/${referralId}`);
  expect(search.status).toBe(200);
  expect(search.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  const searchset = await search.json();
  expect(fhirR4SchemaErrors(searchset)).toEqual([]);
  expect(searchset).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1, entry: [{ resource: { resourceType: 'Task', id: referralId, status: 'requested' } }] });
  const read = await get(`/fhir/Task/${referralId}`);
  const task = await read.json();
  expect(fhirR4SchemaErrors(task)).toEqual([]);
  expect(task).toMatchObject({
    status: 'requested',
    businessStatus: { coding: [{ code: 'received' }] },
    focus: { reference: `ServiceRequest/${referralId}`, identifier: { value: serviceRequestOf(bundle).identifier[0].value } },
    requester: { identifier: { value: 'G82080' } },
  });
  expect(JSON.stringify(task)).not.toContain('Jones');

  const organisationId = randomUUID();
  await intake.publish(EventType.ReferralRouted, referralId, { linkWorkerId: 'lw-1', tasks: [{ recipientType: 'organisation', recipientId: organisationId, reason: 'match' }] });
  // Events may be handled in any order, and the sender is told the status their fold reaches: an acceptance
  // handled first would fold with the routing into one callback. Each step is told when it comes on its own.
  await eventually(async () => (await (await get(`/fhir/Task/${referralId}`)).json()).businessStatus?.coding?.[0]?.code === 'routed');
  await intake.publish(EventType.ReferralAccepted, referralId, { recipientType: 'organisation', recipientId: organisationId, organisationId, decidedAt: new Date().toISOString() });
  const accepted = await eventually(async () => {
    const current = await (await get(`/fhir/Task/${referralId}`)).json();
    return current.status === 'accepted' ? current : undefined;
  });
  expect(accepted.owner).toEqual({ type: 'Organization', identifier: { system: expect.stringContaining('/Id/organisation'), value: organisationId } });

  const revoked = structuredClone(bundle);
  serviceRequestOf(revoked).status = 'revoked';
  expect((await intake.sendAs(sender, '/v1/referrals', { body: revoked, contentType: 'application/fhir+json' })).status).toBe(202);
  const callbacks = await eventually(() => {
    const current = taskCallbacks(referralId);
    return current.some((callback) => callback.status === 'cancelled') ? current : undefined;
  });
  expect(callbacks.map((callback) => [callback.status, callback.businessStatus.coding[0].code])).toEqual([
    ['requested', 'routed'],
    ['accepted', 'accepted'],
    ['cancelled', 'cancelled'],
  ]);
  for (const callback of callbacks) expect(fhirR4SchemaErrors(callback)).toEqual([]);
  expect(callbacks[2]).toMatchObject({ statusReason: { coding: [{ code: 'no-longer-required' }] }, owner: { identifier: { value: organisationId } } });
  expect((await (await get(`/fhir/Task/${referralId}`)).json()).status).toBe('cancelled');
});

it('shows a sender only its own referrals, and refuses as OperationOutcomes', async () => {
  const { referralId } = await sendAsFhir();
  const theirs = await (await get(`/fhir/Task?focus=ServiceRequest/${referralId}`, other)).json();
  expect(theirs).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] });
  const notYours = await get(`/fhir/Task/${referralId}`, other);
  expect(notYours.status).toBe(404);
  expect(await notYours.json()).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', diagnostics: `Task/${referralId} not found` }] });
  const badFocus = await get('/fhir/Task?focus=Patient/1');
  expect(badFocus.status).toBe(400);
  expect((await badFocus.json()).issue[0]).toMatchObject({ code: 'structure', diagnostics: expect.stringContaining('ServiceRequest/{referralId}') });
  const unsigned = await fetch(`${intake.baseUrl}/fhir/Task/${referralId}`);
  expect(unsigned.status).toBe(401);
  expect(((await unsigned.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
});
