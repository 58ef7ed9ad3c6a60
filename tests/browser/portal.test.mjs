// The reference portal page in a real browser (Debian's chromium through
// puppeteer-core) against the real moderation-portal, moderation-server and
// redis-server: the comment form as a reader uses it, with and without
// JavaScript, and its accessibility (axe-core). Screenshots of the form go to
// BROWSER_SCREENSHOTS_DIR.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test as nodeTest } from "node:test";

import { Stack, axeSource } from "./harness.mjs";

const kPending = "Bình luận của bạn đang chờ duyệt.";
const screenshots = process.env.BROWSER_SCREENSHOTS_DIR;

const stack = new Stack();
let failed = false;

// A test whose failure also prints the portal's and the server's logs.
function test(name, body) {
  nodeTest(name, async () => {
    try {
      await body();
    } catch (error) {
      failed = true;
      throw error;
    }
  });
}

async function screenshot(page, name) {
  if (!screenshots) {
    return;
  }
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, name), fullPage: true });
}

// Serious and critical findings of axe-core (WCAG 2.x A and AA rules and its
// best practices) on the page as it is now.
async function axeFindings(page) {
  // Through the DevTools protocol, which the page's Content-Security-Policy
  // (scripts from the portal only) does not apply to.
  await page.evaluate(readFileSync(axeSource, "utf8"));
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const run = await axe.run(document, { resultTypes: ["violations"] });
    return run.violations.map((v) => ({
      id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")),
    }));
  });
  return results.filter((v) => v.impact === "serious" || v.impact === "critical");
}

async function openArticle(page, articleId, query = "") {
  const response = await page.goto(`${stack.portalUrl}/bai-viet/${articleId}${query}`);
  assert.equal(response.status(), 200);
  return response;
}

async function fill(page, values) {
  for (const [field, value] of Object.entries(values)) {
    await page.$eval(`#${field}`, (element, text) => {
      element.value = text;
    }, value);
  }
}

async function captchaAnswer(page) {
  const answer = await page.$eval("#captcha-image", (img) => img.dataset.devAnswer);
  assert.ok(answer, "the server runs in reveal mode: the page carries the answer");
  return answer;
}

function wrongAnswer(answer) {
  return answer === "XXXXX" ? "YYYYY" : "XXXXX";
}

// Has the page's ALTCHA widget solve the server's proof of work, as it does
// once a reader focuses the form, and waits for its payload in the form.
async function solveProofOfWork(page) {
  const widget = await page.$("altcha-widget");
  assert.ok(widget, "the server asks for a proof of work: the page shows the widget");
  await page.$eval("altcha-widget", (element) => {
    const field = element.querySelector("input[name=altcha]");
    if (!field || !field.value) {
      element.verify();
    }
  });
  await page.waitForFunction(() => {
    const field = document.querySelector("altcha-widget input[name=altcha]");
    return field && field.value.length > 0;
  });
}

// Submits the form (the proof of work solved first) and returns the HTTP
// response of the page that comes back (after the redirect, for a comment
// that was taken).
async function submit(page) {
  await solveProofOfWork(page);
  const [response] = await Promise.all([page.waitForNavigation(), page.click("#gui")]);
  return response;
}

async function text(page, selector) {
  return page.$eval(selector, (element) => element.textContent.trim());
}

async function isShown(page, selector) {
  return page.$eval(selector, (element) => !element.hidden && element.offsetParent !== null);
}

function comment(n) {
  return {
    name: "Nguyễn Thị Hoa",
    // One number per comment: the service limits comments per phone too.
    phone: `0903 123 ${400 + n}`,
    title: `Ý kiến về đường liên xã ${n}`,
    body: `Đoạn đường qua thôn ${n} xuống cấp đã lâu.\nMong sớm được sửa chữa trước mùa mưa.`,
  };
}

