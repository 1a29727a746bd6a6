/**
 * Runs the tasks given the same key one after another, in this process; other keys run freely.
 * The email change's confirm uses it per user: the Management API has no conditional write, so
 * two links confirmed at the same time would both read the state they were issued for. Between
 * instances this does not hold (docs/account.md, "The email change").
 */
export function createOneAtATime(): <T>(key: string, task: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<void>>();
  return async (key, task) => {
    const result = (tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
