import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PREFERRED_CONTACT_METHODS, PreferredContactMethod } from '@app/shared';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { NEED_CODES, Satisfies, isCalendarDateOrDateTime, isPracticeOdsCode, isUkPhoneNumber, isUkPostcode, isWellFormedEmail } from '@app/shared';
import { DATE_OF_BIRTH_MESSAGES, dateOfBirthProblem } from './validation/date-of-birth';
import { isValidNhsNumber, normaliseNhsNumber } from './validation/nhs-number';

export const TEXT_LIMITS = { name: 100, referrerName: 200, role: 100, notes: 2000, senderReferralId: 64 } as const;
export const URGENCIES = ['routine', 'urgent', 'asap'] as const;
export const SEXES = ['female', 'male', 'other', 'unknown'] as const;

export class PatientDto {
  @ApiProperty({ description: 'NHS number: ten digits with a valid Modulus 11 check digit; spaces in 3-3-4 form allowed.', example: '943 476 5919' })
  @Satisfies('isNhsNumber', (value) => isValidNhsNumber(normaliseNhsNumber(value)), 'nhsNumber must be a valid NHS number (ten digits, Modulus 11 check digit)')
  nhsNumber: string;

  @ApiProperty({ maxLength: TEXT_LIMITS.name, example: 'Margaret' })
  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_LIMITS.name)
  givenName: string;

  @ApiProperty({ maxLength: TEXT_LIMITS.name, example: 'Oyelaran' })
  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_LIMITS.name)
  familyName: string;

  @ApiProperty({ format: 'date', description: 'A real calendar date, not in the future.', example: '1948-02-11' })
  @Satisfies('isDateOfBirth', (value) => dateOfBirthProblem(value) === undefined, (value) => `dateOfBirth ${DATE_OF_BIRTH_MESSAGES[dateOfBirthProblem(value) ?? 'format']}`)
  dateOfBirth: string;

  @ApiPropertyOptional({ enum: SEXES })
  @IsOptional()
  @IsIn(SEXES)
  sex?: (typeof SEXES)[number];

  @ApiPropertyOptional({ example: 'LS6 2QT' })
  @IsOptional()
  @Satisfies('isUkPostcode', isUkPostcode, 'postcode must be a UK postcode such as LS6 2QT')
  postcode?: string;

  @ApiPropertyOptional({ description: 'UK phone number, national (07700 900123) or international (+44 7700 900123).', example: '07700 900123' })
  @IsOptional()
  @Satisfies('isUkPhone', isUkPhoneNumber, 'phone must be a UK phone number such as 07700 900123 or +44 113 496 0000')
  phone?: string;

  @ApiPropertyOptional({ example: 'margaret@example.com' })
  @IsOptional()
  @Satisfies('isEmail', isWellFormedEmail, 'email must be an email address such as name@example.com')
  email?: string;

  @ApiPropertyOptional({ enum: PREFERRED_CONTACT_METHODS, description: 'How the person asked to be contacted; the link worker sees it and the accepting organisation uses it.' })
  @IsOptional()
  @IsIn(PREFERRED_CONTACT_METHODS)
  preferredContactMethod?: PreferredContactMethod;
}

export class ReferrerDto {
  @ApiPropertyOptional({ maxLength: TEXT_LIMITS.referrerName, example: 'Dr A Khan' })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT_LIMITS.referrerName)
  name?: string;

  @ApiPropertyOptional({ maxLength: TEXT_LIMITS.role, example: 'General practitioner' })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT_LIMITS.role)
  professionalRole?: string;
}

export class CreateReferralDto {
  @ApiPropertyOptional({
    description: "The sender's own id for this referral. A second referral with the same id from the same sender is answered with the first one's response.",
    maxLength: TEXT_LIMITS.senderReferralId,
    example: 'EMIS-REF-000123',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/, { message: 'senderReferralId must be 1-64 letters, digits or . _ : / -' })
  senderReferralId?: string;

  @ApiProperty({ type: PatientDto })
  @IsObject({ message: 'patient must be an object' })
  @ValidateNested()
  @Type(() => PatientDto)
  patient: PatientDto;

  @ApiProperty({ description: 'ODS code of the referring GP practice: one letter and five digits.', example: 'A81001' })
  @Satisfies('isPracticeOdsCode', isPracticeOdsCode, 'practiceOdsCode must be a GP practice ODS code: one letter and five digits, such as A81001')
  practiceOdsCode: string;

  @ApiProperty({ description: 'Needs from the controlled list. At least one need, here or through reasonCodes.', enum: NEED_CODES, isArray: true, example: ['loneliness'] })
  @IsArray()
  @ArrayMaxSize(NEED_CODES.length)
  @IsString({ each: true })
  needs: string[];

  @ApiPropertyOptional({ description: 'SNOMED CT concept ids, mapped to needs through the published mapping.', isArray: true, type: String, example: ['422650009'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  reasonCodes?: string[];

  @ApiPropertyOptional({ enum: URGENCIES, default: 'routine' })
  @IsOptional()
  @IsIn(URGENCIES)
  urgency?: (typeof URGENCIES)[number];

  @ApiProperty({ description: 'Consent to share must be recorded: a referral without it is refused.', enum: [true] })
  @Equals(true, { message: 'consentToShare must be true: a referral travels only with recorded consent' })
  consentToShare: boolean;

  @ApiPropertyOptional({ format: 'date-time', example: '2026-11-24T09:30:00Z' })
  @IsOptional()
  @Satisfies('isCalendarDateTime', isCalendarDateOrDateTime, 'consentRecordedAt must be a calendar date (YYYY-MM-DD) or a date-time with an offset (2026-11-24T09:30:00Z)')
  consentRecordedAt?: string;

  @ApiPropertyOptional({ type: ReferrerDto })
  @IsOptional()
  @IsObject({ message: 'referrer must be an object' })
  @ValidateNested()
  @Type(() => ReferrerDto)
  referrer?: ReferrerDto;

  @ApiPropertyOptional({ format: 'uuid', description: 'A community organisation (Open Referral UK id) the patient chose, if any.' })
  @IsOptional()
  @IsUUID('all')
  preferredOrganisationId?: string;

  @ApiPropertyOptional({ maxLength: TEXT_LIMITS.notes })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT_LIMITS.notes)
  notes?: string;
}

export class BatchReferralsDto {
  @ApiProperty({ type: [CreateReferralDto], maxItems: 1000 })
  referrals: CreateReferralDto[];
}
