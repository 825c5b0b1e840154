// Browser test of the 政务地图 over a tile server (`[map]`): the site names a tile server (a
// separate process, tests/sims/tile_server.py), the page draws its tiles behind the service
// points with the attribution, the browser fetches them (the CSP lets that one origin in), and
// the points stay numbered as in the list. Without `[map]` the hall test's map fetches nothing.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, newPage, shot, PHONE, assertFitsWidth } from './helpers.mjs';
import { startPeer } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const TILES = join(here, '..', 'sims', 'tile_server.py');

describe('The 政务地图 over a tile server', () => {
  let server, browser, tiles, dir, log;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'map-tiles-'));
    log = join(dir, 'tiles.log');
    tiles = await startPeer('python3', TILES, [log]);
    const config = join(dir, 'onewindow.toml');
    writeFileSync(config, `[map]
tile_url = "http://127.0.0.1:${tiles.port}/{z}/{x}/{y}.png"
attribution = "底图 © 测试瓦片服务"
max_zoom = 17
`);
    server = await startServer(['--config', config]);
    browser = await launchBrowser();
  });

  after(async () => {
    try {
      if (browser) await browser.close();
      if (server) await server.stop();
    } finally {
      tiles?.proc.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the tiles are drawn behind the numbered points, with the attribution', async () => {
    const { page, context } = await newPage(browser, server);
    try {
      const res = await page.goto('/map?place=511600-ZWZX');
      assert.match(res.headers()['content-security-policy'], new RegExp(`img-src 'self' data: http://127.0.0.1:${tiles.port};`));
      const images = page.locator('svg.map image');
      assert.ok((await images.count()) >= 4, 'fewer than four tiles cover the map');
      // Every tile arrived and decoded (the CSP did not block it).
      await page.waitForFunction(() => [...document.querySelectorAll('svg.map image')]
        .every((i) => i.getBBox().width === 256));
      const loaded = await page.evaluate(() => Promise.all([...document.querySelectorAll('svg.map image')].map((i) =>
        new Promise((ok) => { const img = new Image(); img.onload = () => ok(img.naturalWidth); img.onerror = () => ok(0); img.src = i.getAttribute('href'); }))));
      assert.ok(loaded.every((w) => w === 256), `tiles not loaded: ${loaded}`);
      assert.ok(existsSync(log), 'the tile server was never asked');
      const asked = readFileSync(log, 'utf8').trim().split('\n');
      assert.ok(asked.every((t) => /^\d+\/\d+\/\d+$/.test(t)), asked.join(' '));
      const zooms = new Set(asked.map((t) => t.split('/')[0]));
      assert.equal(zooms.size, 1, `one zoom for one map: ${[...zooms]}`);
      assert.ok(Number([...zooms][0]) <= 17);
      // The points sit over the tiles, numbered as the list; the attribution is shown.
      const labels = await page.locator('svg.map g text').allInnerTexts();
      const listed = await page.locator('#map-points > li').count();
      assert.equal(labels.length, listed);
      assert.equal(await page.locator('svg.map text.attribution').textContent(), '底图 © 测试瓦片服务');
      await shot(page, 'map-tiles.png');
    } finally {
      await context.close();
    }
  });

  test('on a phone the tiled map fits the screen', async () => {
    const { page, context } = await newPage(browser, server, PHONE);
    try {
      await page.goto('/map');
      assert.ok((await page.locator('svg.map image').count()) > 0);
      await assertFitsWidth(page, PHONE.width);
    } finally {
      await context.close();
    }
  });
});
