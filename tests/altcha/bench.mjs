// Proof-of-work cost with altcha-lib's own solver (v1, SHA-256), on one core
// (Node runs the solver on its main thread): for each maxnumber, the time to
// solve `runs` fresh challenges, wall and CPU (user + system, from
// process.cpuUsage), mean and worst. Then the server's price schedule with the
// default settings (pow.maxnumber 20000, growth 160 %, half-life 900 s) after
// 10 refusals, computed with the server's formula (pow::MaxNumberFor of the
// decayed score) and the hash rate just measured. A benchmark: it prints, it
// asserts nothing. Usage: node bench.mjs [runs] [maxnumber[:runs] ...]
import { createChallenge, solveChallenge } from 'altcha-lib/v1';

const args = process.argv.slice(2);
const defaultRuns = Number(args[0]) || 5;
const plan = (args.length > 1 ? args.slice(1) : ['20000', '50000', '200000']).map((arg) => {
  const [maxnumber, runs] = arg.split(':').map(Number);
  return { maxnumber, runs: runs || defaultRuns };
});

let rate = 0;
for (const { maxnumber, runs } of plan) {
  let wall = 0;
  let cpu = 0;
  let worst = 0;
  let hashes = 0;
  for (let i = 0; i < runs; i++) {
    const challenge = await createChallenge({
      hmacKey: 'benchmark-key-benchmark-key-0123',
      maxnumber,
      expires: new Date(Date.now() + 600_000),
    });
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const solution = await solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm,
                                          maxnumber).promise;
    const took = performance.now() - start;
    const used = process.cpuUsage(cpuStart);
    wall += took;
    cpu += (used.user + used.system) / 1000;
    worst = Math.max(worst, took);
    hashes += solution.number + 1;
  }
  rate = hashes / (cpu / 1000);
  console.log(`maxnumber ${maxnumber}: ${runs} solves, mean wall ${(wall / runs / 1000).toFixed(2)} s ` +
              `(worst ${(worst / 1000).toFixed(2)} s), mean CPU ${(cpu / runs / 1000).toFixed(2)} s, ` +
              `${Math.round(hashes / (cpu / 1000))} hashes per CPU second`);
}

const base = 20000;
const growth = 1.6;
const halfLifeMinutes = 15;
console.log(`after 10 refusals (defaults; mean solve = maxnumber / 2 at ${Math.round(rate)} hashes/s):`);
for (const minutes of [0, 15, 30, 45, 60, 90]) {
  const score = 10 * 2 ** (-minutes / halfLifeMinutes);
  const maxnumber = Math.floor(base * growth ** score);
  console.log(`  ${String(minutes).padStart(3)} min later: maxnumber ${maxnumber}, ` +
              `mean solve ${(maxnumber / 2 / rate).toFixed(2)} s`);
}
