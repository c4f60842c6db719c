/*
 * The Node options every service runs with, wherever it is started: `npm start` (scripts/start.js), the
 * Docker image and docker-compose.yml (test/compose.spec.ts holds them to this list), and `npm run bench`.
 * Plain JavaScript so that scripts/start.js can read it before anything is installed.
 *
 * --max-old-space-size: V8 sizes the old generation from this limit. With Node's default (about 4 GB on a
 * 24 GiB machine) it lets the heap grow to four times what survived the last full collection, so under load
 * a service held 300-356 MB of RSS with 50-75 MB of it live, and stayed there. With a limit of 512 MB the
 * heap grows by a much smaller factor: measured by `npm run bench`, intake's peak under 16 connections went
 * from 300-328 MB to 173-175 MB, and under the 500/s load and the 100,000-referral back-fill no service
 * passed 210 MB, at the same throughput. 512 MB is still several times the largest live heap measured: eight
 * batches of 1,000 referrals at once peaked at 228 MB of RSS. A service whose live data outgrew it would
 * stop with "heap out of memory" and be restarted; its work waits in PostgreSQL, so nothing is lost.
 */
exports.SERVICE_NODE_OPTIONS = ['--max-old-space-size=512'];
