// An independent OpenID provider for the tests (panva's oidc-provider): an operator's own
// identity provider that Pathways is configured to trust (AUTH_TRUSTED_ISSUERS).
//
//   node tests/external/oidc_provider.mjs <port> <setup.json>
//
// It listens on 127.0.0.1:<port>, issuer http://127.0.0.1:<port>. setup.json holds
//   {"clients": [oidc-provider client metadata + "claims": {...}],
//    "accounts": {"<login>": {"password": "...", "claims": {...}}}}
// and is read again whenever a token is issued: a test changes what a person's or a client's
// next token says (its roles, its programmes) by rewriting the file, as an operator would
// change them at their provider. Access tokens for the resource urn:pathways (the default) are
// JWTs signed RS256, audience "pathways", carrying the account's or client's claims (roles in
// Keycloak's shape, realm_access.roles, if the setup says so).
//
// People sign in with the authorization code flow and PKCE. The sign-in itself is this
// script's, not oidc-provider's development pages: POST /interaction/<uid>/login with login and
// password (form-encoded) checks them against setup.json and grants the openid scope and the
// pathways scope at once; the answer redirects back to the authorization endpoint.

import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider, { errors } from 'oidc-provider';

const [port, setupPath] = process.argv.slice(2);
if (!port || !setupPath) {
  console.error('usage: node oidc_provider.mjs <port> <setup.json>');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const RESOURCE = 'urn:pathways';
const setup = () => JSON.parse(readFileSync(setupPath, 'utf8'));

// A fresh signing key per run, published without "alg": the verifier decides from its type.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig' };

const { clients } = setup();

const provider = new Provider(issuer, {
  clients: clients.map(({ claims, ...metadata }) => metadata),
  jwks: { keys: [signingKey] },
  cookies: { keys: ['a test provider cookie key'] },
  findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => true },
  ttl: {
    AccessToken: 300, ClientCredentials: 300, IdToken: 300, Interaction: 600, Grant: 3600,
    Session: 3600,
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => RESOURCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, resourceIndicator) => {
        if (resourceIndicator !== RESOURCE) throw new errors.InvalidTarget();
        return {
          scope: 'pathways',
          audience: 'pathways',
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  extraTokenClaims: async (ctx, token) => {
    const now = setup();
    if (token.accountId) return now.accounts[token.accountId]?.claims;
    return now.clients.find((c) => c.client_id === token.clientId)?.claims;
  },
});

async function formOf(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

// The sign-in: one POST that logs the person in and grants what the client asked for.
async function signIn(req, res) {
  const details = await provider.interactionDetails(req, res);
  const form = await formOf(req);
  const login = form.get('login');
  const account = setup().accounts[login];
  if (!account || account.password !== form.get('password')) {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('wrong login or password');
    return;
  }
  const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
  grant.addOIDCScope('openid');
  grant.addResourceScope(RESOURCE, 'pathways');
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, {
    login: { accountId: login },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

const handle = provider.callback();
createServer((req, res) => {
  if (req.method === 'POST' && /^\/interaction\/[^/]+\/login$/.test(req.url)) {
    signIn(req, res).catch((error) => {
      console.error(error);
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
    return;
  }
  if (req.method === 'GET' && req.url.startsWith('/interaction/')) {
    res.writeHead(200, { 'content-type': 'text/plain' })
      .end('sign in: POST login and password to this address + /login');
    return;
  }
  handle(req, res);
}).listen(Number(port), '127.0.0.1');
