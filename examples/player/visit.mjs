// Sends viewers to pages in a running Chromium and reports what the browser did. It drives the
// browser over the DevTools protocol with playwright-core, which downloads no browser of its own;
// tests/it/browser.rs runs it, and so can a person (see README.md).
//
//   node visit.mjs CDP_ENDPOINT < PLANS
//
// CDP_ENDPOINT is the ws://… address Chromium prints when started with --remote-debugging-port.
// Each line of stdin is one viewer's plan, {"id": …, "visits": [{"url": …, "timeout_ms": …}, …]};
// plans run side by side, each viewer in a browser context of its own (an empty cookie jar), its
// visits one after the other. For each plan one line goes to stdout, once it is done: {"id": …,
// "visits": [{"url", "ms", "timed_out", "player", "requests", "cookies"}, …]}, or {"id": …,
// "error": …}. A visit ends when the player page (window.player) has an outcome, played to the end
// or failed, or at its timeout (then "timed_out": true). At the end of stdin, once every plan is
// answered, it exits.
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const endpoint = process.argv[2];
if (!endpoint) {
  console.error('usage: node visit.mjs CDP_ENDPOINT < PLANS');
  process.exit(2);
}
const browser = await chromium.connectOverCDP(endpoint);

// One visit: every request the page made, in the order they were issued, with its answer.
async function visit(context, { url, timeout_ms: timeout = 15000 }) {
  const began = Date.now();
  const page = await context.newPage();
  const issued = new Map();
  const requests = [];
  page.on('request', (request) => issued.set(request, issued.size));
  // Each answer is read when the request is finished (a redirect is finished when its 3xx
  // arrives; the request that follows it is a new one) or has failed.
  const settled = [];
  const settle = (request, failure) =>
    settled.push(
      (async () => {
        const response = failure === null ? await request.response() : null;
        const sent = await request.allHeaders();
        const received = response ? await response.allHeaders() : {};
        requests.push({
          order: issued.get(request),
          url: request.url(),
          method: request.method(),
          type: request.resourceType(),
          status: response ? response.status() : null,
          location: received['location'] ?? null,
          set_cookie: received['set-cookie'] ?? null,
          allow_origin: received['access-control-allow-origin'] ?? null,
          allow_credentials: received['access-control-allow-credentials'] ?? null,
          cookie: sent['cookie'] ?? null,
          origin: sent['origin'] ?? null,
          failure,
        });
      })(),
    );
  page.on('requestfinished', (request) => settle(request, null));
  page.on('requestfailed', (request) => settle(request, request.failure()?.errorText ?? 'failed'));

  let timedOut = false;
  try {
    await page.goto(url, { timeout });
    await page.waitForFunction(() => window.player && window.player.outcome, null, { timeout, polling: 50 });
  } catch {
    timedOut = true;
  }
  const player = await page.evaluate(() => window.player ?? null);
  await Promise.all(settled);
  await page.close();
  requests.sort((a, b) => a.order - b.order);
  const cookies = await context.cookies();
  return { url, ms: Date.now() - began, timed_out: timedOut, player, requests, cookies };
}

async function view(plan) {
  const context = await browser.newContext();
  try {
    const visits = [];
    for (const v of plan.visits) visits.push(await visit(context, v));
    return { id: plan.id ?? null, visits };
  } finally {
    await context.close();
  }
}

const answered = [];
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  let plan;
  try {
    plan = JSON.parse(line);
  } catch (e) {
    process.stdout.write(JSON.stringify({ id: null, error: `not a plan: ${e.message}` }) + '\n');
    continue;
  }
  answered.push(
    view(plan).then(
      (report) => process.stdout.write(JSON.stringify(report) + '\n'),
      (e) => process.stdout.write(JSON.stringify({ id: plan.id ?? null, error: String(e.stack ?? e) }) + '\n'),
    ),
  );
}
await Promise.all(answered);
process.exit(0);
