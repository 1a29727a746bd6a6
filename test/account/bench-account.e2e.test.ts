import { expect, test } from 'vitest';
import { runBench } from '../../tooling/bench';
import { benchAccount } from '../../tooling/bench/account';

// The account service's bench section end to end with small counts (npm run bench -- account uses
// 300 runs and 100 users): the service in its own process, real tokens from a sandbox, no errors.
// 40 sequential reads and 40 updates on one token pass the API's 30-a-minute per-address limit
// only because each simulated client changes address as behind a load balancer.

test('reads, updates and concurrent users without errors; the memory of the service’s process', async () => {
  const figures = await benchAccount({ runs: 40, users: 3, requestsPerUser: 4 });
  expect(figures.read).toMatchObject({ runs: 40, errors: 0 });
  expect(figures.update).toMatchObject({ runs: 40, errors: 0 });
  expect(figures.read.p99Ms).toBeGreaterThanOrEqual(figures.read.p50Ms);
  expect(figures.concurrent).toMatchObject({ users: 3, runs: 12, errors: 0 });
  expect(figures.firstErrors).toEqual([]);
  expect(figures.concurrent.serviceCpuMs).toBeGreaterThan(0);
  for (const sample of Object.values(figures.memory)) {
    expect(sample.rssBytes).toBeGreaterThan(sample.heapUsedBytes);
    expect(sample.heapTotalBytes).toBeGreaterThanOrEqual(sample.heapUsedBytes);
  }
}, 120_000);

test('npm run bench -- <section>: an unknown name is refused before anything runs, naming the sections', async () => {
  await expect(runBench(['acount'])).rejects.toThrow(
    'unknown bench section: acount (sections: build, runtime, actions, deploy, users-scale, users, erasure, account)',
  );
});
