import { Pacer } from '../src/vendors/gong/pacer';

test('callers are spaced at least 1/rate apart, in arrival order, even when they all arrive at once', async () => {
  const pacer = new Pacer(20); // 50 ms
  const sentAt: number[] = [];
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      pacer.wait().then(() => {
        sentAt.push(performance.now());
        order.push(i);
      }),
    ),
  );
  expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  // A pacer may only ever be late, never early: the lower bound is the property that matters.
  for (let i = 1; i < sentAt.length; i++) expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(49);
});

test('after a 429, every caller waits out the Retry-After', async () => {
  const pacer = new Pacer(100); // 10 ms
  await pacer.wait();
  const pausedAt = performance.now();
  pacer.pauseFor(200);
  await Promise.all([pacer.wait(), pacer.wait()]);
  expect(performance.now() - pausedAt).toBeGreaterThanOrEqual(199);
});
