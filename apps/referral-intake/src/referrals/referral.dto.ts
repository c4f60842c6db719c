import { Type } from 'class-transformer';
import { ArrayNotEmpty, Equals, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';

export class PatientDto {
  @Matches(/^\d{10}$/, { message: 'nhsNumber must be ten digits' })
  nhsNumber: string;

  @IsString()
  @MaxLength(100)
  givenName: string;

  @IsString()
  @MaxLength(100)
  familyName: string;

  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'dateOfBirth must be YYYY-MM-DD' })
  dateOfBirth: string;

  @IsOptional()
  @IsIn(['female', 'male', 'other', 'unknown'])
  sex?: 'female' | 'male' | 'other' | 'unknown';

  @IsOptional()
  @IsString()
  postcode?: string;

  @IsOptional()
  @IsString()
  phone?: string;

  @IsOptional()
  @IsString()
  email?: string;
}

export class CreateReferralDto {
  @ValidateNested()
  @Type(() => PatientDto)
  patient: PatientDto;

  @Matches(/^[A-Z]\d{5}$/, { message: 'practiceOdsCode must be an ODS code such as A81001' })
  practiceOdsCode: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  needs: string[];

  @IsOptional()
  @IsIn(['routine', 'urgent', 'asap'])
  urgency?: 'routine' | 'urgent' | 'asap';

  @Equals(true, { message: 'consentToShare must be true: a referral travels only with recorded consent' })
  consentToShare: boolean;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}
