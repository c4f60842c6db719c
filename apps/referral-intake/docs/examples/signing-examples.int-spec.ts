import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { IntakeHarness, startIntake } from '../../src/testing/intake-harness';
import { INTAKE_SCHEMA } from '../../src/environment';

const run = promisify(execFile);

/** The signing guide's examples, run exactly as an integrator would copy them (docs/signing.md). */
const EXAMPLES: Array<[string, string, string[]]> = [
  ['curl + openssl', 'sh', ['sign-curl.sh']],
  ['Node, no packages', process.execPath, ['sign-node.mjs']],
  ['Python, standard library only', 'python3', ['sign-python.py']],
];

let intake: IntakeHarness;
let sender: { id: string; secret: string };
let workdir: string;

beforeAll(async () => {
  intake = await startIntake('intake_signing_examples');
  sender = await intake.addSender();
  workdir = await mkdtemp(join(tmpdir(), 'signing-examples-'));
});

afterAll(async () => {
  await intake?.close();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

it.each(EXAMPLES)('the %s example sends a signed referral and reads its status back', async (_label, command, args) => {
  const referral = JSON.parse(await readFile(join(__dirname, 'referral.json'), 'utf8'));
  const senderReferralId = `EX-${randomUUID()}`;
  const file = join(workdir, `${senderReferralId}.json`);
  await writeFile(file, JSON.stringify({ ...referral, senderReferralId }, null, 2));
  const { stdout } = await run(command, [...args, file], {
    cwd: __dirname,
    env: { PATH: process.env.PATH, INTAKE_URL: intake.baseUrl, SENDER_ID: sender.id, SENDER_SECRET: sender.secret },
    timeout: 30_000,
  });
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('POST /v1/referrals -> 202');
  const accepted = JSON.parse(lines[1]);
  expect(accepted).toEqual({ referralId: expect.any(String), status: 'received', statusUrl: `/v1/referrals/${accepted.referralId}` });
  expect(lines[2]).toBe(`GET /v1/referrals/${accepted.referralId} -> 200`);
  expect(JSON.parse(lines[3])).toMatchObject({ referralId: accepted.referralId, senderReferralId });
  const [row] = await intake.dataSource.query(`SELECT "sender_id" FROM "${INTAKE_SCHEMA}"."referral" WHERE "id" = $1`, [accepted.referralId]);
  expect(row.sender_id).toBe(sender.id);
});

it.each(EXAMPLES)('the %s example is refused with a wrong secret, so its signature is what gets it in', async (_label, command, args) => {
  const wrong = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  const failure = await run(command, [...args, join(__dirname, 'referral.json')], {
    cwd: __dirname,
    env: { PATH: process.env.PATH, INTAKE_URL: intake.baseUrl, SENDER_ID: sender.id, SENDER_SECRET: wrong },
    timeout: 30_000,
  }).then(
    () => undefined,
    (error: { code: number; stdout: string }) => error,
  );
  expect(failure?.code).toBe(1);
  expect(failure?.stdout.split('\n')[0]).toBe('POST /v1/referrals -> 401');
});
