import { describeStoreConformance } from '../ports/store.conformance.js';
import { FakeStore, FakeStoreData } from './fake-store.js';

describeStoreConformance('fake', () => {
  const data = new FakeStoreData();
  return Promise.resolve({
    store: new FakeStore(data),
    open: () => Promise.resolve(new FakeStore(data)),
    cleanup: () => Promise.resolve(),
  });
});
