/*
 * The Node options every service runs with, wherever it is started: `npm start` (scripts/start.js), the
 * Docker image and docker-compose.yml (test/compose.spec.ts holds them to this list), and `npm run bench`.
 * Plain JavaScript so that scripts/start.js can read it before anything is installed.
 *
 * --max-old-space-size: V8 lets the old generation grow, after each full collection, by a factor of what
 * survived, and chooses that factor from this limit: 4 when the limit is 2 GB or more (Node's default here is
 * about 4 GB), scaled down to about 1.6 at 1 GB and 1.4 at 512 MB. With the default a busy service held
 * 300-356 MB of RSS with 50-75 MB of it live, and stayed there. Measured by `npm run bench`: with 1 GB (or
 * 512 MB) intake peaked at 170-175 MB under 16 connections, and under the 500/s load and the 100,000-referral
 * back-fill no service passed 215 MB, at the same throughput. 1 GB rather than 512 MB: the same memory in the
 * bench, with twice the room for live data (eight batches of 1,000 referrals at once peaked at 228 MB of RSS
 * with 512 MB). A smaller factor means more full collections: the feed's slowest page in 40 (the bench's p99 at
 * the time) was 41-86 ms over six runs with a limit and 38-56 ms over four without; too few runs to say whether the limit
 * costs the feed's tail. A service whose live data outgrew the limit would stop with "heap out of memory" and
 * be restarted; its work waits in PostgreSQL, so nothing is lost.
 */
exports.SERVICE_NODE_OPTIONS = ['--max-old-space-size=1024'];
