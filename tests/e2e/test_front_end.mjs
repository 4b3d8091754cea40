// End-to-end: the built front end served by a real pde-engine (with its
// workers and a real redis-server), driven in Debian's chromium. Opens
// the welcome page and every model, starts a sim from the page, watches
// outputs change, steers it from two browsers, reads history and CSV,
// rides out an engine restart, stops and restarts; saves a screenshot of
// every model page to build/e2e-artifacts/ and prints load timings.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ARTIFACTS, CHROMIUM, Stack, sleep, waitFor } from "./harness.mjs";

if (!fs.existsSync(CHROMIUM)) {
  console.log(`SKIP: no chromium at ${CHROMIUM} (scripts/setup.sh installs it)`);
  process.exit(77);
}

const stack = new Stack();
const timings = {};
let models;
let browserA;
let pageA;
let simId;

const tid = (id) => `[data-testid="${id}"]`;
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
const dataValue = async (page, tag) => Number(await page.getAttribute(tid(`value-${tag}`), "data-value"));

async function newPage(browser) {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  // Refused writes (400, 409) are expected; anything else is worth seeing.
  page.on("console", (m) => m.type() === "error" && !/status of 40[09]/.test(m.text()) && console.error(`console: ${m.text()}`));
  return page;
}

// Time from navigation to the first live value on a sim page.
async function openSim(page, id) {
  const t0 = Date.now();
  await page.goto(`${stack.base}/sims/${id}`);
  await page.waitForSelector(`${tid("conn-state")}[data-state="open"]`);
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid="sim-time"]');
    return el && el.dataset.t !== "" && Number(el.dataset.t) > 0;
  });
  return Date.now() - t0;
}

