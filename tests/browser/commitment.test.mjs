// Browser test of 告知承诺 signed on screen: the demo enterprise applies online for 公共场所卫生
// 许可（新办）, whose demo rule approves on a signed commitment (告知承诺当场审批). A name that is
// not the legal representative's is refused at the field; 李四 signs; filing with the core
// materials only is approved at once, the missing ones covered by the commitment (D 级) and the
// verification date shown. On a phone the commitment fits the screen.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoSite, loginAs, openGuide, shot, textOf, PHONE, assertFitsWidth } from './helpers.mjs';
import { applyFromGuide, caseState, fillForm, uploadKeyMaterials, problem, FACTS } from './case-helpers.mjs';

const ITEM = '公共场所卫生许可（新办）';

describe('告知承诺 signed on screen', () => {
  const site = demoSite();

  test('the enterprise signs and is approved on filing', async () => {
      const { page, context } = await site.newPage();
      const dir = mkdtempSync(join(tmpdir(), 'commitment-'));
      try {
        await loginAs(page, site.server.enterprise);
        await openGuide(page, '公共场所卫生许可', (names) => names.find((n) => n.trim() === ITEM));
        await applyFromGuide(page);
        const statement = await textOf(page, '#commitment-statement');
        assert.match(statement, /公共场所卫生许可（新办）/);
        assert.match(statement, /20 个工作日内的核查/);
        // On a phone the commitment and its signature field fit the screen.
        await page.setViewportSize(PHONE);
        await assertFitsWidth(page, PHONE.width);
        await page.setViewportSize({ width: 1280, height: 900 });

        // Not the legal representative: refused at the field, nothing signed.
        await page.locator('#signer').fill('王五');
        await Promise.all([page.waitForLoadState('load'), page.locator('#do-sign-commitment').click()]);
        assert.match(await problem(page), /法定代表人/);
        assert.equal(await page.locator('#commitment-signed').count(), 0);

        await page.locator('#signer').fill('李四');
        await page.locator('#do-sign-commitment').click();
        await page.locator('#commitment-signed').waitFor();
        assert.match(await textOf(page, '#commitment-signed'), /申请人 李四 已于 .* 在线签署告知承诺书/);
        assert.equal(await page.locator('#do-sign-commitment').count(), 0, 'signed once');
        assert.match(await textOf(page, '#timeline, main'), /申请人李四签署告知承诺书/);

        // Core materials only; the rest the commitment stands in for.
        await fillForm(page);
        await uploadKeyMaterials(page, dir);
        await page.locator('#do-submit').click();
        // The draft's page is gone once the filed case is shown.
        await page.locator('#do-submit').waitFor({ state: 'detached' });
        await page.waitForLoadState('load');
        assert.equal(await caseState(page), '准予许可', await textOf(page));
        const facts = await textOf(page, FACTS);
        assert.match(facts, /告知承诺当场审批/);
        assert.match(facts, /告知承诺核查期限 \d{4}-\d{2}-\d{2}/);
        const materials = await textOf(page, '#materials');
        assert.match(materials, /承诺代替（D 级）/);
        // The letter itself is the signature: no paper copy was uploaded.
        assert.match(materials, /公共场所卫生许可告知承诺书[\s\S]*?已在线签署/);
        assert.doesNotMatch(materials, /公共场所卫生许可告知承诺书\.pdf/);
        await shot(page, 'commitment-approved.png');
      } finally {
        await context.close();
        rmSync(dir, { recursive: true, force: true });
      }
  });
});
