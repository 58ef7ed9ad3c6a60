// Solves a challenge with altcha-lib's own solver and prints the payload the
// altcha widget would send (base64 of its JSON), as the widget builds it for
// a classic challenge. Usage: node solve.mjs '<challenge JSON>'
import { solveChallenge } from 'altcha-lib/v1';

const challenge = JSON.parse(process.argv[2]);
const { promise } = solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm,
                                   challenge.maxnumber);
const solution = await promise;
if (!solution) {
  console.error('no solution found');
  process.exit(1);
}
const payload = {
  algorithm: challenge.algorithm,
  challenge: challenge.challenge,
  number: solution.number,
  salt: challenge.salt,
  signature: challenge.signature,
  took: solution.took,
};
console.log(Buffer.from(JSON.stringify(payload)).toString('base64'));
