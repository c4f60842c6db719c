import { DataSource } from 'typeorm';
import { TestDatabase, createTestDatabase } from '@app/shared/testing';
import { intakeDataSourceOptions } from '../database';
import { sendersProgram } from './cli';
import { INTAKE_SCHEMA } from '../environment';

let database: TestDatabase;
const previousUrl = process.env.DATABASE_URL;

beforeAll(async () => {
  database = await createTestDatabase('intake_senders_cli');
  process.env.DATABASE_URL = database.url;
});

afterAll(async () => {
  if (previousUrl === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = previousUrl;
  await database?.drop();
});

async function run(...args: string[]): Promise<string> {
  const output: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  });
  try {
    await sendersProgram().exitOverride().parseAsync(['node', 'senders', ...args]);
  } finally {
    write.mockRestore();
  }
  return output.join('');
}

const secretIn = (output: string) => /whsec_[A-Za-z0-9+/=]+/.exec(output)?.[0];

it('adds a sender showing its secret once, lists without secrets, rotates, retires and disables', async () => {
  const added = await run('add', '--name', 'EMIS Web (Leeds)', '--practices', 'A81001, b86016', '--callback-url', 'https://gp.example/status', '--id', 'emis-leeds');
  const secret = secretIn(added);
  expect(secret).toBeDefined();
  expect(added).toContain('id:          emis-leeds');
  expect(added).toContain('practices:   A81001, B86016');

  const listed = await run('list');
  expect(listed).toContain('emis-leeds');
  expect(secretIn(listed)).toBeUndefined();

  const rotated = await run('rotate', 'emis-leeds');
  const newSecret = secretIn(rotated);
  expect(newSecret).toBeDefined();
  expect(newSecret).not.toBe(secret);
  expect(rotated).toContain('secrets:     2 active');
  expect(await run('retire', 'emis-leeds')).toContain('secrets:     1 active');
  expect(await run('disable', 'emis-leeds')).toContain('disabled:    yes');
  expect(await run('set-callback', 'emis-leeds', 'none')).toContain('callback:    (none)');

  const dataSource = new DataSource(intakeDataSourceOptions(database.url));
  await dataSource.initialize();
  try {
    const [row] = await dataSource.query(`SELECT "current_secret", "previous_secret", "disabled_at" FROM "${INTAKE_SCHEMA}"."sender" WHERE "id" = 'emis-leeds'`);
    expect(row.previous_secret).toBeNull();
    expect(row.disabled_at).not.toBeNull();
    expect(JSON.stringify(row)).not.toContain(newSecret!.slice(6));
  } finally {
    await dataSource.destroy();
  }
});

it('refuses bad practice codes and unknown senders with a clear message', async () => {
  await expect(run('add', '--name', 'Bad', '--practices', 'A8100')).rejects.toThrow(/ODS codes such as A81001 \(bad: A8100\)/);
  await expect(run('rotate', 'nobody')).rejects.toThrow(/no sender nobody/);
});
