/**
 * Patient fields that must never reach a log line. pino's redact wildcards match one level, so each
 * field is listed at the depths our objects reach (payload.patient.x, envelope.payload.patient.x, ...).
 */
const PATIENT_FIELDS = [
  'patient',
  'nhsNumber',
  'givenName',
  'familyName',
  'dateOfBirth',
  'birthDate',
  'address',
  'postcode',
  'phone',
  'mobile',
  'email',
  'telecom',
  'notes',
  'note',
];

const SECRET_FIELDS = ['authorization', 'cookie', 'x-api-key', 'webhook-signature', 'secret', 'password', 'apiKey'];

export const REDACTED_PATHS: string[] = [
  ...[...PATIENT_FIELDS, ...SECRET_FIELDS].flatMap((field) => [
    field,
    `*.${field}`,
    `*.*.${field}`,
    `*.*.*.${field}`,
    `*.*.*.*.${field}`,
  ]),
  'req.body',
  'res.body',
];
