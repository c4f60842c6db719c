import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import codes from '../data/codes.json';
import { SNOMED_NEED_MAPPING } from '@app/shared';
import { fhirMappingMarkdown } from './fhir-mapping';

const DOC = join(__dirname, '../../../docs/fhir-mapping.md');
const HEADER = '# FHIR mapping\n\n<!-- Generated from apps/referral-intake/src/referrals/fhir/fhir-mapping.ts, data/codes.json and libs/shared/src/needs/needs.json: run UPDATE_DOCS=1 npx jest fhir-mapping to refresh. -->\n\n';

describe('the FHIR mapping document', () => {
  it('is generated from the code\'s data: every SNOMED CT concept, both ODS spellings, the required code', () => {
    const markdown = fhirMappingMarkdown();
    for (const entry of SNOMED_NEED_MAPPING) expect(markdown).toContain(`${entry.code} ${entry.display}`);
    for (const system of [codes.odsOrganisationSystem, ...codes.odsOrganisationSystemAliases]) expect(markdown).toContain(system);
    expect(markdown).toContain(codes.referralToSocialPrescribing[0]);
  });

  it('in docs/fhir-mapping.md is the one the code generates today', () => {
    const expected = HEADER + fhirMappingMarkdown();
    if (process.env.UPDATE_DOCS) writeFileSync(DOC, expected);
    expect(readFileSync(DOC, 'utf8')).toBe(expected);
  });
});
