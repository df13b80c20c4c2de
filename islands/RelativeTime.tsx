import { useSignal, useSignalEffect } from "@preact/signals";
import { formatAge } from "@/lib/ui/time.ts";

/** "12 s ago", kept current in the browser; the exact time is in the tooltip. */
export default function RelativeTime(props: { iso: string; now: string }) {
  const skew = Date.now() - Date.parse(props.now);
  const now = useSignal(Date.parse(props.now));
  useSignalEffect(() => {
    const timer = setInterval(() => now.value = Date.now() - skew, 1000);
    return () => clearInterval(timer);
  });
  const at = Date.parse(props.iso);
  return (
    <time dateTime={props.iso} title={new Date(at).toUTCString()} data-age-ms={now.value - at}>
      {formatAge(now.value - at)}
    </time>
  );
}
