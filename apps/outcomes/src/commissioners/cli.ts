import { Command, InvalidArgumentError } from 'commander';
import { loadEnvironment } from '@app/shared';
import { openOutcomesDataSource } from '../database';
import { OutcomesEnvironment } from '../environment';
import { COMMISSIONER_KINDS, CommissionerKind, SCOPE_LEVELS, ScopeLevel } from './commissioner';
import { CommissionerStore } from './commissioner.store';

function scopeOption(value: string): { level: ScopeLevel; codes: string[] } {
  const [level, codes] = value.split(':');
  if (!SCOPE_LEVELS.includes(level as ScopeLevel) || !codes) {
    throw new InvalidArgumentError(`use <level>:<code>[,<code>...] with level one of ${SCOPE_LEVELS.join(', ')}, e.g. practice:A81001,A81002`);
  }
  return { level: level as ScopeLevel, codes: codes.split(',').map((code) => code.trim().toUpperCase()).filter(Boolean) };
}

async function withDataSource<T>(work: (dataSource: Awaited<ReturnType<typeof openOutcomesDataSource>>) => Promise<T>): Promise<T> {
  const env = loadEnvironment(OutcomesEnvironment);
  const dataSource = await openOutcomesDataSource(env.DATABASE_URL);
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

const program = new Command('commissioners').description('Manage commissioners and evaluators who read outcome feeds, reports and extracts.');

program
  .command('add')
  .description('Register a commissioner and print its API key (shown once; only its hash is kept).')
  .requiredOption('--name <name>', 'who this is, e.g. "Tees Valley sub-ICB"')
  .requiredOption('--scope <level:codes>', `area they commission, e.g. icb:QHM, sub-icb:16C, pcn:U81001,U81002, practice:A81001`, scopeOption)
  .option('--kind <kind>', `${COMMISSIONER_KINDS.join(' or ')}`, 'commissioner')
  .action(async (options: { name: string; scope: { level: ScopeLevel; codes: string[] }; kind: string }) => {
    if (!COMMISSIONER_KINDS.includes(options.kind as CommissionerKind)) throw new InvalidArgumentError(`kind must be ${COMMISSIONER_KINDS.join(' or ')}`);
    const { commissioner, apiKey } = await withDataSource((dataSource) =>
      new CommissionerStore(dataSource).register({ name: options.name, kind: options.kind as CommissionerKind, scope: options.scope }),
    );
    process.stdout.write(`Registered ${commissioner.kind} ${commissioner.id} (${commissioner.scopeLevel}: ${commissioner.scopeCodes.join(', ')})\n`);
    process.stdout.write(`API key (store it now, it is not shown again): ${apiKey}\n`);
    process.stdout.write(`Use it as: Authorization: Bearer ${apiKey}\n`);
  });

program
  .command('list')
  .description('List commissioners (never their keys).')
  .action(async () => {
    const commissioners = await withDataSource((dataSource) => new CommissionerStore(dataSource).list());
    for (const commissioner of commissioners) {
      process.stdout.write(
        `${commissioner.id}  ${commissioner.kind.padEnd(12)} ${commissioner.scopeLevel}:${commissioner.scopeCodes.join(',')}  ${commissioner.name}${commissioner.revokedAt ? '  (revoked)' : ''}\n`,
      );
    }
  });

program
  .command('revoke <id>')
  .description("Revoke a commissioner's API key.")
  .action(async (id: string) => {
    const revoked = await withDataSource((dataSource) => new CommissionerStore(dataSource).revoke(id));
    process.stdout.write(revoked ? `Revoked ${id}\n` : `No active commissioner ${id}\n`);
    if (!revoked) process.exitCode = 1;
  });

program.parseAsync(process.argv).catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
