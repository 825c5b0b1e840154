// Browser tests for the service hall: a citizen books online, checks in at a kiosk in portrait
// (1080×1920), is called on the display board (live, with the spoken text) and served at a
// window, and rates the service on the window tablet; a walk-in elderly person takes the
// 绿色通道 on a phone-sized kiosk with the on-screen pad and is called first; a no-show after
// three calls; the board says when it is reconnecting; the 政务地图 lists the nearest first.
//
// The server runs with --demo-time at 09:40 on the next working day, so the booking, check-in
// and calling happen on a working morning whatever the hour the suite runs.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP, PHONE, demoSite, shot, textOf, loginAs, alertText, factValue, assertFitsWidth, startServer,
  newPage as pageOn,
} from './helpers.mjs';
import { act, FACTS } from './case-helpers.mjs';

const HALL = '511600-ZWZX';
const KIOSK = { width: 1080, height: 1920 };
// Holidays falling on weekdays in the coming weeks (the shipped 2026 and 2027 notices).
const HOLIDAYS = new Set(['2027-01-01']);

/** The next working day after today in China (weekdays, skipping the holidays above). */
function nextWorkingDay() {
  const d = new Date(Date.now() + 8 * 3600 * 1000);
  for (;;) {
    d.setUTCDate(d.getUTCDate() + 1);
    const iso = d.toISOString().slice(0, 10);
    if (d.getUTCDay() >= 1 && d.getUTCDay() <= 5 && !HOLIDAYS.has(iso)) return iso;
  }
}

