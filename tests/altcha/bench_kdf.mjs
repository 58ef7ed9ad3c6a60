// Proof-of-work cost of ALTCHA's second protocol with the widget's own
// library (altcha/lib from `altcha` 3.2.2), on one core (Node runs the solver
// on its main thread), at the server's default settings: PBKDF2/SHA-256 with
// 1000 iterations and a base counter range of 5000; SCRYPT with N 1024, r 8,
// p 1 and a base range of 180. For each: the CPU time of one derivation, then
// `runs` fresh challenges (counter uniform in [0, base), as the server draws
// it) solved with solveChallenge, wall and CPU (process.cpuUsage), mean and
// worst; then the range after 10 refusals from one /24 (base × 1.6^10) with
// its mean solve time at the solver's measured rate, and `raised` real
// solves at that range. A benchmark: it prints, it asserts nothing.
// Usage: node bench_kdf.mjs [runs] [raised runs]
import { createChallenge, pbkdf2, scrypt, solveChallenge } from 'altcha/lib';

const runs = Number(process.argv[2] ?? 10);
const raisedRuns = Number(process.argv[3] ?? 0);
const key = 'benchmark-key-benchmark-key-0123';
const growth10 = 1.6 ** 10;

const algorithms = [
  { algorithm: 'PBKDF2/SHA-256', deriveKey: pbkdf2.deriveKey, cost: 1000, base: 5000 },
  { algorithm: 'SCRYPT', deriveKey: scrypt.deriveKey, cost: 1024, base: 180,
    memoryCost: 8, parallelism: 1 },
];

function cpuMs(start) {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function solveAt(spec, range, count) {
  let wall = 0;
  let cpu = 0;
  let worst = 0;
  let tries = 0;
  for (let i = 0; i < count; i++) {
    const counter = Math.floor(Math.random() * range);
    const challenge = await createChallenge({
      algorithm: spec.algorithm, cost: spec.cost, counter, deriveKey: spec.deriveKey,
      memoryCost: spec.memoryCost, parallelism: spec.parallelism,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      hmacSignatureSecret: key, hmacKeySignatureSecret: key,
    });
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const solution = await solveChallenge({ challenge, deriveKey: spec.deriveKey, timeout: 0 });
    const took = performance.now() - start;
    wall += took;
    cpu += cpuMs(cpuStart);
    worst = Math.max(worst, took);
    tries += solution.counter + 1;
  }
  return { wall: wall / count, worst, cpu: cpu / count, tries: tries / count };
}

for (const spec of algorithms) {
  const params = { algorithm: spec.algorithm, cost: spec.cost, keyLength: 32,
                   memoryCost: spec.memoryCost, parallelism: spec.parallelism };
  const salt = new Uint8Array(16);
  const password = new Uint8Array(20);
  const n = spec.algorithm === 'SCRYPT' ? 50 : 300;
  await spec.deriveKey(params, salt, password);
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    password[19] = i;
    await spec.deriveKey(params, salt, password);
  }
  const perTry = cpuMs(cpuStart) / n;
  console.log(`${spec.algorithm} (cost ${spec.cost}${spec.memoryCost ? `, r ${spec.memoryCost}, p ${spec.parallelism}` : ''}): ` +
              `${perTry.toFixed(3)} ms CPU per derivation`);
  const fresh = await solveAt(spec, spec.base, runs);
  console.log(`  fresh (range ${spec.base}): ${runs} solves, mean wall ${(fresh.wall / 1000).toFixed(2)} s ` +
              `(worst ${(fresh.worst / 1000).toFixed(2)} s), mean CPU ${(fresh.cpu / 1000).toFixed(2)} s, ` +
              `mean ${Math.round(fresh.tries)} derivations`);
  // The solver's own rate (CPU per derivation inside solveChallenge).
  const solveRate = fresh.cpu / fresh.tries;
  const raised = Math.floor(spec.base * growth10);
  console.log(`  after 10 refusals from one /24 (range ${raised}): mean solve ` +
              `${(raised / 2 * solveRate / 1000).toFixed(1)} s CPU (range / 2 derivations at ` +
              `the solver's ${solveRate.toFixed(3)} ms each)`);
  if (raisedRuns > 0) {
    const r = await solveAt(spec, raised, raisedRuns);
    console.log(`    measured: ${raisedRuns} solves, mean wall ${(r.wall / 1000).toFixed(1)} s ` +
                `(worst ${(r.worst / 1000).toFixed(1)} s), mean CPU ${(r.cpu / 1000).toFixed(1)} s`);
  }
}