describe("the portal's comment form in Chromium", { timeout: 570000 }, () => {
  before(async () => {
    try {
      await stack.start({ pageSize: 2 });
    } catch (error) {
      failed = true;
      throw error;
    }
  });

  after(async () => {
    await stack.stop();
    if (failed) {
      for (const name of ["portal", "server"]) {
        console.error(`---- ${name} log ----\n${stack.log(name)}`);
      }
    }
    stack.cleanUp();
  });

  test("the empty form: labels, required marks, lang, keyboard order, no serious axe finding",
    async () => {
      const page = await stack.newPage("203.0.113.10");
      await openArticle(page, "thoi-su-1");
      assert.equal(await page.$eval("html", (html) => html.lang), "vi");
      const labels = await page.$$eval("form label", (all) =>
        all.filter((label) => label.offsetParent !== null)
          .map((label) => [label.textContent.trim(), label.htmlFor]));
      // The last is the proof-of-work widget's checkbox, whose id it makes up.
      const widgetLabel = labels.pop();
      assert.deepEqual(labels, [
        ["Họ tên (*)", "name"], ["Số điện thoại", "phone"], ["Tiêu đề (*)", "title"],
        ["Nội dung (*)", "body"], ["Mã xác nhận", "captcha_answer"],
      ]);
      assert.equal(widgetLabel[0], "Tôi không phải là robot");
      assert.match(widgetLabel[1], /^altcha_checkbox/);
      assert.equal(await text(page, "#captcha-refresh"), "Lấy lại mã bảo mật");
      assert.equal(await text(page, "#captcha-audio"), "Nghe mã");
      const alt = await page.$eval("#captcha-image", (img) => img.alt);
      assert.match(alt, /Mã xác nhận/);
      assert.ok(!alt.includes(await captchaAnswer(page)), "the text alternative hides the code");

      // Tab from the top of the page walks the form in reading order.
      const order = [];
      for (let i = 0; i < 9; i++) {
        await page.keyboard.press("Tab");
        order.push(await page.evaluate(() => document.activeElement.id));
      }
      assert.deepEqual(order, ["name", "phone", "title", "body", "captcha_answer",
        "captcha-refresh", "captcha-audio", widgetLabel[1], "gui"]);

      assert.deepEqual(await axeFindings(page), []);
      // The proof-of-work widget's files, from the altcha npm package.
      for (const [file, type] of [["altcha/altcha.js", /javascript/], ["altcha/worker.js",
        /javascript/], ["altcha/altcha.css", /css/], ["altcha-i18n/vi.js", /javascript/]]) {
        const response = await fetch(`${stack.portalUrl}/static/${file}`);
        assert.equal(response.status, 200, file);
        assert.match(response.headers.get("content-type"), type, file);
      }
      await page.evaluate(() => document.activeElement.blur());
      await screenshot(page, "portal-form.png");
      await page.close();
    });

  test("a wrong captcha shows the error at the field, a new image, and keeps what was typed",
    async () => {
      const page = await stack.newPage("203.0.113.11");
      await openArticle(page, "thoi-su-1");
      const before = await page.$eval("#captcha-image", (img) => img.src);
      const typed = comment(1);
      await fill(page, { ...typed, captcha_answer: wrongAnswer(await captchaAnswer(page)) });
      const response = await submit(page);
      assert.equal(response.status(), 422);
      assert.match(await text(page, "#captcha_answer-loi"), /Mã xác nhận không đúng/);
      assert.equal(await page.$eval("#captcha_answer", (e) => e.getAttribute("aria-invalid")),
        "true");
      assert.notEqual(await page.$eval("#captcha-image", (img) => img.src), before);
      for (const [field, value] of Object.entries(typed)) {
        assert.equal(await page.$eval(`#${field}`, (e) => e.value), value, field);
      }
      assert.equal(await page.$eval("#captcha_answer", (e) => e.value), "");
      assert.deepEqual(await axeFindings(page), []);
      await page.close();
    });

  test("a visually empty name is refused next to the name field", async () => {
    const page = await stack.newPage("203.0.113.12");
    await openArticle(page, "thoi-su-1");
    // Spaces only. (A name of only invisible characters, U+200B or U+00A0,
    // is still taken by the service: see docs/portal.md.)
    await fill(page, { ...comment(2), name: "   ", phone: "12345",
      captcha_answer: await captchaAnswer(page) });
    const response = await submit(page);
    assert.equal(response.status(), 422);
    assert.match(await text(page, "#name-loi"), /Họ tên/);
    assert.equal(await page.$eval("#name", (e) => e.getAttribute("aria-describedby")), "name-loi");
    assert.match(await text(page, "#phone-loi"), /Số điện thoại không hợp lệ/);
    assert.equal(await page.$eval("#title", (e) => e.value), comment(2).title);
    assert.deepEqual(await axeFindings(page), []);
    await screenshot(page, "portal-errors.png");
    await page.close();
  });

  test("“Lấy lại mã bảo mật” puts a new code in place, typed text untouched", async () => {
    const page = await stack.newPage("203.0.113.13");
    await openArticle(page, "thoi-su-1");
    await fill(page, { name: "Lê Minh Đức" });
    const before = await page.$eval("#captcha-image", (img) => [img.src, img.dataset.devAnswer]);
    const id = await page.$eval("#captcha_id", (e) => e.value);
    await page.click("#captcha-refresh");
    await page.waitForFunction((src) => document.getElementById("captcha-image").src !== src, {},
      before[0]);
    assert.notEqual(await page.$eval("#captcha_id", (e) => e.value), id);
    assert.notEqual(await captchaAnswer(page), before[1]);
    assert.equal(page.url(), `${stack.portalUrl}/bai-viet/thoi-su-1`, "no page load");
    assert.equal(await page.$eval("#name", (e) => e.value), "Lê Minh Đức");
    await page.close();
  });

  test("“Nghe mã” fetches a playable WAV of a new, digits-only code", async () => {
    const page = await stack.newPage("203.0.113.14");
    await openArticle(page, "thoi-su-1");
    await page.click("#captcha-audio");
    await page.waitForFunction(() => {
      const player = document.getElementById("captcha-audio-player");
      return !player.hidden && player.src.startsWith("data:audio/wav;base64,");
    });
    const src = await page.$eval("#captcha-audio-player", (player) => player.src);
    const wav = Buffer.from(src.slice(src.indexOf(",") + 1), "base64");
    assert.equal(wav.toString("ascii", 0, 4), "RIFF");
    assert.equal(wav.toString("ascii", 8, 12), "WAVE");
    assert.equal(wav.readUInt32LE(4), wav.length - 8, "RIFF size matches the file");
    assert.ok(wav.length > 16000, `a spoken code, not a stub: ${wav.length} bytes`);
    // Chromium itself decodes it: a playable file with a length.
    const seconds = await page.$eval("#captcha-audio-player", (player) => new Promise((resolve) => {
      if (player.readyState >= 1) {
        resolve(player.duration);
      }
      player.addEventListener("loadedmetadata", () => resolve(player.duration));
      player.addEventListener("error", () => resolve(-1));
    }));
    assert.ok(seconds > 1, `duration ${seconds} s`);
    assert.match(await captchaAnswer(page), /^[0-9]+$/);
    await page.close();
  });

  test("a right answer shows the pending message; once approved the comment is listed",
    async () => {
      const page = await stack.newPage("203.0.113.15");
      await openArticle(page, "thoi-su-1");
      const typed = comment(3);
      await fill(page, { ...typed, captcha_answer: await captchaAnswer(page) });
      const response = await submit(page);
      assert.equal(response.status(), 200);
      assert.equal(await text(page, "#thong-bao-thanh-cong"), kPending);
      assert.equal(await page.$eval("#name", (e) => e.value), "", "a fresh form");
      assert.ok(!(await page.content()).includes(typed.title), "not shown before approval");
      assert.deepEqual(await axeFindings(page), []);
      await screenshot(page, "portal-success.png");

      const queue = JSON.parse(await stack.modctl("--output", "json", "queue", "--article",
        "thoi-su-1"));
      const pending = queue.comments.filter((c) => c.title === typed.title);
      assert.equal(pending.length, 1);
      // The portal forwarded the reader (the proxy's X-Forwarded-For) and the
      // browser's user agent.
      assert.equal(pending[0].client_network, "203.0.113.0/24");
      assert.equal(pending[0].user_agent, await stack.browser.userAgent());
      await stack.modctl("approve", pending[0].comment_id);
      await page.reload();
      const listed = await page.$$eval(".comment h3", (all) => all.map((h) => h.textContent));
      assert.deepEqual(listed, [typed.title]);
      assert.match(await text(page, ".comment .author"), /Nguyễn Thị Hoa/);
      await page.close();
    });

  test("without JavaScript: new code and spoken code work by posting the form; sending is " +
    "refused at the proof of work, as the page said beforehand", async () => {
      const page = await stack.newPage("198.51.100.20", { javaScript: false });
      await openArticle(page, "kinh-te-2");
      const typed = comment(4);
      await fill(page, typed);
      const before = await captchaAnswer(page);
      await Promise.all([page.waitForNavigation(), page.click("#captcha-refresh")]);
      assert.notEqual(await captchaAnswer(page), before);
      assert.equal(await page.$eval("#title", (e) => e.value), typed.title);
      await Promise.all([page.waitForNavigation(), page.click("#captcha-audio")]);
      assert.ok(await page.$eval("#captcha-audio-player",
        (p) => !p.hidden && p.src.startsWith("data:audio/wav;base64,UklGR")));
      assert.equal(await page.$eval("#body", (e) => e.value), typed.body);
      assert.match(await text(page, "#can-javascript"), /cần JavaScript/);
      await fill(page, { captcha_answer: await captchaAnswer(page) });
      const [response] = await Promise.all([page.waitForNavigation(), page.click("#gui")]);
      assert.equal(response.status(), 422);
      assert.ok((await text(page, "#altcha-loi")).length > 0, "the refusal at the widget's place");
      assert.equal(await page.$eval("#body", (e) => e.value), typed.body);
      await page.close();
    });

  test("approved comments are paged, newest first", async () => {
    const titles = [];
    for (let n = 5; n < 8; n++) {
      const page = await stack.newPage(`198.51.100.${n}`);
      await openArticle(page, "the-thao-7");
      await fill(page, { ...comment(n), captcha_answer: await captchaAnswer(page) });
      await submit(page);
      assert.equal(await text(page, "#thong-bao-thanh-cong"), kPending);
      titles.push(comment(n).title);
      await page.close();
    }
    const queue = JSON.parse(await stack.modctl("--output", "json", "queue", "--article",
      "the-thao-7"));
    await stack.modctl("approve", ...queue.comments.map((c) => c.comment_id));

    const page = await stack.newPage("198.51.100.9");
    await openArticle(page, "the-thao-7");
    const first = await page.$$eval(".comment h3", (all) => all.map((h) => h.textContent));
    await Promise.all([page.waitForNavigation(), page.click("#trang-sau")]);
    const second = await page.$$eval(".comment h3", (all) => all.map((h) => h.textContent));
    assert.equal(first.length, 2);
    assert.deepEqual([...first, ...second].sort(), [...titles].sort());
    assert.equal(await page.$("#trang-sau"), null, "the last page");
    await page.close();
  });

  test("a burst from one reader gets the rate-limit message and a held submit button",
    async () => {
      const page = await stack.newPage("192.0.2.33");
      let limited = null;
      for (let n = 10; n < 18 && !limited; n++) {
        await openArticle(page, "thoi-su-1");
        const typed = comment(n);
        await fill(page, { ...typed, captcha_answer: await captchaAnswer(page) });
        const response = await submit(page);
        if (response.status() === 429) {
          limited = { response, typed };
        } else {
          assert.equal(await text(page, "#thong-bao-thanh-cong"), kPending);
        }
      }
      assert.ok(limited, "the service's limits refused a burst");
      const retryAfter = Number(limited.response.headers()["retry-after"]);
      assert.ok(retryAfter >= 1, `Retry-After: ${retryAfter}`);
      assert.match(await text(page, "#thong-bao-loi"), /thử lại sau \d+ giây/);
      assert.equal(await page.$eval("#gui", (b) => b.disabled), true);
      assert.match(await text(page, "#cho-gui"), /gửi lại sau \d+ giây/);
      assert.equal(await page.$eval("#title", (e) => e.value), limited.typed.title);
      await page.close();
    });
});