describe("front end", { timeout: 180000 }, () => {
  before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const f of fs.readdirSync(ARTIFACTS)) if (/^pde-.*\.csv$/.test(f)) fs.rmSync(path.join(ARTIFACTS, f));
    await stack.startRedis();
    await stack.startEngine({ workers: 2 });
    models = (await stack.api("GET", "/api/models/")).body;
    browserA = await stack.browser();
    pageA = await newPage(browserA);
  });

  after(async () => {
    const f = path.join(ARTIFACTS, "timings.json");
    fs.writeFileSync(f, JSON.stringify(timings, null, 2));
    console.log("timings (ms):", JSON.stringify(timings));
    await stack.stop();
  });

  test("the welcome page lists every model and the sims running now", async () => {
    const running = (await stack.api("GET", "/api/models/wood-berry/start")).body.sim_id;
    const t0 = Date.now();
    await pageA.goto(stack.base + "/");
    await pageA.waitForSelector(tid(`model-card-${models.at(-1).id}`));
    timings.welcome_until_models_shown = Date.now() - t0;
    const nav = await pageA.evaluate(() => {
      const n = performance.getEntriesByType("navigation")[0];
      return { dom_content_loaded: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) };
    });
    timings.welcome_dom_content_loaded = nav.dom_content_loaded;
    timings.welcome_load_event = nav.load;
    for (const m of models) {
      const card = pageA.locator(tid(`model-card-${m.id}`));
      assert.match(await card.innerText(), new RegExp(m.title.replace(/[()]/g, ".")));
      assert.ok((await card.innerText()).includes(m.description.slice(0, 40)));
    }
    await pageA.waitForSelector(tid(`sim-row-${running}`), { timeout: 5000 });
    await shot(pageA, "welcome");
    await stack.api("DELETE", `/api/sims/${running}`);
  });

  test("every model page has a control per input, a trend per output, and all its tags on its picture", async () => {
    for (const m of models) {
      await pageA.goto(`${stack.base}/models/${m.id}`);
      await pageA.waitForSelector(tid("process-picture"));
      const inputs = m.tags.filter((t) => t.kind === "input");
      const outputs = m.tags.filter((t) => t.kind === "output");
      assert.equal(await pageA.locator('[data-testid^="control-"]').count(), inputs.length, `${m.id}: one control per input`);
      for (const t of outputs) assert.equal(await pageA.locator(tid(`trend-card-${t.name}`)).count(), 1, `${m.id}: trend of ${t.name}`);
      for (const t of inputs) {
        const isSwitch = t.min === 0 && t.max === 1 && t.name.endsWith(".MODE");
        const sel = isSwitch ? tid(`switch-${t.name}-AUTO`) : tid(`slider-${t.name}`);
        assert.equal(await pageA.locator(sel).count(), 1, `${m.id}: ${isSwitch ? "buttons" : "slider"} for ${t.name}`);
      }
      const onPicture = await pageA.evaluate(() =>
        [...document.querySelectorAll('[data-testid="process-picture"] [data-testid]')].map((e) => e.dataset.testid),
      );
      for (const t of m.tags) {
        const ids = ["pic-value-", "pic-control-", "pic-input-", "pic-switch-"].map((p) => p + t.name);
        assert.ok(ids.some((id) => onPicture.includes(id)), `${m.id}: ${t.name} is on the picture`);
      }
      await shot(pageA, `model-${m.id}`);
    }
  });

  test("spring-damper-split starts from its page: two parts, its own 100 s", async () => {
    await pageA.goto(`${stack.base}/models/spring-damper-split`);
    await pageA.selectOption(tid("time-scale"), "10");
    await pageA.click(tid("start-button"));
    await pageA.waitForURL(/\/sims\/[^/]+$/);
    const id = new URL(pageA.url()).pathname.split("/").pop();
    await pageA.waitForFunction(() => Number(document.querySelector('[data-testid="sim-time"]')?.dataset.t) > 1);
    const record = (await stack.api("GET", `/api/sims/${id}`)).body;
    assert.equal(record.duration, 100);
    assert.notEqual(record.parts.velocity, record.parts.position, "the parts run on two workers");
    await stack.api("DELETE", `/api/sims/${id}`);
  });

  test("Start shows the SimID, puts it in the URL, and outputs change", async () => {
    await pageA.goto(`${stack.base}/models/spring-damper`);
    await pageA.selectOption(tid("time-scale"), "10");
    await pageA.click(tid("start-button"));
    await pageA.waitForURL(/\/sims\/[^/]+$/);
    simId = new URL(pageA.url()).pathname.split("/").pop();
    assert.equal(await pageA.textContent(tid("sim-id")), simId);
    await pageA.waitForFunction(() => document.querySelector('[data-testid="sim-status"]')?.textContent === "running");
    await pageA.waitForFunction(() => Number(document.querySelector('[data-testid="sim-time"]')?.dataset.t) > 1);
    const x1 = await dataValue(pageA, "x");
    await waitFor(async () => (await dataValue(pageA, "x")) !== x1, { timeout: 5000, what: "x to change" });
    const record = (await stack.api("GET", `/api/sims/${simId}`)).body;
    assert.equal(record.model, "spring-damper");
    assert.equal(record.time_scale, 10);
    // Trends: a window of 1 min, and a hover readout with time, value, unit.
    await pageA.click(tid("window-1m"));
    assert.equal(await pageA.getAttribute(tid("window-1m"), "aria-pressed"), "true");
    const box = await pageA.locator(`${tid("trend-x")} .hover-catcher`).boundingBox();
    await pageA.mouse.move(box.x + box.width * 0.05, box.y + box.height / 2);
    assert.match(await pageA.textContent(tid("readout-x")), /^[\d.]+ s: -?[\d.]+ m$/);
    assert.match(await pageA.textContent(tid("readout-v")), / m\/s$/, "every trend reads out the same time");
  });

  test("moving a control sends it to the sim, and the accepted value shows", async () => {
    await pageA.fill(tid("field-F"), "2.5");
    await pageA.press(tid("field-F"), "Enter");
    await pageA.waitForSelector(`${tid("write-F")}[data-state="accepted"]`);
    assert.equal((await stack.api("GET", `/api/sims/${simId}/F`)).body.value, 2.5);
    // The slider: one step right with the keyboard.
    await pageA.focus(tid("slider-F"));
    await pageA.keyboard.press("ArrowRight");
    await waitFor(async () => (await stack.api("GET", `/api/sims/${simId}/F`)).body.value === 2.52, { what: "the slider's value in the sim" });
    await pageA.waitForFunction(() => /2\.52 N in force from t =/.test(document.querySelector('[data-testid="write-F"]').textContent));
  });

  test("a second browser on the same URL watches and steers the same sim", async () => {
    const browserB = await stack.browser();
    const pageB = await newPage(browserB);
    timings.sim_page_until_first_live_value = await openSim(pageB, simId);
    assert.equal(await dataValue(pageB, "F"), 2.52);
    // A acts, B sees it (within a sample time: 0.1 s of wall time here).
    let t0 = Date.now();
    await pageA.fill(tid("field-F"), "-4");
    await pageA.press(tid("field-F"), "Enter");
    await pageB.waitForFunction(() => document.querySelector('[data-testid="value-F"]').dataset.value === "-4", null, { timeout: 2000 });
    timings.action_seen_by_other_page = Date.now() - t0;
    assert.equal(await pageB.inputValue(tid("field-F")), "-4.00");
    // B acts, A sees it.
    t0 = Date.now();
    await pageB.fill(tid("field-F"), "1");
    await pageB.press(tid("field-F"), "Enter");
    await pageA.waitForFunction(() => document.querySelector('[data-testid="value-F"]').dataset.value === "1", null, { timeout: 2000 });
    timings.action_seen_by_other_page_back = Date.now() - t0;
    // B's picture follows too (its next redraw).
    await pageB.waitForFunction(() => document.querySelector('[data-testid="pic-input-F"]').value === "1.00", null, { timeout: 2000 });
    await browserB.close();
  });

  test("a refused value is shown with the engine's reason", async () => {
    await pageA.fill(tid("field-F"), "99");
    await pageA.press(tid("field-F"), "Enter");
    await pageA.waitForSelector(`${tid("write-F")}[data-state="error"]`);
    assert.match(await pageA.textContent(tid("write-F")), /F must be from -10 to 10 N/);
    assert.equal((await stack.api("GET", `/api/sims/${simId}/F`)).body.value, 1, "nothing changed");
  });

  test("the history view plots the whole run, and CSV has every tag", async () => {
    const [download] = await Promise.all([pageA.waitForEvent("download"), pageA.click(tid("csv-button"))]);
    const csv = fs.readFileSync(await download.path(), "utf8").trim().split("\n");
    assert.equal(csv[0], "t_s,F [N],x [m],v [m/s]");
    assert.ok(csv.length > 5, `${csv.length} CSV lines`);
    fs.copyFileSync(await download.path(), path.join(ARTIFACTS, download.suggestedFilename()));

    await pageA.click(tid("history-link"));
    await pageA.waitForURL(/\/history$/);
    await pageA.waitForFunction(() => Number(document.querySelector('[data-testid="history-x"]')?.dataset.points) > 5);
    await pageA.check(tid("history-pick-F"));
    await pageA.waitForFunction(() => Number(document.querySelector('[data-testid="history-F"]')?.dataset.points) > 1);
    await shot(pageA, "history-spring-damper");
    await pageA.goBack();
    await pageA.waitForSelector(tid("sim-bar"));
  });

  test("the live link shows when it is down and comes back by itself", async () => {
    await pageA.waitForSelector(`${tid("conn-state")}[data-state="open"]`);
    await stack.stopEngine();
    await pageA.waitForSelector(`${tid("conn-state")}[data-state="down"]`, { timeout: 5000 });
    await shot(pageA, "link-down");
    await stack.startEngine({ workers: 2 });
    const t0 = Date.now();
    await pageA.waitForSelector(`${tid("conn-state")}[data-state="open"]`, { timeout: 10000 });
    timings.reconnect_after_engine_back = Date.now() - t0;
  });

  test("Stop ends the sim; Restart starts a new one of the same model", async () => {
    const { body } = await stack.api("POST", "/api/models/spring-damper/start", { time_scale: 10 });
    await openSim(pageA, body.sim_id);
    await pageA.click(tid("stop-button"));
    await pageA.waitForFunction(() => document.querySelector('[data-testid="sim-status"]')?.textContent === "stopped");
    assert.equal((await stack.api("GET", `/api/sims/${body.sim_id}`)).body.status, "stopped");
    assert.equal(await pageA.isDisabled(tid("field-F")), true, "an ended sim takes no actions");
    await pageA.click(tid("restart-button"));
    await pageA.waitForURL((u) => u.pathname.startsWith("/sims/") && !u.pathname.endsWith(body.sim_id));
    const again = new URL(pageA.url()).pathname.split("/").pop();
    const rec = (await stack.api("GET", `/api/sims/${again}`)).body;
    assert.equal(rec.model, "spring-damper");
    assert.equal(rec.time_scale, 10);
    await pageA.waitForFunction(() => document.querySelector('[data-testid="sim-status"]')?.textContent === "running");
    await stack.api("DELETE", `/api/sims/${again}`);
  });

  test("every model runs live on its page (screenshots)", async () => {
    for (const m of models) {
      const { body } = await stack.api("POST", `/api/models/${m.id}/start`, { time_scale: 60 });
      timings[`sim_page_${m.id}`] = await openSim(pageA, body.sim_id);
      const out = m.tags.find((t) => t.kind === "output");
      await pageA.waitForFunction((name) => document.querySelector(`[data-testid="value-${name}"]`)?.dataset.value !== "", out.name);
      await pageA.waitForFunction(() => Number(document.querySelector('[data-testid="sim-time"]')?.dataset.t) >= 60);
      await shot(pageA, `sim-${m.id}`);
      await stack.api("DELETE", `/api/sims/${body.sim_id}`);
    }
  });
});
