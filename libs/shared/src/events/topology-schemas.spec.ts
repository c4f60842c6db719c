import { SERVICE_SCHEMAS, ServiceName } from './topology';
import { INTAKE_SCHEMA, INTAKE_SERVICE } from '../../../../apps/referral-intake/src/environment';
import { NOTIFIER_SCHEMA, NOTIFIER_SERVICE } from '../../../../apps/notifier/src/environment';
import { OUTCOMES_SCHEMA, OUTCOMES_SERVICE } from '../../../../apps/outcomes/src/environment';

/** The reconciler finds each subscriber's inbox through SERVICE_SCHEMAS: it must name the schemas the services use. */
it('names the schema each service really owns', () => {
  expect(SERVICE_SCHEMAS).toEqual({ [INTAKE_SERVICE]: INTAKE_SCHEMA, [NOTIFIER_SERVICE]: NOTIFIER_SCHEMA, [OUTCOMES_SERVICE]: OUTCOMES_SCHEMA });
  expect(Object.keys(SERVICE_SCHEMAS).sort()).toEqual(Object.values(ServiceName).sort());
});
