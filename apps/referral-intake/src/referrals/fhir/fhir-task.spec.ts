import publishedTask from './fixtures/published/SDOHCC-TaskReferralManagementOrderFulfillmentAcceptedExample.json';
import { fhirR4SchemaErrors } from '../../testing/fhir-schema';
import { ReferralStatus } from '@app/shared';
import { TaskSource, referralTask } from './fhir-task';

const source = (overrides: Partial<TaskSource> = {}): TaskSource => ({
  referralId: '3b0c8f8e-1f5e-4c4b-9d0e-6a1c2b3d4e5f',
  senderReferralId: 'EMIS-SP-2026-004211',
  practiceOdsCode: 'B86016',
  urgency: 'routine',
  receivedAt: new Date('2026-11-24T10:00:00Z'),
  updatedAt: new Date('2026-11-25T09:00:00Z'),
  status: 'received',
  statusReason: null,
  statusChangedAt: new Date('2026-11-24T10:00:00Z'),
  completed: false,
  owner: null,
  sessionsAttended: 0,
  ...overrides,
});

describe('the referral as a FHIR R4 Task', () => {
  it('validates the published SDOH Clinical Care example, so the validator is the real schema', () => {
    expect(fhirR4SchemaErrors(publishedTask)).toEqual([]);
    expect(fhirR4SchemaErrors({ ...publishedTask, status: 'done' }).map((error) => error.instancePath)).toContain('/status');
  });

  it.each(Object.values(ReferralStatus))('is valid FHIR R4 when the referral is %s', (status) => {
    const task = referralTask(
      source({
        status,
        statusReason: ['declined', 'closed', 'cancelled'].includes(status) ? 'no-capacity' : null,
        owner: ['received', 'routed', 'unrouted', 'declined'].includes(status) ? null : { kind: 'organisation', id: 'b1946ac9-2fbd-4b35-9f1a-3c5f8a0e1d2c' },
        completed: ['completed', 'closed'].includes(status),
        sessionsAttended: 3,
      }),
    );
    expect(fhirR4SchemaErrors(task)).toEqual([]);
  });

  it('follows the SDOH Clinical Care referral-management pattern: accepted, fulfil the focal ServiceRequest, owner the organisation', () => {
    const task = referralTask(source({ status: 'accepted', owner: { kind: 'organisation', id: 'org-1' } }));
    expect(task).toMatchObject({
      resourceType: 'Task',
      status: publishedTask.status,
      intent: publishedTask.intent,
      code: { coding: [publishedTask.code.coding[0]] },
      focus: { reference: 'ServiceRequest/3b0c8f8e-1f5e-4c4b-9d0e-6a1c2b3d4e5f', identifier: { value: 'EMIS-SP-2026-004211' } },
      businessStatus: { coding: [{ code: 'accepted' }] },
      owner: { type: 'Organization', identifier: { value: 'org-1' } },
      requester: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'B86016' } },
    });
  });

  it.each([
    ['received', null, false, 'requested', undefined],
    ['routed', null, false, 'requested', undefined],
    ['declined', 'no-capacity', false, 'rejected', 'no-capacity'],
    ['contacted', null, false, 'in-progress', undefined],
    ['completed', null, true, 'completed', undefined],
    ['closed', null, true, 'completed', undefined],
    ['closed', 'could-not-contact', false, 'cancelled', 'could-not-contact'],
    ['cancelled', 'entered-in-error', false, 'cancelled', 'entered-in-error'],
    ['consent-withdrawn', null, false, 'cancelled', 'consent-withdrawn'],
  ] as const)('%s (reason %s, completed before: %s) → Task.status %s, statusReason %s', (status, reason, completed, taskStatus, statusReason) => {
    const task = referralTask(source({ status, statusReason: reason, completed })) as { status: string; statusReason?: { coding: Array<{ code: string }> } };
    expect(task.status).toBe(taskStatus);
    expect(task.statusReason?.coding[0].code).toBe(statusReason);
  });

  it('carries the outcome as output once the referral ended', () => {
    const task = referralTask(source({ status: 'closed', statusReason: 'could-not-contact', sessionsAttended: 2 })) as { output: unknown[] };
    expect(task.output).toEqual([
      expect.objectContaining({ type: expect.objectContaining({ coding: [expect.objectContaining({ code: 'outcome' })] }), valueCodeableConcept: expect.objectContaining({ coding: [expect.objectContaining({ code: 'closed' })] }) }),
      expect.objectContaining({ valueUnsignedInt: 2 }),
      expect.objectContaining({ valueCodeableConcept: expect.objectContaining({ coding: [expect.objectContaining({ code: 'could-not-contact' })] }) }),
    ]);
    expect(referralTask(source({ status: 'accepted' }))).not.toHaveProperty('output');
  });
});
