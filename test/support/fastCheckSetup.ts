import fc from 'fast-check';

/*
 * Property runs are reproducible: FC_SEED replays a run, and fast-check prints the seed
 * and the shrunk counterexample of any failure. FC_NUM_RUNS sets the number of cases per
 * property: 200 unless set (CI leaves it unset); mutation testing lowers it to keep a
 * run of thousands of mutants within hours.
 */
const numRuns = Number(process.env.FC_NUM_RUNS ?? 200);
const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

fc.configureGlobal({
  numRuns,
  ...(seed === undefined ? {} : { seed }),
  verbose: 1,
});
