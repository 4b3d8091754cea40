// End-to-end: the front end against an engine that asks for a token
// (--token, with --token-reads 1 so the model list and the WebSocket need
// it too). The page must say so and offer a field; once the user enters the
// token it is kept in the browser and everything works: models, start,
// live values over the WebSocket (?token=).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ARTIFACTS, CHROMIUM, Stack } from "./harness.mjs";

if (!fs.existsSync(CHROMIUM)) {
  console.log(`SKIP: no chromium at ${CHROMIUM} (scripts/setup.sh installs it)`);
  process.exit(77);
}

const TOKEN = "e2e-token-42";
const stack = new Stack();
const tid = (id) => `[data-testid="${id}"]`;
let page;

describe("access token in the front end", { timeout: 120000 }, () => {
  before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await stack.startRedis();
    await stack.startEngine({ workers: 1, extra: ["--token", TOKEN, "--token-reads", "1"], token: TOKEN });
    page = await (await stack.browser()).newPage();
    page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  });

  after(async () => {
    await stack.stop();
  });

  test("a 401 shows the token field; with the token the page works and stays live", async () => {
    await page.goto(stack.base + "/");
    await page.waitForSelector(tid("token-prompt"));
    await page.screenshot({ path: path.join(ARTIFACTS, "token-prompt.png") });
    await page.fill(`${tid("token-prompt")} input`, "wrong");
    await Promise.all([page.waitForEvent("load"), page.click(`${tid("token-prompt")} button`)]);
    // A wrong token: asked again, saying so.
    await page.waitForSelector(tid("token-prompt"));
    assert.match(await page.textContent(tid("token-prompt")), /refused/);
    await page.fill(`${tid("token-prompt")} input`, TOKEN);
    await Promise.all([page.waitForEvent("load"), page.click(`${tid("token-prompt")} button`)]);
    await page.waitForSelector(tid("model-card-spring-damper"));
    assert.equal(await page.$(tid("token-prompt")), null);

    await page.goto(`${stack.base}/models/spring-damper`);
    await page.click(tid("start-button"));
    await page.waitForURL(/\/sims\/[^/]+$/);
    await page.waitForSelector(`${tid("conn-state")}[data-state="open"]`);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="sim-time"]')?.dataset.t) > 0);
    const simId = new URL(page.url()).pathname.split("/").pop();
    assert.equal((await stack.api("GET", `/api/sims/${simId}`)).body.status, "running");
    await stack.api("DELETE", `/api/sims/${simId}`);
  });
});
