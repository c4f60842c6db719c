/** `npm run test:cluster`: the Redis Cluster drills (a real three-master cluster, two replicas of each service). */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/cluster/**/*.cluster-spec.ts'],
  testTimeout: 300000,
  maxWorkers: 1,
};
