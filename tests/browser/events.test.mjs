// Browser test of event delivery (事件投递): the demo server delivers its events to two webhook
// subscribers — one, a Python subscriber that checks every signature and refuses one kind of 12345 event
// until it is "fixed", and one that is not running at all. The platform's administrator sees on
// /admin/events that the first caught up, the second is failing and holding its events back, and
// the refused events waiting as dead letters; after the subscriber is fixed, one click replays a
// dead letter and it leaves the list.
//
// Screenshot: docs/screenshots/admin-events.png.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startServer, launchBrowser, newPage, shot, loginAs, followNav, textOf,
} from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const RECEIVER = resolve(here, '..', 'sims', 'webhook_receiver.py');
const SECRET = 'browser-test-secret-0123456789';

/** A port nothing listens on (taken and released). */
function closedPort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

/** Starts the Python subscriber; resolves with { proc, port, log }. */
function startReceiver(dir, healed) {
  const log = join(dir, 'deliveries.jsonl');
  const proc = spawn('python3', [RECEIVER, SECRET, 'hmac-sm3', log, '--refuse-topic', 'ticket.rule_extension', '--healed', healed],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    proc.once('error', fail);
    // The line may come in pieces (print writes its arguments one by one): wait for its end.
    let said = '';
    const onData = (d) => {
      said += String(d);
      if (!said.includes('\n')) return;
      proc.stdout.off('data', onData);
      const port = Number(said.match(/LISTENING (\d+)/)?.[1]);
      if (port) ok({ proc, port, log });
      else { proc.kill(); fail(new Error(`receiver said: ${said}`)); }
    };
    proc.stdout.on('data', onData);
  });
}

/** The rows of a table on the page, cells joined by " | ". */
async function rows(page, section) {
  const table = page.locator('section.card').filter({ has: page.locator('h2', { hasText: section }) });
  return table.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()).join(' | ')));
}

describe('Event delivery to systems outside, as the administrator sees it', () => {
  let dir; let receiver; let server; let browser; let healed;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onewindow-events-'));
    healed = join(dir, 'healed');
    receiver = await startReceiver(dir, healed);
    const offline = await closedPort();
    const config = join(dir, 'onewindow.toml');
    writeFileSync(config, `[events]
poll_ms = 50
[events.retry]
base_ms = 20
cap_ms = 500
max_rejections = 2

[[events.webhooks]]
name = "county-hub"
url = "http://127.0.0.1:${receiver.port}/events"
secret = "${SECRET}"
algorithm = "hmac-sm3"

[[events.webhooks]]
name = "archive-offline"
url = "http://127.0.0.1:${offline}/events"
secret = "${SECRET}"
topics = ["license.*"]
`);
    server = await startServer(['--config', config]);
    browser = await launchBrowser();
  });

  after(async () => {
    try {
      if (browser) await browser.close();
      if (server) await server.stop();
    } finally {
      receiver?.proc.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the administrator sees each subscriber, the dead letters, and replays one', async () => {
    const { page } = await newPage(browser, server);
    await loginAs(page, 'admin');
    await followNav(page, '事件投递');
    assert.equal(await page.locator('h1').innerText(), '事件投递');

    // The demo's history reaches the subscriber; the 12345 extension rulings are refused twice and set aside.
    let hub; let offline; let dead = [];
    for (let i = 0; i < 90; i += 1) {
      await page.reload();
      const sinks = await rows(page, '接收方');
      hub = sinks.find((r) => r.startsWith('county-hub'));
      offline = sinks.find((r) => r.startsWith('archive-offline'));
      dead = await rows(page, '死信');
      // The offline subscriber's first refused attempt may come after the hub has caught up.
      if (hub && offline && / \| 0 \| 正常 \| /.test(hub) && /连接失败/.test(offline) && dead.length > 0) break;
      await page.waitForTimeout(500);
    }
    assert.match(hub ?? '', / \| 0 \| 正常 \| /, `county-hub did not catch up: ${await textOf(page)}`);
    assert.match(offline ?? '', /连接失败/, `the offline subscriber's failure is not shown: ${offline}`);
    assert.ok(dead.length > 0 && dead.every((r) => r.startsWith('county-hub') && r.includes('ticket.rule_extension') && r.includes('HTTP 422')),
      `dead letters: ${dead.join(' / ')}`);
    // Every delivery the subscriber took was signed with its secret.
    const log = readFileSync(receiver.log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(log.some((l) => l.status === 204), 'nothing delivered');
    assert.ok(!log.some((l) => l.status === 401), 'a delivery failed the signature check');
    await shot(page, 'admin-events.png');

    // Fixed on their side; one click replays the first dead letter.
    writeFileSync(healed, '');
    const seq = dead[0].split(' | ')[1];
    const before = dead.length;
    await Promise.all([
      page.waitForURL(/flash=replay/),
      page.getByRole('button', { name: `重发 county-hub 第 ${seq} 号事件` }).click(),
    ]);
    assert.match(await page.locator('.flash').innerText(), /已请求重发/);
    for (let i = 0; i < 20 && (await rows(page, '死信')).length >= before; i += 1) {
      await page.waitForTimeout(300);
      await page.reload();
    }
    const after = await rows(page, '死信');
    assert.equal(after.length, before - 1, `the replayed letter is still listed: ${after.join(' / ')}`);
    assert.ok(!after.some((r) => r.split(' | ')[1] === seq));
    assert.ok(existsSync(receiver.log));
  });
});
