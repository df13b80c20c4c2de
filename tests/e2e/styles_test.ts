/**
 * The stylesheet in a real browser at phone width: a `.wrap` cell in a wide table keeps its
 * words whole (QA: /incidents, /timeline, /breaches broke "Compromise indicator" into 1-3
 * letter lines, rows 600 px tall) and the table scrolls inside its `.table-wrap`, never the page.
 */
import { deepEqual, ok } from "node:assert/strict";
import { launchChromium } from "@/lib/fresh/testing.ts";

const CSS = await Deno.readTextFile(new URL("../../static/styles.css", import.meta.url));

const TITLE = "Compromise indicator found on the host during an integrity check";
const words = (s: string) => s.split(" ").map((w) => `<span class="w">${w}</span>`).join(" ");

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><style>${CSS}</style></head>
<body><main class="page"><div class="table-wrap" tabindex="0" role="region" aria-label="t">
<table><thead><tr><th>Title</th><th>Severity</th><th>State</th><th>Host</th><th>Opened</th>
<th>Last seen</th><th>Reopened</th></tr></thead><tbody><tr>
<th scope="row" class="wrap"><a href="#">${
  words(TITLE)
}</a> <code class="host-slug">integrity.indicator_found</code></th>
<td>critical</td><td>acknowledged</td><td>web-production-01</td>
<td class="nowrap">2026-11-25 16:56 UTC</td><td class="nowrap">2026-11-25 16:56 UTC</td><td>3</td>
</tr><tr><td class="wrap">${words("Detail: unexpected setuid binary appeared")}
<p class="wrap">${words("Integrity database mismatch")}</p></td>
<td>high</td><td>open</td><td>db-1</td><td>x</td><td>x</td><td>1</td></tr></tbody></table></div>
</main></body></html>`;

Deno.test("[e2e] styles: at 375 px table cells marked .wrap keep words whole; the table scrolls in its wrapper", async () => {
  await using browser = await launchChromium();
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 375, height: 800 });
  await page.setContent(PAGE);
  const split = await page.evaluate(() =>
    [...document.querySelectorAll("span.w")]
      .filter((s) => s.getClientRects().length > 1)
      .map((s) => s.textContent)
  );
  deepEqual(split, [], "no word breaks across lines");
  const rowHeight = await page.evaluate(() =>
    document.querySelector("tbody tr")!.getBoundingClientRect().height
  );
  ok(rowHeight < 200, `first row is ${rowHeight}px tall`);
  const scroll = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    wrap: (() => {
      const w = document.querySelector(".table-wrap")!;
      return w.scrollWidth - w.clientWidth;
    })(),
  }));
  ok(scroll.page <= 1, `the page scrolls sideways by ${scroll.page}px`);
  ok(scroll.wrap > 0, "the table scrolls sideways inside .table-wrap");
});
