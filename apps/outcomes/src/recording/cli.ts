import { Command, InvalidArgumentError } from 'commander';
import { loadEnvironment } from '@app/shared';
import { openOutcomesDataSource } from '../database';
import { OutcomesEnvironment } from '../environment';
import { Secrets } from '../privacy/secrets';
import { RecordingStore } from './recording.store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuid(value: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError('must be a UUID from the directory');
  return value;
}

async function withDataSource<T>(work: (dataSource: Awaited<ReturnType<typeof openOutcomesDataSource>>, env: OutcomesEnvironment) => Promise<T>): Promise<T> {
  const env = loadEnvironment(OutcomesEnvironment);
  const dataSource = await openOutcomesDataSource(env.DATABASE_URL);
  try {
    return await work(dataSource, env);
  } finally {
    await dataSource.destroy();
  }
}

const program = new Command('recorders').description('Credentials for organisations and link workers who record outcomes.');

program
  .command('add-key')
  .description('Issue an API key for one organisation or one link worker (printed once; only its hash is kept).')
  .option('--organisation <id>', 'organisation id', uuid)
  .option('--link-worker <id>', 'link worker id', uuid)
  .option('--label <label>', 'a note on who holds the key')
  .action(async (options: { organisation?: string; linkWorker?: string; label?: string }) => {
    if (Boolean(options.organisation) === Boolean(options.linkWorker)) throw new InvalidArgumentError('give exactly one of --organisation or --link-worker');
    const recorder = options.organisation ? { kind: 'organisation' as const, id: options.organisation } : { kind: 'link-worker' as const, id: options.linkWorker! };
    const { apiKey } = await withDataSource((dataSource) => new RecordingStore(dataSource).registerKey({ ...recorder, label: options.label }));
    process.stdout.write(`API key for ${recorder.kind} ${recorder.id} (store it now, it is not shown again): ${apiKey}\n`);
    process.stdout.write(`Use it as: Authorization: Bearer ${apiKey}\n`);
  });

program
  .command('webhook-secret')
  .description("Issue (or rotate) an organisation's Standard Webhooks signing secret; the previous one stays valid until the next rotation.")
  .requiredOption('--organisation <id>', 'organisation id', uuid)
  .action(async (options: { organisation: string }) => {
    const secret = await withDataSource((dataSource, env) => new RecordingStore(dataSource).rotateWebhookSecret(new Secrets(env.PSEUDONYM_MASTER_KEY), options.organisation));
    process.stdout.write(`Signing secret for organisation ${options.organisation}: ${secret}\n`);
    process.stdout.write(`POST signed outcomes to /v1/webhooks/organisations/${options.organisation}/outcomes\n`);
  });

program.parseAsync(process.argv).catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
