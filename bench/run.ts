/*
 * `npm run bench`: speed targets, measured on the real stack (PostgreSQL, Redis, HTTP). Exits non-zero
 * when a target is missed. Not part of `npm test`: timings belong here, never in tests.
 */
import { benchEventTransport } from './event-transport.bench';
import { benchReferralIntake } from './referral-intake.bench';
import { report } from './stats';

async function main(): Promise<void> {
  let met = true;
  for (const bench of [benchReferralIntake, benchEventTransport]) {
    const { title, targets } = await bench();
    met = report(title, targets) && met;
  }
  process.stdout.write(met ? '\nAll targets met.\n' : '\nSome targets were missed.\n');
  process.exit(met ? 0 : 1);
}

main().catch((error: Error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
