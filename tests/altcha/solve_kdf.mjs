// Solves a challenge of ALTCHA's second protocol ({parameters, signature}, as
// the server's CreateCaptcha gives it in `altcha.json`) with the altcha
// widget's own library (altcha/lib: solveChallenge and the deriveKey of the
// challenge's algorithm) and prints the payload the widget would send: base64
// of {challenge: {parameters, signature}, solution: {counter, derivedKey, time}}.
// Usage: node solve_kdf.mjs '<challenge JSON>'
import { pbkdf2, scrypt, solveChallenge } from 'altcha/lib';

const challenge = JSON.parse(process.argv[2]);
const deriveKey = challenge.parameters.algorithm === 'SCRYPT' ? scrypt.deriveKey : pbkdf2.deriveKey;
const solution = await solveChallenge({ challenge, deriveKey });
if (!solution) {
  console.error('no solution found');
  process.exit(1);
}
const payload = {
  challenge: { parameters: challenge.parameters, signature: challenge.signature },
  solution,
};
console.log(Buffer.from(JSON.stringify(payload)).toString('base64'));
