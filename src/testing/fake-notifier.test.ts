import { describeNotifierConformance } from '../ports/notifier.conformance.js';
import { FakeNotifier } from './fake-notifier.js';

// The fake retries nothing itself: a "fails once" destination is modelled by failing the first attempt of a
// retrying wrapper, so the fake stands for a notifier that already retried successfully.
describeNotifierConformance('fake', () => {
  const notifier = new FakeNotifier();
  let down = 0;
  return Promise.resolve({
    notifier: {
      kind: notifier.kind,
      notify: async (n, signal) => {
        for (;;) {
          try {
            if (down >= 1000) notifier.failNext(1);
            else if (down > 0) {
              down--;
              notifier.failNext(1);
            }
            return await notifier.notify(n, signal);
          } catch (err) {
            if (signal.aborted || down >= 1000) throw err;
          }
        }
      },
      close: () => notifier.close(),
    },
    received: () => Promise.resolve(notifier.sent.length),
    failNext: (n: number) => {
      down = n;
    },
  });
});