/** A valid ID number (ISO 7064 MOD 11-2 check character) of someone born on `birth`. */
function idNumber(birth, seq) {
  const first = `511602${birth}${seq}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first].reduce((s, c, i) => s + Number(c) * weights[i], 0);
  return first + '10X98765432'[sum % 11];
}

const DAY = nextWorkingDay();

/** Submits `form` and waits for the page it leads to. */
async function submit(page, formSelector, urlPattern) {
  await Promise.all([
    page.waitForURL(urlPattern, { waitUntil: 'load' }),
    page.locator(`${formSelector} button[type=submit]`).first().click(),
  ]);
}

/** A clerk at the desk presses a button and gets the desk back with its flash or problem. */
async function desk(page, name) {
  if (new URL(page.url()).pathname !== '/desk') await page.goto('/desk');
  await Promise.all([
    page.waitForURL(/\/desk/, { waitUntil: 'load' }),
    page.getByRole('button', { name, exact: true }).click(),
  ]);
  const flash = page.locator('#desk-flash');
  return (await flash.count()) ? (await flash.innerText()).trim() : `problem: ${await alertText(page)}`;
}

describe('The service hall in a browser', () => {
  const site = demoSite(['--demo-time', `${DAY} 09:40`]);
  const newPage = (viewport, extra) => site.newPage(viewport, extra);
  let clerk;

  test('booked online, checked in at the kiosk, called on the board, served and rated at the window', async () => {
    const citizen = await newPage(DESKTOP);
    const kiosk = await newPage(KIOSK);
    const board = await newPage(DESKTOP);
    clerk = await newPage(DESKTOP);
    try {
      // Online: the citizen books today's 10:00 band of the 综合受理 line.
      await loginAs(citizen.page, site.server.citizen);
      await citizen.page.goto(`/halls/${HALL}?line=A&day=${DAY}`);
      assert.equal(await citizen.page.locator('input[name=band][value="09:00"]').isDisabled(), true, 'a band begun is not offered');
      await citizen.page.locator('input[name=band][value="10:00"]').check();
      await submit(citizen.page, '#book-form', /\/book$/);
      const code = (await citizen.page.locator('#booking-code').innerText()).trim();
      assert.match(code, /^[2-9A-Z]{8}$/, await textOf(citizen.page));
      await shot(citizen.page, 'hall-booked.png');
      // A second booking of the line that day is refused, nothing booked.
      await citizen.page.goto(`/halls/${HALL}?line=A&day=${DAY}`);
      await citizen.page.locator('input[name=band][value="11:00"]').check();
      await submit(citizen.page, '#book-form', /\/book$/);
      assert.match(await alertText(citizen.page), /每人每天每个队列限约一次/);
      await citizen.page.goto('/appointments');
      const mine = await textOf(citizen.page);
      assert.ok(mine.includes(code) && mine.includes('已预约'), mine);
      assert.equal((mine.match(/已预约/g) || []).length, 2, `this booking and the demo one: ${mine}`);

      // The board is open before anyone is called.
      await board.page.goto(`/halls/${HALL}/board`);
      await board.page.waitForFunction(() => document.getElementById('board-status').textContent === '实时');

      // At the kiosk (portrait): the booking code, and the ID card on the (simulated) reader.
      await kiosk.page.goto(`/halls/${HALL}/kiosk?reader=simulated`);
      await kiosk.page.locator('#k-code').fill(code);
      await kiosk.page.locator('#kiosk-checkin').getByRole('button', { name: '刷身份证' }).click();
      await kiosk.page.waitForFunction(() => document.getElementById('k-cid').value.length === 18);
      assert.equal(await kiosk.page.locator('#k-cid').inputValue(), site.server.citizen);
      await submit(kiosk.page, '#kiosk-checkin', /\/kiosk\/check-in$/);
      const receipt = await textOf(kiosk.page, '#receipt');
      const number = (await kiosk.page.locator('#kiosk-number').innerText()).trim();
      assert.match(number, /^A\d{3}$/, receipt);
      assert.match(receipt, /预约/, receipt);
      assert.match(receipt, /张\*/, 'the name is masked on the receipt');
      await shot(kiosk.page, 'hall-kiosk-receipt.png');
      await board.page.waitForFunction((n) => document.getElementById('board-next').textContent.includes(n), number);

      // The window: the clerk accepts the citizen's submitted case today (a window visit),
      // signs in at A01 and calls.
      await citizen.page.goto('/cases');
      const link = citizen.page.locator('tr', { hasText: '居民身份证换领' }).locator('a[href^="/cases/"]').first();
      const caseUrl = await link.getAttribute('href');
      assert.ok(caseUrl, await textOf(citizen.page));
      await loginAs(clerk.page, 'clerk');
      await clerk.page.goto(caseUrl);
      await act(clerk.page, '#do-accept', '已受理');
      const caseNumber = await factValue(clerk.page, FACTS, '办件编号');
      assert.match(caseNumber, /^\d{19,}$/);
      await clerk.page.goto('/desk');
      await clerk.page.locator('#d-place').selectOption(`${HALL}|A01`);
      assert.match(await desk(clerk.page, '签到'), /A01 号窗口签到/);
      assert.match(await desk(clerk.page, '叫下一位'), new RegExp(`已叫 ${number} 号`));
      // The board shows the call and says it, without reloading.
      const announce = `请 ${number} 号到 A01 号窗口`;
      await board.page.waitForFunction((a) => document.querySelector('[data-board]').getAttribute('data-last-announce') === a, announce, { timeout: 5000 });
      assert.match(await board.page.locator('#board-calling').innerText(), new RegExp(`${number}\\s*请到 A01 号窗口`));
      await shot(board.page, 'hall-board.png');

      // Served: finished with the case handled, then rated on the tablet.
      await clerk.page.locator('#d-cases').fill(caseNumber);
      assert.match(await desk(clerk.page, '办结'), new RegExp(`${number} 号已办结`));
      await Promise.all([clerk.page.waitForURL(/\/tablet\?number=/), clerk.page.locator('#rate-link').click()]);
      await Promise.all([
        clerk.page.waitForURL(/\/tablet\?flash=thanks/),
        clerk.page.getByRole('button', { name: '非常满意', exact: true }).click(),
      ]);
      assert.match(await textOf(clerk.page), /感谢您的评价/);
      await board.page.waitForFunction((n) => !document.getElementById('board-calling').textContent.includes(n), number);
    } finally {
      await citizen.context.close();
      await kiosk.context.close();
      await board.context.close();
    }
  });

  test('a walk-in elderly person takes the 绿色通道 on a phone-sized kiosk and is called first', async () => {
    const kiosk = await newPage(PHONE);
    try {
      const take = async (name, id, phone, green) => {
        await kiosk.page.goto(`/halls/${HALL}/kiosk`);
        await kiosk.page.locator('#k-name').fill(name);
        await kiosk.page.locator('#k-id').fill(id);
        // The phone number with the on-screen pad, as at a kiosk without a keyboard.
        await kiosk.page.locator('#k-phone').focus();
        for (const k of phone) await kiosk.page.locator(`.numpad button[data-key="${k}"]`).click();
        assert.equal(await kiosk.page.locator('#k-phone').inputValue(), phone);
        if (green) await kiosk.page.locator('#k-green').selectOption(green);
        await submit(kiosk.page, '#kiosk-ticket', /\/kiosk\/ticket$/);
        const issued = kiosk.page.locator('#kiosk-number');
        return (await issued.count()) ? issued.innerText() : `problem: ${await alertText(kiosk.page)}`;
      };
      const young = await take('孙七', idNumber('19900101', '005'), '13900001111', '');
      assert.match(young, /^A\d{3}$/, young);
      // A young person may not claim 老年人; nothing is issued.
      const refused = await take('周九', idNumber('19950101', '006'), '13900002222', '老年人');
      assert.match(refused, /未满 60 岁/, refused);
      const elder = await take('周八', idNumber('19500101', '007'), '13900003333', '老年人');
      assert.match(elder, /^A\d{3}$/, elder);
      assert.match(await textOf(kiosk.page, '#receipt'), /绿色通道/);
      await assertFitsWidth(kiosk.page, PHONE.width);
      await shot(kiosk.page, 'hall-kiosk-phone.png');

      assert.match(await desk(clerk.page, '叫下一位'), new RegExp(`已叫 ${elder} 号`), 'the elder goes before the earlier walk-in');
      assert.match(await textOf(clerk.page, '#desk-current'), /绿色通道（老年人）/);
      assert.match(await desk(clerk.page, '办结'), /已办结/);
    } finally {
      await kiosk.context.close();
    }
  });

  test('a person who does not come after three calls is marked a no-show', async () => {
    assert.match(await desk(clerk.page, '叫下一位'), /已叫 A\d{3} 号/);
    assert.match(await desk(clerk.page, '过号'), /problem: .*呼满 3 次/);
    assert.match(await desk(clerk.page, '重呼'), /第 2 次/);
    assert.match(await desk(clerk.page, '重呼'), /第 3 次/);
    assert.match(await desk(clerk.page, '过号'), /已过号/);
    assert.match(await desk(clerk.page, '叫下一位'), /problem: .*没有等候/);
    await shot(clerk.page, 'hall-desk.png');
    await clerk.page.goto(`/halls/${HALL}/dashboard`);
    assert.match(await clerk.page.locator('#m-tickets').innerText(), /3 个，办结 2，过号 1/);
    assert.ok(await clerk.page.locator('svg').count() >= 2, 'charts drawn');
    await shot(clerk.page, 'hall-dashboard.png');
    assert.match(await desk(clerk.page, '签退'), /已签退/);
    await clerk.context.close();
  });

  test('a board that loses its connection says it is reconnecting', async () => {
    // A server of its own, stopped under the open board.
    const server = await startServer(['--demo-time', `${DAY} 09:40`]);
    const { context, page } = await pageOn(site.browser, server, DESKTOP);
    try {
      await page.goto(`/halls/${HALL}/board`);
      await page.waitForFunction(() => document.getElementById('board-status').textContent === '实时');
      await server.stop();
      await page.waitForFunction(() => document.getElementById('board-status').textContent.includes('正在重新连接'), null, { timeout: 15000 });
      assert.match(await page.locator('#board-status').getAttribute('class'), /offline/);
    } finally {
      await context.close();
      await server.stop();
    }
  });

  test('the 政务地图 lists service points nearest first, with hours and what they serve', async () => {
    const { context, page } = await newPage(PHONE);
    try {
      await page.goto('/map');
      await page.locator('#m-place').selectOption('511602001-BMFW');
      await submit(page, '#map-form', /\/map\?/);
      const names = await page.locator('#map-points > li h2').allInnerTexts();
      assert.equal(names[0], '北辰街道便民服务中心', names.join('、'));
      assert.match(names[1], /五福社区便民服务站/, names.join('、'));
      const distances = await page.locator('#map-points .distance').allInnerTexts();
      const km = distances.map((d) => (d.includes('公里') ? parseFloat(d) : parseFloat(d) / 1000));
      assert.deepEqual([...km].sort((a, b) => a - b), km, `nearest first: ${distances.join('、')}`);
      assert.equal(await page.locator('svg.map circle').count(), 7);
      assert.match(await textOf(page), /广安市政务服务中心[\s\S]*可办业务：综合受理/);
      assert.match(await textOf(page), /正在办公/, 'at 09:40 on a working day the centres are open');
      await assertFitsWidth(page, PHONE.width);
      await shot(page, 'hall-map-phone.png');
    } finally {
      await context.close();
    }
  });
});
