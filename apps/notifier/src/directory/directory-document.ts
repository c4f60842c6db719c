import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateNested,
  validateSync,
} from 'class-validator';
import { parse } from 'csv-parse/sync';
import { type FieldProblem, PCN_ODS_CODE, PRACTICE_ODS_CODE, Satisfies, geographyOf, isUkMobileNumber, isUkPostcode, isWellFormedEmail, validationErrorsToProblems, isJsonObject } from '@app/shared';
import { DEFAULT_ROUTING_RULES } from '../routing/routing';

const CHANNELS = ['email', 'sms'] as const;

export class TaxonomyTermDto {
  @Matches(/^[a-z][a-z0-9-]*$/, { message: 'code must be a kebab-case need code' })
  code: string;

  @IsString()
  @MinLength(1)
  name: string;

  @IsOptional()
  @IsString()
  vocabulary?: string;
}

export class PcnDto {
  @Matches(PCN_ODS_CODE, { message: 'odsCode must be a PCN ODS code such as U81001' })
  odsCode: string;

  @IsString()
  @MinLength(1)
  name: string;

  @IsOptional()
  @IsUUID()
  leadLinkWorkerId?: string;
}

export class PracticeDto {
  @Matches(PRACTICE_ODS_CODE, { message: 'odsCode must be a practice ODS code such as A81001' })
  odsCode: string;

  @IsString()
  @MinLength(1)
  name: string;

  /** Needed only for a practice the shared practice reference does not list: validation fills it in from there. */
  @IsOptional()
  @Matches(PCN_ODS_CODE, { message: 'pcnOdsCode must be a PCN ODS code such as U81001' })
  pcnOdsCode: string;

  @IsOptional()
  @Satisfies('isUkPostcode', isUkPostcode, 'postcode must be a UK postcode')
  postcode?: string;
}

export class RoutingRulesDto {
  @IsIn(['automatic', 'link-worker-first'])
  forwardToOrganisations: 'automatic' | 'link-worker-first' = DEFAULT_ROUTING_RULES.forwardToOrganisations;

  @IsInt()
  @Min(0)
  @Max(20)
  maxOrganisations = DEFAULT_ROUTING_RULES.maxOrganisations;

  @IsArray()
  @IsString({ each: true })
  excludedNeeds: string[] = [...DEFAULT_ROUTING_RULES.excludedNeeds];
}

export class LinkWorkerDto {
  @IsUUID()
  id: string;

  @IsString()
  @MinLength(1)
  name: string;

  @IsOptional()
  @Satisfies('isEmail', isWellFormedEmail, 'email must be an email address')
  email?: string;

  @IsOptional()
  @Satisfies('isUkMobile', isUkMobileNumber, 'mobile must be a UK mobile number')
  mobile?: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsIn(CHANNELS, { each: true, message: 'channels must be email and/or sms' })
  channels: Array<(typeof CHANNELS)[number]>;

  @IsArray()
  @Matches(PCN_ODS_CODE, { each: true, message: 'pcnOdsCodes must be PCN ODS codes' })
  pcnOdsCodes: string[];

  @IsArray()
  @Matches(PRACTICE_ODS_CODE, { each: true, message: 'practiceOdsCodes must be practice ODS codes' })
  practiceOdsCodes: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => RoutingRulesDto)
  routingRules?: RoutingRulesDto;

  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class LocationDto {
  @IsUUID()
  id: string;

  @IsString()
  @MinLength(1)
  name: string;

  @Satisfies('isUkPostcode', isUkPostcode, 'postcode must be a UK postcode')
  postcode: string;
}

export class ServiceDto {
  @IsUUID()
  id: string;

  @IsString()
  @MinLength(1)
  name: string;

  @IsOptional()
  @IsString()
  description?: string;

  @IsOptional()
  @IsIn(['active', 'inactive'])
  status?: 'active' | 'inactive';

  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  needs: string[];

  @IsArray()
  @IsUUID('all', { each: true, message: 'locationIds must be location UUIDs of this organisation' })
  locationIds: string[];
}

export class OrganisationDto {
  @IsUUID()
  id: string;

  @IsString()
  @MinLength(1)
  name: string;

  @IsOptional()
  @IsString()
  description?: string;

  @IsOptional()
  @IsString()
  url?: string;

  @IsOptional()
  @Satisfies('isEmail', isWellFormedEmail, 'email must be an email address')
  email?: string;

  @IsOptional()
  @Satisfies('isUkMobile', isUkMobileNumber, 'mobile must be a UK mobile number')
  mobile?: string;

  /** Staff who may sign in to the workspace for this organisation, besides its own email. */
  @IsOptional()
  @IsArray()
  @Satisfies('isEmail', isWellFormedEmail, 'referralContacts must be email addresses', { each: true })
  referralContacts?: string[];

  @IsArray()
  @ArrayNotEmpty()
  @IsIn(CHANNELS, { each: true, message: 'channels must be email and/or sms' })
  channels: Array<(typeof CHANNELS)[number]>;

  @IsBoolean()
  acceptingReferrals: boolean;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => LocationDto)
  locations: LocationDto[];

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ServiceDto)
  services: ServiceDto[];
}

/** A whole or partial directory: everything in it is upserted by id. */
export class DirectoryDocument {
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TaxonomyTermDto)
  taxonomy?: TaxonomyTermDto[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PcnDto)
  pcns?: PcnDto[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PracticeDto)
  practices?: PracticeDto[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => LinkWorkerDto)
  linkWorkers?: LinkWorkerDto[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => OrganisationDto)
  organisations?: OrganisationDto[];
}

