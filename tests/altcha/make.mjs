// Makes a challenge with altcha-lib's createChallenge (as a portal running
// altcha-lib would), solves it with altcha-lib and prints the payload.
// Usage: node make.mjs <hmacKey> <maxnumber> <expires in seconds, may be negative>
import { createChallenge, solveChallenge } from 'altcha-lib/v1';

const [hmacKey, maxnumber, expiresIn] = process.argv.slice(2);
const challenge = await createChallenge({
  hmacKey,
  maxnumber: Number(maxnumber),
  expires: new Date(Date.now() + Number(expiresIn) * 1000),
});
const solution = await solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm,
                                      challenge.maxnumber).promise;
const payload = {
  algorithm: challenge.algorithm,
  challenge: challenge.challenge,
  number: solution.number,
  salt: challenge.salt,
  signature: challenge.signature,
  took: solution.took,
};
console.log(Buffer.from(JSON.stringify(payload)).toString('base64'));
