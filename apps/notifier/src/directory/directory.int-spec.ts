import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { EventType } from '@app/shared';
import { eventually } from '@app/shared/testing';
import { NotifierHarness, PATIENT, SAMPLE, receivedPayload, startNotifier } from '../testing/notifier-test-app';
import { DirectoryStore } from './directory.store';
import { NOTIFIER_SCHEMA } from '../environment';

const CSV = `organisation_id,organisation_name,email,mobile,channels,accepting_referrals,service_id,service_name,needs,location_id,location_name,postcode
5d0c1c62-8a3e-4c55-9f0e-0a4f6b9d2e01,North Ormesby Job Club,jobs@job-club.example.org.uk,,email,yes,5d0c1c62-8a3e-4c55-9f0e-0a4f6b9d2e02,Job Club,employment-training;money-debt-benefits,5d0c1c62-8a3e-4c55-9f0e-0a4f6b9d2e03,Job Club (TS3),TS3 6AL
5d0c1c62-8a3e-4c55-9f0e-0a4f6b9d2e01,North Ormesby Job Club,jobs@job-club.example.org.uk,,email,yes,5d0c1c62-8a3e-4c55-9f0e-0a4f6b9d2e02,Job Club,employment-training;money-debt-benefits,5d0c1c62-8a3e-4c55-9f0e-0a4f6b9d2e04,Job Club (TS4),TS4 2AZ
`;