export class DirectoryValidationError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(`Invalid directory: ${problems.map((p) => `${p.pointer} ${p.detail}`).join('; ')}`);
  }
}

/**
 * Cross-references a validator cannot see: services point at their organisation's own locations, ids
 * that must be unique (locations, services, a service's locations) appear once, and practices and PCN
 * leads point at a PCN or link worker in the same document (the store checks the saved directory too).
 */
function referenceProblems(document: DirectoryDocument): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const firstSeen = new Map<string, string>();
  const unique = (kind: string, id: string, pointer: string) => {
    const earlier = firstSeen.get(`${kind}:${id}`);
    if (earlier) problems.push({ pointer, detail: `${kind} ${id} appears twice (also at ${earlier})` });
    else firstSeen.set(`${kind}:${id}`, pointer);
  };
  (document.organisations ?? []).forEach((organisation, o) => {
    unique('organisation', organisation.id, `/organisations/${o}/id`);
    const locationIds = new Set(organisation.locations.map((location) => location.id));
    organisation.locations.forEach((location, l) => unique('location', location.id, `/organisations/${o}/locations/${l}/id`));
    organisation.services.forEach((service, s) => {
      unique('service', service.id, `/organisations/${o}/services/${s}/id`);
      const listed = new Set<string>();
      service.locationIds.forEach((id, l) => {
        const pointer = `/organisations/${o}/services/${s}/locationIds/${l}`;
        if (!locationIds.has(id)) problems.push({ pointer, detail: `location ${id} is not one of this organisation's locations` });
        else if (listed.has(id)) problems.push({ pointer, detail: `location ${id} is listed twice for this service` });
        listed.add(id);
      });
    });
  });
  return problems;
}

/**
 * Each practice's PCN comes from the practice reference every service shares (outcomes reports by it): a
 * document may leave it out, must name it for a practice the reference does not list, and may not contradict it.
 */
function practicePcnProblems(document: DirectoryDocument): FieldProblem[] {
  const problems: FieldProblem[] = [];
  (document.practices ?? []).forEach((practice, index) => {
    const pointer = `/practices/${index}/pcnOdsCode`;
    const known = geographyOf(practice.odsCode).pcnOdsCode;
    if (practice.pcnOdsCode === undefined && known === null) {
      problems.push({ pointer, detail: `pcnOdsCode is required: practice ${practice.odsCode} is not in the practice reference` });
    } else if (practice.pcnOdsCode === undefined) {
      practice.pcnOdsCode = known as string;
    } else if (known !== null && practice.pcnOdsCode !== known) {
      problems.push({ pointer, detail: `practice ${practice.odsCode} is in PCN ${known} (practice reference), not ${practice.pcnOdsCode}` });
    }
  });
  return problems;
}

/** Validates a parsed directory; throws DirectoryValidationError naming each bad field by JSON pointer. */
export function validateDirectoryDocument(input: unknown): DirectoryDocument {
  if (!isJsonObject(input)) {
    throw new DirectoryValidationError([{ pointer: '', detail: 'the directory must be a JSON object' }]);
  }
  const document = plainToInstance(DirectoryDocument, input, { exposeDefaultValues: true });
  const problems = validationErrorsToProblems(validateSync(document, { forbidUnknownValues: false }));
  if (problems.length === 0) problems.push(...practicePcnProblems(document), ...referenceProblems(document));
  if (problems.length > 0) throw new DirectoryValidationError(problems);
  return document;
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(/[;|]/)
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * Organisations from a CSV with one row per service at a location (the shape spreadsheets of local
 * services usually take): organisation_id, organisation_name, email, mobile, channels, accepting_referrals,
 * service_id, service_name, needs, location_id, location_name, postcode, and optionally referral_contacts
 * (staff who may sign in). Lists are separated by ";".
 */
export function organisationsFromCsv(csv: string): Record<string, unknown> {
  const rows: Array<Record<string, string>> = parse(csv, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  const organisations = new Map<string, Record<string, unknown> & { locations: Map<string, unknown>; services: Map<string, { locationIds: string[] } & Record<string, unknown>> }>();
  for (const row of rows) {
    let organisation = organisations.get(row.organisation_id);
    if (!organisation) {
      organisation = {
        id: row.organisation_id,
        name: row.organisation_name,
        description: row.description || undefined,
        url: row.url || undefined,
        email: row.email || undefined,
        mobile: row.mobile || undefined,
        referralContacts: row.referral_contacts === undefined ? undefined : list(row.referral_contacts),
        channels: list(row.channels),
        acceptingReferrals: /^(true|yes|y|1)$/i.test(row.accepting_referrals ?? ''),
        locations: new Map(),
        services: new Map(),
      };
      organisations.set(row.organisation_id, organisation);
    }
    if (row.location_id) organisation.locations.set(row.location_id, { id: row.location_id, name: row.location_name, postcode: row.postcode });
    if (row.service_id) {
      const service = organisation.services.get(row.service_id) ?? { id: row.service_id, name: row.service_name, needs: list(row.needs), locationIds: [] };
      if (row.location_id && !service.locationIds.includes(row.location_id)) service.locationIds.push(row.location_id);
      organisation.services.set(row.service_id, service);
    }
  }
  return {
    organisations: [...organisations.values()].map((organisation) => ({
      ...organisation,
      locations: [...organisation.locations.values()],
      services: [...organisation.services.values()],
    })),
  };
}
