// Browser test of electronic licenses (电子证照): approving a company registration issues a
// business licence to the enterprise, which shows it as a QR code (亮证); anyone can verify it on
// the public page; the next application uses it instead of an upload (免提交); revoking it makes
// verification fail.
//
// Like cases.test.mjs, it starts its own demo server and Chromium (see helpers.mjs) and writes
// screenshots to docs/screenshots/: license-wallet.png, license-verify.png.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  demoSite, shot, loginAs, factValue, openGuide,
} from './helpers.mjs';
import {
  FACTS, pdf, problem, caseState, act, applyFromGuide, applyOnline, materialNames, openFromQueue, decideOnTheSpot, fillForm,
} from './case-helpers.mjs';

const COMPANY_ITEM = '公司设立登记';
const LICENSE = '营业执照';
const ISSUER = '广安市市场监督管理局';
/** The facts section of the license page (照面信息). */
const LICENSE_FACTS = 'section[aria-labelledby=facts-h]';



/** The page's main text on one line, for assertion messages. */
async function mainText(page) {
  return `${new URL(page.url()).pathname}: ${(await page.locator('main').innerText()).replace(/\s+/g, ' ')}`;
}

/**
 * The enterprise applies for 公司设立登记 with the form filled and every material uploaded,
 * and submits: returns the case id and number.
 */
async function applyForCompany(page, form, filesDir) {
  await openGuide(page, COMPANY_ITEM, (names) => names.find((n) => n.trim() === COMPANY_ITEM));
  const id = await applyFromGuide(page);
  await fillForm(page);
  await page.locator('#f_company_type').selectOption(form.company_type);
  for (const key of ['capital', 'legal_rep', 'address', 'scope']) await page.locator(`#f_${key}`).fill(form[key]);
  const names = await materialNames(page);
  assert.ok(names.length > 0, `no material rows on the draft: ${await mainText(page)}`);
  // Everything uploaded, so the window can accept without a supplement notice.
  for (const [i, name] of names.entries()) {
    await page.locator(`#file_${i}`).setInputFiles(pdf(filesDir, name));
  }
  await act(page, '#do-submit', '已提交（预审中）');
  return { id, number: await factValue(page, FACTS, '办件编号') };
}

