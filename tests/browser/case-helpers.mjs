// Helpers of the browser tests that drive a case (办件) through its states on the case page:
// read its state and facts, click its action buttons, upload materials, open it from a queue.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFoodGuide } from './helpers.mjs';

/** The section of the case page with 办件编号 and 状态. */
export const FACTS = 'main section.card:has(#case-state)';

/**
 * Writes a tiny file into `dir` that is a PDF by its content (uploads are checked by their
 * bytes, not by name) and returns its path.
 */
export function pdf(dir, name) {
  const path = join(dir, `${name}.pdf`);
  writeFileSync(path, `%PDF-1.4\n% ${name}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`);
  return path;
}

/** Why the page is not what a step expected: the case page's error, alerts, or the error page. */
export async function problem(page) {
  const texts = await page.locator('#case-error, .alert, .error-page').allInnerTexts();
  return `${new URL(page.url()).pathname}: ${texts.join(' / ').replace(/\s+/g, ' ') || '(no message shown)'}`;
}

export async function caseState(page) {
  return (await page.locator('#case-state').innerText()).trim();
}

/**
 * Clicks one of the case form's submit buttons, waits for the page it leads to, and fails with
 * the shown error unless it is the case page with the 操作已完成 / 已保存 flash (and, when given,
 * the expected state).
 */
export async function act(page, selector, expectState) {
  const button = page.locator(`#case-form ${selector}`);
  if ((await button.count()) !== 1) {
    const offered = await page.locator('#case-form button[name=action]').allInnerTexts();
    throw new Error(`${selector} is not offered on ${page.url()} (state ${await caseState(page)}); offered: ${offered.join('、')}`);
  }
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
  await button.click();
  await navigated;
  await page.waitForLoadState('load');
  const url = new URL(page.url());
  if (!/^\/cases\/[^/]+$/.test(url.pathname) || !url.searchParams.has('flash')) {
    throw new Error(`${selector} failed: ${await problem(page)}`);
  }
  assert.match(await page.locator('p.flash[role=status]').innerText(), /操作已完成|已保存/);
  if (expectState) {
    assert.equal(await caseState(page), expectState, `after ${selector}: ${await problem(page)}`);
  }
}

/** The ids of the action buttons the case form offers the visitor. */
export async function offeredActions(page) {
  return page.locator('#case-form button[name=action][id]').evaluateAll((buttons) => buttons.map((b) => b.id));
}

/**
 * The window decides a 即办件 on the spot: accepts the submitted case, then approves it with
 * `reason` (no review steps, so no one else is involved).
 */
export async function decideOnTheSpot(page, reason) {
  await act(page, '#do-accept', '已受理');
  await page.locator('#reason').fill(reason);
  await act(page, '#do-approve', '准予许可');
}

/**
 * Takes the open case as far as the visitor's roles allow: claims each step it may, completes
 * review steps and approves at the last one, all with `opinion`. Reads the offered buttons
 * rather than assuming the workflow, since items differ in their number of steps and one
 * person may hold both roles. Returns the ids of the buttons clicked, in order.
 */
export async function reviewAsFarAsAllowed(page, opinion) {
  const clicked = [];
  // A bound, so a workflow that keeps offering steps fails instead of looping forever.
  while (clicked.length < 20) {
    const offered = await offeredActions(page);
    const next = ['do-claim', 'do-step', 'do-approve'].find((a) => offered.includes(a));
    if (!next) return clicked;
    if (next !== 'do-claim') await page.locator('#reason').fill(opinion);
    await act(page, `#${next}`);
    clicked.push(next);
    if (next === 'do-approve') return clicked;
  }
  throw new Error(`still offered steps after ${clicked.join('、')} on ${page.url()}`);
}

/**
 * The ids of the lists on the visitor's /work page (queue-clerk, queue-reviewer, queue-approver,
 * verifications …) that list the case with this number.
 */
