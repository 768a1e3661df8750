// Property tests (fast-check): one seed per test file, printed once, so that a failure seen once
// can be replayed exactly with FC_SEED=<n>. Importing this module configures fast-check for
// every fc.assert / fc.sample in the file (node --test runs each file in a process of its own).
// fast-check's own failure report (seed, path, counterexample) is kept as it is.
import fc from 'fast-check';

function seedFromEnvironment(): number {
  const given = process.env.FC_SEED;
  if (given === undefined || given.trim() === '') return Math.floor(Math.random() * 2 ** 31);
  const n = Number(given);
  if (!Number.isSafeInteger(n)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(given)}`);
  return n;
}

/** The seed of this test file's properties (FC_SEED when set). */
export const seed: number = seedFromEnvironment();

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
console.log(`fast-check seed=${seed} (replay: FC_SEED=${seed})`);
