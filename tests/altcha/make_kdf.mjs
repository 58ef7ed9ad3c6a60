// Makes a challenge of ALTCHA's second protocol with altcha/lib's
// createChallenge (as a portal running altcha/lib with the server's key
// would: the same secret signs the parameters and the derived key), solves it
// with altcha/lib and prints the widget's payload.
// Usage: node make_kdf.mjs <hmacKey> <PBKDF2/SHA-256|SCRYPT> <cost> <counter>
//                          <expires in seconds, may be negative>
import { createChallenge, pbkdf2, scrypt, solveChallenge } from 'altcha/lib';

const [hmacKey, algorithm, cost, counter, expiresIn] = process.argv.slice(2);
const deriveKey = algorithm === 'SCRYPT' ? scrypt.deriveKey : pbkdf2.deriveKey;
const challenge = await createChallenge({
  algorithm,
  cost: Number(cost),
  counter: Number(counter),
  deriveKey,
  expiresAt: Math.floor(Date.now() / 1000) + Number(expiresIn),
  hmacSignatureSecret: hmacKey,
  hmacKeySignatureSecret: hmacKey,
});
const solution = await solveChallenge({ challenge, deriveKey });
const payload = {
  challenge: { parameters: challenge.parameters, signature: challenge.signature },
  solution,
};
console.log(Buffer.from(JSON.stringify(payload)).toString('base64'));
