// A provincial unified identity provider (统一身份认证) for tests and local trials: the npm
// package oidc-provider, a certified OpenID Connect implementation, on its own port.
//
//   node tests/sims/oidc_provider.mjs <client_id> <client_secret> <redirect_uri> <accounts.json>
//
// accounts.json maps each subject to the claims the provider asserts, e.g.
//   {"zhang": {"name": "张三", "id_number": "11010519491231002X", "phone_number": "13800138000"}}
//
// The provider signs ID tokens with the RSA key in oidc-test-key.pem (a test key, published
// here on purpose: tests sign forged tokens with it to check what the platform refuses). The
// login page is replaced by an automatic one: the subject named by the request's login_hint
// (or picked from a list when there is none) is logged in, as if they had passed the
// provider's own checks (人脸识别, 短信验证). Consent is implied: every client here is the
// province's own. Prints "LISTENING <port>" when ready.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Provider from 'oidc-provider';

const [clientId, clientSecret, redirectUri, accountsFile] = process.argv.slice(2);
if (!accountsFile) {
  console.error('usage: oidc_provider.mjs <client_id> <client_secret> <redirect_uri> <accounts.json>');
  process.exit(2);
}
const accounts = JSON.parse(readFileSync(accountsFile, 'utf8'));
const here = dirname(fileURLToPath(import.meta.url));
const jwk = createPrivateKey(readFileSync(join(here, 'oidc-test-key.pem'))).export({ format: 'jwk' });
const escape = (t) => String(t).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const CLAIMS = ['name', 'id_number', 'credit_code', 'legal_representative', 'phone_number', 'preferred_username'];

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    jwks: { keys: [{ ...jwk, kid: 'province-test-1', use: 'sig', alg: 'RS256' }] },
    claims: { openid: ['sub'], profile: CLAIMS },
    // The platform reads who someone is from the ID token alone.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (ctx, sub) => accounts[sub] && {
      accountId: sub,
      claims: async () => ({ sub, ...accounts[sub] }),
    },
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({
        accountId: ctx.oidc.account.accountId,
        clientId: ctx.oidc.client.clientId,
      });
      grant.addOIDCScope('openid profile');
      grant.addOIDCClaims(CLAIMS);
      await grant.save();
      return grant;
    },
  });
  const handle = provider.callback();
  server.on('request', async (req, res) => {
    if (!req.url.startsWith('/interaction/')) {
      handle(req, res);
      return;
    }
    try {
      const details = await provider.interactionDetails(req, res);
      const chosen = new URL(req.url, issuer).searchParams.get('login');
      const sub = details.params.login_hint || chosen;
      if (!sub) {
        // No hint: a page to pick who logs in (for trying the demo in a browser).
        const buttons = Object.entries(accounts).map(([id, c]) =>
          `<li><a href="/interaction/${details.uid}?login=${encodeURIComponent(id)}">${escape(c.name || id)}（${escape(id)}）</a></li>`).join('');
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>统一身份认证（模拟）</title><h1>统一身份认证（模拟）</h1><p>选择登录的人：</p><ul>${buttons}</ul></html>`);
        return;
      }
      if (!accounts[sub]) {
        res.statusCode = 403;
        res.end(`no such person: ${sub}`);
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
    } catch (e) {
      res.statusCode = 400;
      res.end(String(e));
    }
  });
  console.log(`LISTENING ${port}`);
});
