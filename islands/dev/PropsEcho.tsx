/** Development check: shows how rich props arrived in the browser. */
export default function PropsEcho(props: { sample: Record<string, unknown> }) {
  const describe = (v: unknown): string => {
    if (v === undefined) return "undefined";
    if (v instanceof Date) return `Date ${v.toISOString()}`;
    if (v instanceof Map) return `Map ${JSON.stringify([...v])}`;
    if (v instanceof Set) return `Set ${JSON.stringify([...v])}`;
    if (v instanceof URL) return `URL ${v.href}`;
    if (typeof v === "bigint") return `BigInt ${v}`;
    return `${typeof v} ${JSON.stringify(v)}`;
  };
  return (
    <dl class="props-echo">
      {Object.entries(props.sample).map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd data-prop={k}>{describe(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