describe('directory admin API, and mail written to files when no SMTP server is configured', () => {
  let notifier: NotifierHarness;
  const headers = () => ({ 'x-api-key': notifier.env.NOTIFIER_ADMIN_API_KEY });

  beforeAll(async () => {
    notifier = await startNotifier('directory');
  });

  afterAll(async () => {
    await notifier?.close();
  });

  it('is seeded from the sample directory and needs the admin API key', async () => {
    expect((await fetch(`${notifier.url}/v1/directory/link-workers`)).status).toBe(401);
    expect((await fetch(`${notifier.url}/v1/directory/link-workers`, { headers: { 'x-api-key': 'wrong-key-of-length' } })).status).toBe(401);
    const workers = (await (await fetch(`${notifier.url}/v1/directory/link-workers`, { headers: headers() })).json()) as Array<{ id: string; practiceOdsCodes: string[] }>;
    expect(workers.find((worker) => worker.id === SAMPLE.amira)?.practiceOdsCodes).toEqual(['A81001', 'A81002', 'A81003']);
    const practices = (await (await fetch(`${notifier.url}/v1/directory/practices`, { headers: headers() })).json()) as Array<{ odsCode: string }>;
    expect(practices.map((practice) => practice.odsCode)).toEqual(['A81001', 'A81002', 'A81003', 'A81004', 'A81005', 'A81006', 'A81007', 'A81008', 'A81009', 'A81010']);
    const taxonomy = (await (await fetch(`${notifier.url}/v1/directory/taxonomy`, { headers: headers() })).json()) as Array<{ code: string }>;
    expect(taxonomy).toHaveLength(11);
  });

  it('imports organisations from CSV (upsert, idempotent) and routes to them', async () => {
    for (let i = 0; i < 2; i += 1) {
      const response = await fetch(`${notifier.url}/v1/directory/import`, { method: 'POST', headers: { ...headers(), 'content-type': 'text/csv' }, body: CSV });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { imported: unknown }).imported).toMatchObject({ organisations: 1, services: 1, locations: 2 });
    }
    const organisations = (await (await fetch(`${notifier.url}/v1/directory/organisations`, { headers: headers() })).json()) as Array<{ name: string; services: Array<{ needs: string[]; locations: unknown[] }> }>;
    const club = organisations.filter((organisation) => organisation.name === 'North Ormesby Job Club');
    expect(club).toHaveLength(1);
    expect(club[0].services[0]).toMatchObject({ needs: ['employment-training', 'money-debt-benefits'], locations: [expect.anything(), expect.anything()] });

    const event = await notifier.receive(receivedPayload({ practiceOdsCode: 'A81002', needs: ['employment-training'], patient: { ...PATIENT, postcode: 'TS3 7BB' } }));
    const [routed] = await eventually(async () => {
      const found = (await notifier.outbox(EventType.ReferralRouted)).filter((e) => e.referralId === event.referralId);
      return found.length ? found : undefined;
    });
    expect(routed.payload).toMatchObject({ tasks: [{ recipientId: SAMPLE.amira }, { recipientId: '5d0c1c62-8a3e-4c55-9f0e-0a4f6b9d2e01' }] });
  });

  it('stops routing to an organisation that is not accepting referrals', async () => {
    const closed = await fetch(`${notifier.url}/v1/directory/organisations/5d0c1c62-8a3e-4c55-9f0e-0a4f6b9d2e01/accepting-referrals`, {
      method: 'PUT',
      headers: { ...headers(), 'content-type': 'application/json' },
      body: JSON.stringify({ acceptingReferrals: false }),
    });
    expect(closed.status).toBe(200);
    const event = await notifier.receive(receivedPayload({ practiceOdsCode: 'A81002', needs: ['employment-training'], patient: { ...PATIENT, postcode: 'TS3 7BB' } }));
    const [unrouted] = await eventually(async () => {
      const found = (await notifier.outbox(EventType.ReferralUnrouted)).filter((e) => e.referralId === event.referralId);
      return found.length ? found : undefined;
    });
    expect(unrouted.payload).toMatchObject({ reason: 'no-matching-organisation' });
  });

  it("keeps each organisation's referral contacts (who may sign in), from JSON and CSV, matched case-insensitively", async () => {
    const store = notifier.app.get(DirectoryStore);
    expect(await store.peopleByEmail('SAM.PATEL@befriending-network.example.org.uk')).toEqual([{ kind: 'organisation', id: 'ad932e9a-2678-5fcb-91f0-5542ed4baddc', name: 'Middlesbrough Befriending Network' }]);
    expect(await store.peopleByEmail(SAMPLE.amiraEmail)).toEqual([{ kind: 'link-worker', id: SAMPLE.amira, name: 'Amira Khan' }]);
    expect(await store.peopleByEmail('nobody@example.org.uk')).toEqual([]);

    const csv = `${CSV.split('\n')[0]},referral_contacts\n${CSV.split('\n')[1]},Ola.Bright@job-club.example.org.uk;mo@job-club.example.org.uk\n`;
    const response = await fetch(`${notifier.url}/v1/directory/import`, { method: 'POST', headers: { ...headers(), 'content-type': 'text/csv' }, body: csv });
    expect(response.status).toBe(200);
    expect(await store.peopleByEmail('ola.bright@job-club.example.org.uk')).toEqual([{ kind: 'organisation', id: '5d0c1c62-8a3e-4c55-9f0e-0a4f6b9d2e01', name: 'North Ormesby Job Club' }]);
    // The organisation's own address signs in too.
    expect(await store.peopleByEmail('jobs@job-club.example.org.uk')).toHaveLength(1);

    const bad = await fetch(`${notifier.url}/v1/directory/import`, {
      method: 'POST',
      headers: { ...headers(), 'content-type': 'application/json' },
      body: JSON.stringify({ organisations: [{ id: '5d0c1c62-8a3e-4c55-9f0e-0a4f6b9d2e01', name: 'X', channels: ['email'], acceptingReferrals: true, referralContacts: ['not-an-address'], locations: [], services: [] }] }),
    });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { errors: Array<{ pointer: string }> }).errors.map((error) => error.pointer)).toEqual(['/organisations/0/referralContacts']);
  });

  it('rejects an invalid directory with 422 naming each bad field, and stores nothing', async () => {
    const response = await fetch(`${notifier.url}/v1/directory/import`, {
      method: 'POST',
      headers: { ...headers(), 'content-type': 'application/json' },
      body: JSON.stringify({
        practices: [{ odsCode: 'A99999', name: 'Fine Practice', pcnOdsCode: 'U81001' }],
        linkWorkers: [{ id: 'not-a-uuid', name: 'Someone', email: 'nope', channels: ['pigeon'], pcnOdsCodes: [], practiceOdsCodes: ['A81001'] }],
      }),
    });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { errors: Array<{ pointer: string }> };
    expect(problem.errors.map((error) => error.pointer)).toEqual(expect.arrayContaining(['/linkWorkers/0/id', '/linkWorkers/0/email', '/linkWorkers/0/channels']));
    const practices = (await (await fetch(`${notifier.url}/v1/directory/practices`, { headers: headers() })).json()) as Array<{ odsCode: string }>;
    expect(practices.map((practice) => practice.odsCode)).not.toContain('A99999');
  });

  it('writes each email as <referral id>-<notification id>.eml under MAIL_DIR when SMTP_URL is unset', async () => {
    const event = await notifier.receive(receivedPayload({ needs: ['bereavement'] }));
    const files = await eventually(() => {
      const found = readdirSync(notifier.mailDir).filter((file) => file.startsWith(event.referralId) && file.endsWith('.eml'));
      return found.length === 2 ? found : undefined;
    });
    const mails = await Promise.all(files.map((file) => simpleParser(readFileSync(join(notifier.mailDir, file)))));
    expect(mails.map((mail) => mail.subject)).toEqual([`New social prescribing referral ${event.referralId}`, `New social prescribing referral ${event.referralId}`]);
    expect(mails.map((mail) => JSON.stringify(mail.to)).join()).toContain(SAMPLE.amiraEmail);
    // The file is written before "sent" commits, so the row may lag the file by a moment.
    const row = await eventually(async () => {
      const [current] = await notifier.dataSource.query(`SELECT "provider", "status" FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "referral_id" = $1 LIMIT 1`, [event.referralId]);
      return current?.status === 'sending' ? undefined : current;
    });
    expect(row).toEqual({ provider: 'mail-dir', status: 'sent' });
  });
});
