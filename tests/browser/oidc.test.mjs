// Browser test of 统一身份认证: the demo server logs people in through an OpenID Connect
// provider (the npm oidc-provider, tests/sims/oidc_provider.mjs, its own process). On a phone,
// 张三 — registered in the demo with a password — presses the provider's button, picks himself
// on the provider's page and comes back logged in to his own account with his own cases; 李四,
// new to the platform, comes back with a new account under his ID number.
//
// Screenshot: docs/screenshots/login-oidc.png (390 px wide).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, newPage, shot, textOf, assertFitsWidth, startPeer, freePort, PHONE } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PROVIDER = resolve(here, '..', 'sims', 'oidc_provider.mjs');
const CLIENT = 'onewindow-browser';
const SECRET = 'browser-oidc-secret-0123456789';

/** An ID number with its ISO 7064 MOD 11-2 check character (GB 11643). */
function idNumber(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return first17 + '10X98765432'[sum % 11];
}
// The demo's 张三 (app::demo::demo_id_number("19900101", "123")) and a newcomer.
const ZHANG = idNumber('51160219900101123');
const LI = idNumber('51160219850505456');

describe('Logging in through the province\'s identity provider', () => {
  let dir; let provider; let server; let browser;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onewindow-oidc-'));
    const port = await freePort();
    const accounts = join(dir, 'accounts.json');
    writeFileSync(accounts, JSON.stringify({
      zhang: { name: '张三', id_number: ZHANG, phone_number: '13800138000' },
      li: { name: '李四', id_number: LI, phone_number: '13900139000' },
    }));
    provider = await startPeer('node', PROVIDER, [CLIENT, SECRET, `http://127.0.0.1:${port}/login/oidc/callback`, accounts]);
    const config = join(dir, 'onewindow.toml');
    writeFileSync(config, `[server]
listen = "127.0.0.1:${port}"
secure_cookies = false
public_url = "http://127.0.0.1:${port}"
[oidc]
issuer = "http://127.0.0.1:${provider.port}"
client_id = "${CLIENT}"
client_secret = "${SECRET}"
label = "四川政务服务网统一身份认证"
`);
    server = await startServer(['--config', config, '--listen', `127.0.0.1:${port}`]);
    browser = await launchBrowser();
  });

  after(async () => {
    try {
      if (browser) await browser.close();
      if (server) await server.stop();
    } finally {
      provider?.proc.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** From the login page through the provider as `name`; the page after coming back. */
  async function logInAs(page, name) {
    await page.goto('/login?next=/cases');
    await page.getByRole('button', { name: '四川政务服务网统一身份认证' }).click();
    await page.waitForURL(/\/interaction\//).catch(async (e) => {
      throw new Error(`not at the provider: ${page.url()}\n${await textOf(page, 'body')}`, { cause: e });
    });
    await page.getByRole('link', { name: new RegExp(name) }).click();
    await page.waitForURL(/\/cases$/);
  }

  test('a registered person comes back to their own account and cases', async () => {
    const { page } = await newPage(browser, server, PHONE);
    await page.goto('/login');
    assert.match(await textOf(page), /或使用本平台账号密码登录/);
    await assertFitsWidth(page, PHONE.width);
    await shot(page, 'login-oidc.png');
    await logInAs(page, '张三');
    assert.equal(server.citizen, ZHANG, 'the demo citizen is the one the provider vouches for');
    assert.equal((await page.locator('.who').textContent()).trim(), '张三');
    const text = await textOf(page);
    // The demo gave 张三 cases; they are his, so the link found his account.
    assert.ok(await page.locator('a[href^="/cases/"]').count() > 0, text);
  });

  test('a newcomer gets an account under their ID number', async () => {
    const { page } = await newPage(browser, server, PHONE);
    await logInAs(page, '李四');
    assert.equal((await page.locator('.who').textContent()).trim(), '李四');
    assert.equal(await page.locator('main a[href^="/cases/"]').count(), 0, 'a new account has no cases');
    // Logging in again by password is not possible: there is none.
    const other = await newPage(browser, server, PHONE);
    await other.page.goto('/login');
    await other.page.locator('#login').fill(LI);
    await other.page.locator('#password').fill('!oidc');
    await other.page.getByRole('button', { name: '登录', exact: true }).click();
    assert.match(await textOf(other.page), /账号或密码错误/);
  });
});
