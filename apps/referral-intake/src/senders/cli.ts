import { Command } from 'commander';
import { DataSource } from 'typeorm';
import { loadEnvironment, openServiceDataSource, prepareDatabase } from '@app/shared';
import { intakeDataSourceOptions } from '../database';
import { INTAKE_SCHEMA, IntakeEnvironment } from '../environment';
import { SenderAdminError, SenderSummary } from './senders';
import { SenderStore } from './sender.store';
import type { CallbackFormat } from './sender.entity';

const splitCodes = (value: string): string[] => value.split(/[\s,]+/).filter(Boolean);

function describe(sender: SenderSummary): string {
  return [
    `id:          ${sender.id}`,
    `name:        ${sender.name}`,
    `practices:   ${sender.practiceOdsCodes.join(', ')}`,
    `callback:    ${sender.callbackUrl ?? '(none)'}${sender.callbackUrl ? ` (${sender.callbackFormat === 'fhir-task' ? 'FHIR R4 Task' : 'JSON'})` : ''}`,
    `secrets:     ${sender.activeSecrets} active`,
    `disabled:    ${sender.disabled ? 'yes' : 'no'}`,
  ].join('\n');
}

function print(sender: SenderSummary): void {
  process.stdout.write(`${describe(sender)}\n`);
}

function printSecret(secret: string): void {
  process.stdout.write(
    `\nsigning secret (shown once, store it now; it is never shown again):\n${secret}\n` +
      'Sign requests per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) and send X-Sender-Id.\n',
  );
}

async function withDatabase<T>(work: (dataSource: DataSource, env: IntakeEnvironment) => Promise<T>): Promise<T> {
  const env = loadEnvironment(IntakeEnvironment);
  await prepareDatabase(env.DATABASE_URL, [INTAKE_SCHEMA]);
  const dataSource = await openServiceDataSource(intakeDataSourceOptions(env.DATABASE_URL));
  try {
    return await work(dataSource, env);
  } finally {
    await dataSource.destroy();
  }
}

export function sendersProgram(): Command {
  const program = new Command('senders').description('Manage the GP systems allowed to send referrals to intake');
  program
    .command('add')
    .description('register a sender and print its first signing secret')
    .requiredOption('--name <name>', 'who the sender is, e.g. "EMIS Web (Leeds)"')
    .requiredOption('--practices <codes>', 'GP practice ODS codes it refers for, comma-separated')
    .option('--callback-url <url>', 'where status callbacks go')
    .option('--callback-format <format>', 'json (referral.status-changed) or fhir-task (the referral as a FHIR R4 Task)', 'json')
    .option('--id <id>', 'sender id (lower-case letters, digits, dashes); derived from the name if absent')
    .action((options: { name: string; practices: string; callbackUrl?: string; callbackFormat: string; id?: string }) =>
      withDatabase(async (dataSource, env) => {
        const { sender, secret } = await new SenderStore(dataSource).register({
            name: options.name,
            practiceOdsCodes: splitCodes(options.practices),
            callbackUrl: options.callbackUrl ?? null,
            callbackFormat: options.callbackFormat as CallbackFormat,
            id: options.id,
          },
          env.SENDER_SECRET_KEY,
        );
        process.stdout.write(`${describe(sender)}\n`);
        printSecret(secret);
      }),
    );
  program
    .command('list')
    .description('list senders (never their secrets)')
    .action(() =>
      withDatabase(async (dataSource) => {
        const senders = await new SenderStore(dataSource).list();
        process.stdout.write(senders.length ? `${senders.map(describe).join('\n\n')}\n` : 'no senders\n');
      }),
    );
  program
    .command('rotate <id>')
    .description('issue a new secret; the previous one stays valid until "retire"')
    .action((id: string) =>
      withDatabase(async (dataSource, env) => {
        const { sender, secret } = await new SenderStore(dataSource).rotateSecret(id, env.SENDER_SECRET_KEY);
        process.stdout.write(`${describe(sender)}\n`);
        printSecret(secret);
        process.stdout.write(`When the sender signs with the new secret, run: senders retire ${id}\n`);
      }),
    );
  program
    .command('retire <id>')
    .description('stop accepting the previous secret after a rotation')
    .action((id: string) => withDatabase(async (dataSource) => print(await new SenderStore(dataSource).retirePreviousSecret(id))));
  program
    .command('disable <id>')
    .description('refuse every request from this sender')
    .action((id: string) => withDatabase(async (dataSource) => print(await new SenderStore(dataSource).setDisabled(id, true))));
  program
    .command('enable <id>')
    .description('accept requests from this sender again')
    .action((id: string) => withDatabase(async (dataSource) => print(await new SenderStore(dataSource).setDisabled(id, false))));
  program
    .command('set-callback <id> <url>')
    .description('set the status-callback URL ("none" to remove it)')
    .action((id: string, url: string) =>
      withDatabase(async (dataSource) => print(await new SenderStore(dataSource).setCallbackUrl(id, url === 'none' ? null : url))),
    );
  program
    .command('set-callback-format <id> <format>')
    .description('send status callbacks as json (referral.status-changed) or fhir-task (the referral as a FHIR R4 Task)')
    .action((id: string, format: string) => withDatabase(async (dataSource) => print(await new SenderStore(dataSource).setCallbackFormat(id, format))));
  program
    .command('set-practices <id> <codes>')
    .description('replace the practices (ODS codes, comma-separated) the sender refers for')
    .action((id: string, codes: string) =>
      withDatabase(async (dataSource) => print(await new SenderStore(dataSource).setPractices(id, splitCodes(codes)))),
    );
  return program;
}

if (require.main === module) {
  sendersProgram()
    .parseAsync(process.argv)
    .catch((error: Error) => {
      const known = error instanceof SenderAdminError || error.name === 'EnvironmentError' || error.name === 'DependencyUnreachableError';
      process.stderr.write(`senders: ${known ? error.message : (error.stack ?? error.message)}\n`);
      process.exit(1);
    });
}
