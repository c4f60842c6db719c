import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { parse } from 'yaml';
import { IntakeEnvironment } from '../apps/referral-intake/src/environment';
import { NotifierEnvironment } from '../apps/notifier/src/environment';
import { OutcomesEnvironment } from '../apps/outcomes/src/environment';
// Plain JavaScript shared with scripts/start.js, which runs before anything is installed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SERVICE_NODE_OPTIONS } = require('../scripts/service-node-options') as { SERVICE_NODE_OPTIONS: string[] };

/** Every variable a service validates at boot, read from its environment class's validation metadata. */
function variablesOf(environmentClass: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(environmentClass, '', true, false);
  return [...new Set([...metadata.map((entry) => entry.propertyName), ...Object.keys(new environmentClass())])].sort();
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; command?: string[] }>;
  };

  it.each([
    ['referral-intake', IntakeEnvironment],
    ['notifier', NotifierEnvironment],
    ['outcomes', OutcomesEnvironment],
  ] as const)('gives %s every variable its code reads, and none it does not', (service, environmentClass) => {
    const declared = Object.keys(compose.services[service].environment ?? {}).sort();
    expect(declared).toEqual(variablesOf(environmentClass));
    expect(compose.services[service].command).toEqual(['node', ...SERVICE_NODE_OPTIONS, `dist/apps/${service}/src/main.js`]);
  });

  it('runs Redis so that queued work survives restarts and is never evicted', () => {
    const command = (compose.services.redis.command ?? []).join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
  });

  it("is started in the Docker image with the services' Node options", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(cmd ?? 'null')).toEqual(['node', ...SERVICE_NODE_OPTIONS, 'dist/apps/referral-intake/src/main.js']);
  });
});
