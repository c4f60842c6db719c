import { DirectoryValidationError, organisationsFromCsv, validateDirectoryDocument } from './directory-document';

const HEADER = 'organisation_id,organisation_name,email,mobile,channels,accepting_referrals,service_id,service_name,needs,location_id,location_name,postcode';
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n');
const organisationsOf = (text: string) => (organisationsFromCsv(text) as { organisations: Array<Record<string, unknown>> }).organisations;

describe('organisationsFromCsv', () => {
  it('makes one organisation from its rows, each service once with every location it is offered at', () => {
    const text = csv(
      'org-1,Job Club,jobs@example.org,07700900123,email;sms,yes,svc-1,Job Club,employment-training;money-debt-benefits,loc-1,Job Club (TS3),TS3 6AL',
      'org-1,Job Club,jobs@example.org,07700900123,email;sms,yes,svc-1,Job Club,employment-training;money-debt-benefits,loc-2,Job Club (TS4),TS4 2AZ',
      'org-1,Job Club,jobs@example.org,07700900123,email;sms,yes,svc-2,Debt advice,money-debt-benefits,loc-2,Job Club (TS4),TS4 2AZ',
    );
    expect(organisationsFromCsv(text)).toEqual({
      organisations: [
        {
          id: 'org-1',
          name: 'Job Club',
          description: undefined,
          url: undefined,
          email: 'jobs@example.org',
          mobile: '07700900123',
          referralContacts: undefined,
          channels: ['email', 'sms'],
          acceptingReferrals: true,
          locations: [
            { id: 'loc-1', name: 'Job Club (TS3)', postcode: 'TS3 6AL' },
            { id: 'loc-2', name: 'Job Club (TS4)', postcode: 'TS4 2AZ' },
          ],
          services: [
            { id: 'svc-1', name: 'Job Club', needs: ['employment-training', 'money-debt-benefits'], locationIds: ['loc-1', 'loc-2'] },
            { id: 'svc-2', name: 'Debt advice', needs: ['money-debt-benefits'], locationIds: ['loc-2'] },
          ],
        },
      ],
    });
  });

  it('keeps organisations apart, in the order they first appear', () => {
    const text = csv('org-2,Second,,,email,yes,,,,,,', 'org-1,First,,,email,yes,,,,,,', 'org-2,Second,,,email,yes,,,,,,');
    expect(organisationsOf(text).map((organisation) => organisation.id)).toEqual(['org-2', 'org-1']);
  });

  it.each([
    ['yes', true],
    ['Y', true],
    ['TRUE', true],
    ['1', true],
    ['no', false],
    ['false', false],
    ['0', false],
    ['', false],
    ['maybe', false],
  ])('reads accepting_referrals %p as %p', (value, accepting) => {
    expect(organisationsOf(csv(`org-1,Org,,,email,${value},,,,,,`))[0].acceptingReferrals).toBe(accepting);
  });

  it('splits lists on ; or |, trimming and dropping empty items', () => {
    const [organisation] = organisationsOf(csv('org-1,Org,,,"email | sms;",yes,svc-1,Service," loneliness ;; housing|bereavement ",,,'));
    expect(organisation.channels).toEqual(['email', 'sms']);
    expect(organisation.services).toEqual([{ id: 'svc-1', name: 'Service', needs: ['loneliness', 'housing', 'bereavement'], locationIds: [] }]);
  });

  it('leaves out empty optional fields, and rows without a service or location add none', () => {
    const [organisation] = organisationsOf(csv('org-1,Org,,,email,yes,,,,,,'));
    expect(organisation).toMatchObject({ email: undefined, mobile: undefined, locations: [], services: [] });
  });

  it('reads the optional columns: description, url and referral contacts (an empty column is an empty list)', () => {
    const text = ['organisation_id,organisation_name,description,url,channels,accepting_referrals,referral_contacts', 'org-1,Org,Walks,https://example.org,email,yes,a@example.org;b@example.org', 'org-2,Other,,,email,yes,'].join('\n');
    expect(organisationsOf(text).map(({ description, url, referralContacts }) => ({ description, url, referralContacts }))).toEqual([
      { description: 'Walks', url: 'https://example.org', referralContacts: ['a@example.org', 'b@example.org'] },
      { description: undefined, url: undefined, referralContacts: [] },
    ]);
  });

  it('copes with what spreadsheets write: a byte-order mark, CRLF, quoted commas, padding and blank lines', () => {
    const text = `\ufeff${HEADER}\r\n\r\n  org-1 , "Walks, Talks and Tea" ,,,email,yes,svc-1,Walks,green-nature,loc-1,"Park, north gate",TS1 3QY\r\n`;
    const [organisation] = organisationsOf(text);
    expect(organisation).toMatchObject({ id: 'org-1', name: 'Walks, Talks and Tea', locations: [{ id: 'loc-1', name: 'Park, north gate', postcode: 'TS1 3QY' }] });
  });

  it('gives no organisations for a header alone', () => {
    expect(organisationsFromCsv(HEADER)).toEqual({ organisations: [] });
  });
});

describe("a directory practice's PCN", () => {
  const problemsOf = (practice: object) => {
    try {
      validateDirectoryDocument({ practices: [{ name: 'Surgery', ...practice }] });
      return [];
    } catch (error) {
      return (error as DirectoryValidationError).problems;
    }
  };

  it('comes from the practice reference when the document leaves it out', () => {
    expect(validateDirectoryDocument({ practices: [{ odsCode: 'A81006', name: 'Stockton Riverside Practice' }] }).practices?.[0].pcnOdsCode).toBe('U81002');
  });

  it('may be stated when it agrees with the reference', () => {
    expect(problemsOf({ odsCode: 'A81006', pcnOdsCode: 'U81002' })).toEqual([]);
  });

  it('is required for a practice the reference does not list', () => {
    expect(problemsOf({ odsCode: 'Z99999' })).toEqual([{ pointer: '/practices/0/pcnOdsCode', detail: 'pcnOdsCode is required: practice Z99999 is not in the practice reference' }]);
    expect(problemsOf({ odsCode: 'Z99999', pcnOdsCode: 'U99999' })).toEqual([]);
  });

  it('may not contradict the reference', () => {
    expect(problemsOf({ odsCode: 'A81006', pcnOdsCode: 'U81001' })).toEqual([{ pointer: '/practices/0/pcnOdsCode', detail: 'practice A81006 is in PCN U81002 (practice reference), not U81001' }]);
  });
});