describe('Electronic licenses (电子证照) in a browser', () => {
  const site = demoSite();
  const newPage = (viewport, extra) => site.newPage(viewport, extra);
  before(() => {
    assert.ok(site.server.enterprise, `the demo enterprise's login was not printed at start\n${site.server.output()}`);
  });

  test('an approved company registration issues a business licence that the holder shows as a QR code, the public page verifies, a food permit application uses without an upload, and revoking it makes verification fail', async () => {
    const filesDir = mkdtempSync(join(tmpdir(), 'onewindow-uploads-'));
    const enterprise = await newPage();
    const clerk = await newPage();
    const admin = await newPage();
    const anonymous = await newPage();
    try {
      // 1. The enterprise applies; 公司设立登记 is a 即办件 (no review steps), so the window
      // accepts and approves on the spot.
      const { page } = enterprise;
      await loginAs(page, site.server.enterprise);
      const form = {
        company_type: '有限责任公司', capital: '50', legal_rep: '李四', address: '广安市广安区建设路 8 号', scope: '餐饮服务；食品销售',
      };
      const { id, number } = await applyForCompany(page, form, filesDir);
      await loginAs(clerk.page, 'clerk');
      await openFromQueue(clerk.page, 'clerk', number, id);
      await decideOnTheSpot(clerk.page, '材料齐全，符合法定形式，当场予以登记');
      await page.goto(`/cases/${id}`);
      assert.equal(await caseState(page), '准予许可', `the applicant's case page: ${await problem(page)}`);

      // 2. The wallet lists the licence as valid. A 营业执照 is one per holder and the demo
      // enterprise already had one from its seeded cases: those show as replaced (已被换发).
      await page.goto('/licenses');
      const cards = page.locator('ul.licenses li.card', { has: page.locator('h2 a', { hasText: LICENSE }) });
      const valid = cards.filter({ hasText: '状态：有效' });
      assert.equal(await valid.count(), 1, `not exactly one valid ${LICENSE} in the wallet: ${await mainText(page)}`);
      await Promise.all([page.waitForURL(/\/licenses\/[^/?]+$/), valid.locator('h2 a').click()]);
      // The valid one is the licence this case issued, not an older one.
      assert.equal(await page.locator(`${LICENSE_FACTS} a[href="/cases/${id}"]`).count(), 1,
        `the valid ${LICENSE} was not issued by case ${number}: ${await mainText(page)}`);
      const licenseUrl = new URL(page.url()).pathname;
      assert.equal((await page.locator('#license-status').innerText()).trim(), '有效', await mainText(page));
      // The licence carries what the applicant filled in, so the form reached the issued record.
      assert.equal(await factValue(page, LICENSE_FACTS, '法定代表人'), form.legal_rep, await mainText(page));
      assert.equal(await factValue(page, LICENSE_FACTS, '住所'), form.address, await mainText(page));
      // Two codes: the dynamic one (亮证动态码, minutes) and the static one.
      const qr = page.locator('section#show .qr svg');
      assert.equal(await qr.count(), 2, `not a dynamic and a static QR code on the license page: ${await mainText(page)}`);
      assert.ok(await page.locator('#dynamic-qr svg').isVisible(), 'the dynamic code is not visible');
      assert.match(await page.locator('section#show h3').first().innerText(), /动态码（\d\d:\d\d 前有效）/);
      await shot(page, 'license-wallet.png');
      const verifyHref = await page.locator('#verify-link').getAttribute('href');
      assert.match(verifyHref ?? '', /^\/v\/[^/?]+$/, `the verification link is ${verifyHref}`);

      // 3. Anyone, not logged in, verifies it; the holder's name is masked.
      const verifier = anonymous.page;
      const verified = await verifier.goto(verifyHref);
      assert.equal(verified.status(), 200, await mainText(verifier));
      assert.equal((await verifier.locator('#verdict').innerText()).trim(), '有效', await mainText(verifier));
      const holderName = await factValue(page, LICENSE_FACTS, '名称');
      assert.ok(holderName && !(await verifier.locator('main').innerText()).includes(holderName),
        `the public page shows the holder's full name ${holderName}: ${await mainText(verifier)}`);
      await shot(verifier, 'license-verify.png');
      // The dynamic code verifies too, now; it names the same licence.
      const dynamicHref = await page.locator('#dynamic-link').getAttribute('href');
      assert.match(dynamicHref ?? '', /^\/v\/OWP1\.[^/?]+$/, `the dynamic link is ${dynamicHref}`);
      await verifier.goto(dynamicHref);
      assert.equal((await verifier.locator('#verdict').innerText()).trim(), '有效', await mainText(verifier));
      assert.ok((await verifier.locator('main').innerText()).includes(LICENSE), await mainText(verifier));

      // 4. The food permit application gets the licence attached: nothing to upload for it.
      await applyOnline(page);
      const row = page.locator('#materials tbody tr', { has: page.locator('td:first-child', { hasText: LICENSE }) });
      assert.equal(await row.count(), 1, `no single ${LICENSE} material row: ${await mainText(page)}`);
      const status = (await row.locator('td:nth-child(2)').innerText()).trim();
      assert.equal(status, '电子证照（A 级，免提交）', `the ${LICENSE} row: ${await row.innerText()}`);
      await page.goto(licenseUrl);
      const uses = page.locator('#uses tbody tr');
      assert.equal(await uses.count(), 1, `the licence's use log: ${await mainText(page)}`);
      const use = await uses.innerText();
      assert.ok(use.includes(ISSUER) && use.includes('食品'), `the use does not name ${ISSUER} and the food item: ${use}`);

      // 5. The system admin revokes it; the public page then fails verification with the reason.
      const reason = '公司登记被撤销（浏览器测试）';
      await loginAs(admin.page, 'admin');
      await admin.page.goto(licenseUrl);
      assert.equal(await admin.page.locator('#do-revoke').count(), 1, `no 注销 form for the admin: ${await mainText(admin.page)}`);
      await admin.page.locator('#reason').fill(reason);
      await Promise.all([admin.page.waitForURL(/\/licenses\/[^/?]+\?flash=revoked$/), admin.page.locator('#do-revoke').click()])
        .catch(async (e) => { throw new Error(`注销 failed: ${await mainText(admin.page)}\n${e.message}`); });
      assert.equal((await admin.page.locator('#license-status').innerText()).trim(), '已注销', await mainText(admin.page));
      await verifier.reload();
      assert.equal((await verifier.locator('#verdict').innerText()).trim(), '已注销', await mainText(verifier));
      assert.ok((await verifier.locator('#verify-reason').innerText()).includes(reason), await mainText(verifier));
    } finally {
      for (const p of [enterprise, clerk, admin, anonymous]) await p.context.close();
      rmSync(filesDir, { recursive: true, force: true });
    }
  });
});
