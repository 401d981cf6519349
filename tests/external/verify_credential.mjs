// Verifies a proof-of-skills credential as a future employer would, offline, with libraries
// Pathways does not write: Transmute's @transmute/verifiable-credentials checks the JOSE
// signatures (W3C VC 2.0 secured as a JWT) of the credential and of its status list, and
// Digital Bazaar's @digitalbazaar/vc-bitstring-status-list reads the credential's revocation
// bit from the list. (Transmute's own status check implements the January 2024 draft, whose
// encodedList has no multibase prefix; Bitstring Status List v1.0, which Pathways follows,
// prefixes it with "u", which Digital Bazaar's library reads.)
//
//   node tests/external/verify_credential.mjs <credential.jwt> <jwks.json> <status-list.jwt>
//
// The three files are what the verifier cached: the credential its holder handed over, the
// issuer's keys (GET /v1/credentials/keys) and the status list the credential points to
// (GET /v1/credentials/status/{n}). Nothing is fetched. Prints one JSON line
//   {"valid": bool, "revoked": bool, "errors": [string]}
// valid: both signatures are good, the status list is the one the credential names, of the
// same issuer and still valid, and the credential's revocation bit is not set. Exit code 0
// either way (the verdict is the output); 2 on usage.

import { readFileSync } from 'node:fs';

import { decodeList } from '@digitalbazaar/vc-bitstring-status-list';
import * as transmute from '@transmute/verifiable-credentials';

// The library's name for a VC 2.0 secured as a JWT (the draft's; the final one is vc+jwt).
const TYPE = 'application/vc-ld+jwt';

const [credentialPath, jwksPath, statusPath] = process.argv.slice(2);
if (!credentialPath || !jwksPath || !statusPath) {
  console.error('usage: node verify_credential.mjs <credential.jwt> <jwks.json> <status.jwt>');
  process.exit(2);
}
const text = (path) => readFileSync(path, 'utf8').trim();
const credential = text(credentialPath);
const keys = JSON.parse(text(jwksPath)).keys;
const statusList = text(statusPath);

const header = (jws) => JSON.parse(Buffer.from(jws.split('.')[0], 'base64url').toString());
const payload = (jws) => JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString());

const resolver = {
  resolve: async ({ content, purpose }) => {
    if (purpose !== 'verification-material') throw new Error(`cannot resolve ${purpose}`);
    const { kid } = header(transmute.text.decoder.decode(content));
    const key = keys.find((k) => k.kid === kid);
    if (!key) throw new Error(`no key ${kid} among the issuer's keys`);
    return { type: 'application/jwk+json',
             content: transmute.text.encoder.encode(JSON.stringify(key)) };
  },
};
const verify = (jws) => transmute.verifier({ resolver }).verify({
  type: TYPE, content: transmute.text.encoder.encode(jws) });

const errors = [];
let revoked = false;
try {
  const vc = await verify(credential);
  const list = await verify(statusList);
  const entry = [vc.credentialStatus].flat().find(
    (s) => s && s.type === 'BitstringStatusListEntry' && s.statusPurpose === 'revocation');
  if (!entry) throw new Error('the credential names no revocation status');
  if (entry.statusListCredential !== list.id) {
    throw new Error(`the cached status list is not ${entry.statusListCredential}`);
  }
  if (JSON.stringify(list.issuer) !== JSON.stringify(vc.issuer)) {
    throw new Error("the status list is not the credential issuer's");
  }
  if (list.validUntil && new Date(list.validUntil) < new Date()) {
    throw new Error('the cached status list is out of date: fetch it again');
  }
  const bits = await decodeList({ encodedList: list.credentialSubject.encodedList });
  revoked = bits.getStatus(parseInt(entry.statusListIndex, 10));
  if (revoked) errors.push('revoked');
} catch (error) {
  errors.push(error.code ? `${error.code}: ${error.message}` : String(error.message || error));
}
console.log(JSON.stringify({ valid: errors.length === 0, revoked, errors }));
