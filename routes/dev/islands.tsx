import { computed, signal } from "@preact/signals";
import { define } from "@/lib/define.ts";
import { HttpError, page } from "@/lib/fresh/mod.ts";
import Counter from "@/islands/dev/Counter.tsx";
import CounterPanel from "@/islands/dev/CounterPanel.tsx";
import PropsEcho from "@/islands/dev/PropsEcho.tsx";

/** Development-only page that exercises hydration end to end (the browser test opens it). */
export const handler = define.handlers({
  GET(ctx) {
    if (!ctx.state.dev) throw new HttpError(404);
    ctx.state.title = "Island check";
    return page(null);
  },
});

export default define.page<typeof handler>(() => {
  const count = signal(0);
  const frozen = computed(() => count.value + 100);
  const sample = {
    date: new Date("2026-11-25T12:00:00.000Z"),
    map: new Map([["web-1", 3]]),
    set: new Set(["ssh", "http"]),
    big: 2n ** 70n,
    url: new URL("https://example.com/a?b=c"),
    missing: undefined,
    hostile: "</script><script>alert(1)</script>\u2028<!--",
  };
  return (
    <>
      <h1>Island check</h1>
      <p>
        Counters A and B share one signal; the panel holds a nested counter on the same signal and a
        read-only computed value.
      </p>
      <div class="cards">
        <Counter label="A" count={count} />
        <Counter label="B" count={count} />
        <CounterPanel count={count} frozen={frozen} />
      </div>
      <h2>Props that survive the trip</h2>
      <PropsEcho sample={sample} />
    </>
  );
});
