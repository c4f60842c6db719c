/** `npm run test:cluster`: the Redis Cluster drills (a real three-master cluster, two replicas of each service). */
const base = require('./jest.config');

// Each tier carries the shared transform, module paths and setup; the drills take them from the unit tier.
const { displayName: _displayName, testMatch: _testMatch, ...tier } = base.projects[0];

module.exports = {
  ...tier,
  testMatch: ['<rootDir>/test/cluster/**/*.cluster-spec.ts'],
  reporters: base.reporters,
  testTimeout: 300000,
  maxWorkers: 1,
  // Only here, not in `npm test`: a replica the drill had to give up shutting down (see closeWithin in
  // test/drills/pipeline-drill.ts) still holds its handles, and a drill must never hang CI.
  forceExit: true,
};