export async function workListsWith(page, number) {
  await page.goto('/work');
  return page.locator('main section[id]:has(table)').evaluateAll((sections, n) => sections
    .filter((s) => [...s.querySelectorAll('tbody td:first-child a')].some((a) => a.textContent.trim() === n))
    .map((s) => s.id), number);
}

/** The status cell of the case page's material row whose name contains `name`. */
export async function materialStatus(page, name) {
  const row = page.locator('#materials tbody tr', { has: page.locator('td:first-child', { hasText: name }) });
  assert.equal(await row.count(), 1, `no single ${name} material row: ${await problem(page)}`);
  return (await row.locator('td:nth-child(2)').innerText()).trim();
}

/** The id in a /cases/ID URL. */
export function caseId(url) {
  const m = new URL(url).pathname.match(/^\/cases\/([^/?]+)$/);
  assert.ok(m, `not a case page: ${url}`);
  return m[1];
}

/** On an open guide, the logged-in applicant clicks 在线申请: returns the new draft's id. */
export async function applyFromGuide(page) {
  const apply = page.locator('#apply');
  assert.equal(await apply.count(), 1, 'the guide offers no 在线申请 button to a logged-in applicant');
  await Promise.all([page.waitForURL(/\/cases\/[^/?]+$/), apply.click()]);
  assert.equal(await caseState(page), '草稿');
  return caseId(page.url());
}

/** The applicant opens the food business licence guide and clicks 在线申请: a new draft. */
export async function applyOnline(page) {
  const code = await openFoodGuide(page);
  return { code, id: await applyFromGuide(page) };
}

/**
 * Fills every field of a form (`#case-form` or `#bundle-form`) with a value valid for its
 * type: the first real option of a select, today for a date, a mobile number, a number,
 * text elsewhere. Tests then overwrite what they care about.
 */
export async function fillForm(page, form = '#case-form') {
  for (const el of await page.locator(`${form} [name^=f_]`).all()) {
    if (!(await el.isEditable())) continue;
    if ((await el.evaluate((e) => e.tagName)) === 'SELECT') {
      const options = await el.locator('option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
      await el.selectOption(options[0]);
      continue;
    }
    const type = await el.getAttribute('type');
    const today = new Date().toISOString().slice(0, 10);
    const value = { date: today, tel: '13900000000', number: '10' }[type] ?? '演示填写';
    await el.fill(value);
  }
}

/** Uploads a PDF, named after the material, for every core material (核心材料) of the case. */
export async function uploadKeyMaterials(page, dir) {
  for (const row of await page.locator('#materials tbody tr').all()) {
    if ((await row.locator('.tag', { hasText: '核心' }).count()) === 0) continue;
    // A 告知承诺书 signed on the platform has nothing to upload.
    if ((await row.locator('input[type=file]').count()) === 0) continue;
    const name = (await row.locator('label[for^=file_]').textContent()).trim().replace(/^上传/, '');
    await row.locator('input[type=file]').setInputFiles(pdf(dir, name));
  }
}

/** Material names by file input index, from the upload labels (上传<name>). */
export async function materialNames(page) {
  return page.locator('#materials label[for^=file_]').evaluateAll((labels) =>
    labels.map((l) => l.textContent.trim().replace(/^上传/, '')));
}

/** Opens the case with this number from the given queue of the visitor's /work page. */
export function openFromQueue(page, role, number, id) {
  return openFromWorkList(page, `queue-${role}`, number, id);
}

/** Opens the case with this number from the list with this id on the visitor's /work page. */
export async function openFromWorkList(page, list, number, id) {
  await page.goto('/work');
  const link = page.locator(`#${list} tbody td:first-child a`, { hasText: number });
  assert.equal(await link.count(), 1,
    `case ${number} is not in #${list}: ${(await page.locator(`#${list}`).innerText()).replace(/\s+/g, ' ')}`);
  assert.equal(await link.getAttribute('href'), `/cases/${id}`);
  await Promise.all([page.waitForURL(new RegExp(`/cases/${id}$`)), link.click()]);
}
