import { equal, match, ok } from "node:assert/strict";
import { signal } from "@preact/signals";
import type { RouteModule } from "@/lib/fresh/mod.ts";
import { fetchPage } from "@/lib/fresh/testing.ts";
import { islandName } from "@/lib/fresh/islands.ts";
import { reviveIslandProps } from "@/lib/fresh/serialize.ts";
import { fixtureApp, routes } from "./fixture_app.tsx";

function Widget(props: { label: string; count?: { value: number } }) {
  return <span class="widget">{props.label}</span>;
}
function Row(props: { id: string }) {
  return <li class="row">{props.id}</li>;
}
/** An island that renders another island: only the outer one gets markers. */
function Outer(props: { label: string }) {
  return (
    <div class="outer">
      <Widget label={`inner of ${props.label}`} />
    </div>
  );
}
function Uptime(props: { at: Date }) {
  return <time>{props.at.toISOString()}</time>;
}

const islands = {
  "./islands/Widget.tsx": { default: Widget, Row },
  "./islands/Outer.tsx": { default: Outer },
  "./islands/charts/Uptime.tsx": { default: Uptime },
};

function appWith(pages: Record<string, RouteModule>) {
  const errors: unknown[] = [];
  return { app: fixtureApp({ ...routes, ...pages }, { islands, errors }), errors };
}

const payloadOf = (html: string) => {
  const m = /boot\(\{[^}]*\}, (.*)\);<\/script>/s.exec(html);
  ok(m, "boot call present");
  return reviveIslandProps(new Function(`return ${m[1]}`)());
};

Deno.test("[fresh] islands: names from file and export", () => {
  equal(islandName("islands/HostStatus.tsx", "default"), "HostStatus");
  equal(islandName("islands/HostStatus.tsx", "Row"), "HostStatus_Row");
  equal(islandName("./islands/charts/Uptime.tsx", "default"), "charts_Uptime");
});

Deno.test("[fresh] islands: markers, one boot script with the nonce, shared props, preload", async () => {
  const shared = signal(3);
  const { app } = appWith({
    "./routes/isl.tsx": {
      default: () => (
        <section>
          <Widget label="a" count={shared} />
          <Widget label="b" count={shared} />
          <ul>
            <Row id="r1" />
          </ul>
          <Outer label="o" />
          <Uptime at={new Date("2026-01-02T03:04:05.000Z")} />
        </section>
      ),
    },
  });
  const { status, html, headers } = await fetchPage(app, "/isl");
  equal(status, 200);
  ok(html.includes('<!--frsh:island:Widget:0--><span class="widget">a</span><!--/frsh:island-->'));
  ok(html.includes("<!--frsh:island:Widget:1-->"));
  ok(html.includes('<!--frsh:island:Widget_Row:2--><li class="row">r1</li><!--/frsh:island-->'));
  ok(
    html.includes(
      '<!--frsh:island:Outer:3--><div class="outer"><span class="widget">inner of o</span></div>',
    ),
  );
  equal((html.match(/frsh:island:Widget:/g) ?? []).length, 2, "the nested Widget has no markers");
  ok(html.includes("<!--frsh:island:charts_Uptime:4-->"));

  const scripts = html.match(/<script[^>]*>/g) ?? [];
  equal(scripts.length, 1);
  const nonce = /'nonce-([^']+)'/.exec(headers.get("content-security-policy")!)![1];
  equal(scripts[0], `<script type="module" nonce="${nonce}">`);
  ok(html.indexOf("<script") > html.indexOf("</section>") && html.indexOf("</script></body>") > 0);
  match(html, /import \{ default as Widget \} from "\/_app\/test\/islands\/Widget\.js";/);
  match(html, /import \{ Row as Widget_Row \} from "\/_app\/test\/islands\/Widget\.js";/);
  match(html, /import \{ boot \} from "\/_app\/test\/lib\/fresh\/runtime\/client\.js";/);

  const props = payloadOf(html);
  equal(props.length, 5);
  ok(props[0].count === props[1].count, "one signal shared by two islands stays one object");
  equal((props[0].count as { value: number }).value, 3);
  ok(props[4].at instanceof Date);

  const link = headers.get("link") ?? "";
  match(link, /<\/_app\/test\/lib\/fresh\/runtime\/client\.js>; rel="modulepreload"/);
  match(link, /<\/_app\/test\/islands\/Widget\.js>; rel="modulepreload"/);
  match(link, /<\/_app\/test\/islands\/charts\/Uptime\.js>; rel="modulepreload"/);
});

Deno.test("[fresh] islands: hostile strings cannot end the script element", async () => {
  const hostile = "</script><script>alert(1)</script><!--\u2028\u2029";
  const { app } = appWith({ "./routes/xss.tsx": { default: () => <Widget label={hostile} /> } });
  const { html, doc } = await fetchPage(app, "/xss");
  const script = html.slice(html.indexOf("<script"));
  equal(script.indexOf("</script>"), script.length - "</script></body></html>".length);
  ok(!script.includes("<!--") && !script.includes("\u2028") && !script.includes("\u2029"));
  equal(doc.querySelectorAll("script").length, 1);
  equal(payloadOf(html)[0].label, hostile);
});

Deno.test("[fresh] islands: function and JSX props fail at render, naming island and prop", async () => {
  const { app, errors } = appWith({
    "./routes/fn.tsx": {
      default: () => <Widget label="x" count={{ value: 1, onSave: () => {} } as never} />,
    },
    "./routes/jsx.tsx": { default: () => <Widget label={<b>bold</b> as never} /> },
  });
  equal((await app.request("/fn")).status, 500);
  match(String(errors[0]), /Island "Widget" prop count\.onSave: Cannot stringify a function/);
  equal((await app.request("/jsx")).status, 500);
  match(String(errors[1]), /Island "Widget": prop "label" is JSX/);
});

Deno.test("[fresh] islands: outside a page render there are no markers, and renders do not leak state", async () => {
  const { app } = appWith({
    "./routes/one.tsx": { default: () => <Widget label="one" /> },
    "./routes/none.tsx": { default: () => <p>no islands</p> },
  });
  const [one, none] = await Promise.all([fetchPage(app, "/one"), fetchPage(app, "/none")]);
  ok(one.html.includes("frsh:island:Widget:0"));
  ok(!none.html.includes("frsh:island") && !none.html.includes("<script"));
});
