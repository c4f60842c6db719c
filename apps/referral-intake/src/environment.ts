import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { BaseEnvironment } from '@app/shared';

export class IntakeEnvironment extends BaseEnvironment {
  @Transform(({ value }) => Number(value))
  @IsInt({ message: 'PORT must be a whole number' })
  @Min(0)
  @Max(65535)
  PORT = 3000;
}

export const INTAKE_SCHEMA = 'intake';
export const INTAKE_SERVICE = 'referral-intake';
